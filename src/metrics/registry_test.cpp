#include "metrics/registry.h"

#include <thread>

#include <gtest/gtest.h>

namespace praetor::metrics {
namespace {

// Verifies the exposition of each metric type: HELP/TYPE once per family, families sorted
// by name, histogram buckets cumulative with le labels after the family's own, _sum and _count.
TEST(Registry, RendersEveryTypeInTextFormat) {
  Registry r;
  auto& requests = r.counter("praetor_requests_total", "Requests served.", {"route", "status"});
  requests.labels({"/api/flows/{id}", "200"}).inc();
  requests.labels({"/api/flows/{id}", "200"}).inc();
  requests.labels({"/api/health", "200"}).inc();
  r.gauge("praetor_depth", "Queue depth.").get().set(7);
  auto& latency = r.histogram("praetor_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  latency.labels({"/api/health"}).observe(0.05);
  latency.labels({"/api/health"}).observe(3);

  EXPECT_EQ(r.render(),
            "# HELP praetor_depth Queue depth.\n"
            "# TYPE praetor_depth gauge\n"
            "praetor_depth 7\n"
            "# HELP praetor_latency_seconds Latency.\n"
            "# TYPE praetor_latency_seconds histogram\n"
            "praetor_latency_seconds_bucket{route=\"/api/health\",le=\"0.1\"} 1\n"
            "praetor_latency_seconds_bucket{route=\"/api/health\",le=\"1\"} 1\n"
            "praetor_latency_seconds_bucket{route=\"/api/health\",le=\"+Inf\"} 2\n"
            "praetor_latency_seconds_sum{route=\"/api/health\"} 3.05\n"
            "praetor_latency_seconds_count{route=\"/api/health\"} 2\n"
            "# HELP praetor_requests_total Requests served.\n"
            "# TYPE praetor_requests_total counter\n"
            "praetor_requests_total{route=\"/api/flows/{id}\",status=\"200\"} 2\n"
            "praetor_requests_total{route=\"/api/health\",status=\"200\"} 1\n");
}

// Verifies that a labelled family with no samples yet is left out entirely (no orphan
// HELP/TYPE lines), while an unlabelled one shows its zero.
TEST(Registry, EmptyLabelledFamilyIsOmitted) {
  Registry r;
  r.counter("praetor_a_total", "A.", {"kind"});
  r.counter("praetor_b_total", "B.");
  EXPECT_EQ(r.render(), "# HELP praetor_b_total B.\n# TYPE praetor_b_total counter\npraetor_b_total 0\n");
}

// Verifies that registering a name twice returns the same family, and that another type
// under that name is refused as the bug it is.
TEST(Registry, SecondRegistrationReturnsTheFirst) {
  Registry r;
  auto& a = r.counter("praetor_x_total", "X.", {"k"});
  auto& b = r.counter("praetor_x_total", "ignored", {"k"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.gauge("praetor_x_total", "X."), std::logic_error);
}

// Verifies that scrape hooks run before rendering and stop running once their handle goes.
TEST(Registry, ScrapeHooksSetGaugesUntilRemoved) {
  Registry r;
  auto& g = r.gauge("praetor_g", "G.").get();
  int runs = 0;
  {
    ScrapeHook hook = r.on_scrape([&] { g.set(++runs); });
    EXPECT_NE(r.render().find("praetor_g 1\n"), std::string::npos);
    EXPECT_NE(r.render().find("praetor_g 2\n"), std::string::npos);
  }
  EXPECT_NE(r.render().find("praetor_g 2\n"), std::string::npos);
  EXPECT_EQ(runs, 2);
}

// Verifies that children are created and updated from many threads at once while another
// thread renders, and that every update is counted.
TEST(Registry, ConcurrentUpdatesAndRenders) {
  Registry r;
  auto& family = r.counter("praetor_c_total", "C.", {"t"});
  std::atomic<bool> done{false};
  std::thread renderer([&] {
    while (!done) (void)r.render();
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) family.labels({std::to_string((t + i) % 10)}).inc();
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  renderer.join();
  double total = 0;
  for (int k = 0; k < 10; ++k) total += family.labels({std::to_string(k)}).value();
  EXPECT_EQ(total, 8000);
}

}  // namespace
}  // namespace praetor::metrics

#include "metrics/process_metrics.h"

namespace praetor::metrics {
namespace {

double sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

// Verifies the process series read from /proc: CPU time and memory above zero, open
// descriptors within the limit, and a start time in the past but after 2020.
TEST(ProcessMetrics, ReadFromProc) {
  Registry r;
  ScrapeHook hook = collect_process_metrics(r);
  std::string text = r.render();
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), 1e5) << text;
  EXPECT_GT(sample(text, "process_virtual_memory_bytes"), 1e5);
  EXPECT_GE(sample(text, "process_cpu_seconds_total"), 0);
  EXPECT_GE(sample(text, "process_open_fds"), 3);
  EXPECT_LE(sample(text, "process_open_fds"), sample(text, "process_max_fds"));
  double start = sample(text, "process_start_time_seconds");
  EXPECT_GT(start, 1.5e9);
  EXPECT_LE(start, static_cast<double>(std::time(nullptr)) + 1);
}

}  // namespace
}  // namespace praetor::metrics

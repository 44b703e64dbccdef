// Closed-loop HTTP/1.1 load driver for the benchmark workloads (bench/run). One thread per
// keep-alive connection, blocking sockets, no dependencies beyond the C++ library, so the
// driver stays cheap next to the server it measures; it reports its own CPU time.
//
//   load_driver --port P --clients N --seconds S [--warmup W] [--retry-503] --workload w1
//
// w1: per run, POST /api/flows/ + POST /api/flow_runs/ + set_state RUNNING + set_state
//     COMPLETED. The window is the S seconds after a W-second warm-up: a run counts when it
//     ends (completed, or failed at its first non-2xx final answer) inside it, a request
//     when its final answer comes inside it, so runs/s = completed runs / S is the steady
//     rate however long one run takes; runs still going when it closes are reported as
//     unfinished. Without --retry-503 a non-2xx
//     answer ends its run; with it, 408/429/502/503 are retried as the prefect 3.9.1 client
//     retries them (prefect/client/base.py: up to 5 retries, Retry-After if given, else 2^try
//     s, ±20% jitter), and a request's latency includes its retries and waits.
//
// Prints one JSON object: runs ended in the window (attempted) / completed / failed /
// unfinished, requests, errors (non-2xx final answers and broken connections), 503 answers,
// retries, the measured window, runs/s,
// request latency p50/p99/p99.9/max (ms) with the sample count, the same p99/p99.9 corrected
// for coordinated omission (latency.h), driver_cpu_seconds.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "latency.h"
#include "loopback_http.h"

namespace {

using Clock = std::chrono::steady_clock;

using bench::Connection;

std::string extract_id(const std::string& body) {
  auto p = body.find("\"id\":\"");
  if (p == std::string::npos) p = body.find("\"id\": \"");
  if (p == std::string::npos) return {};
  p = body.find('"', body.find(':', p) + 1) + 1;
  return body.substr(p, 36);
}

struct Options {
  int port = 4200, clients = 16;
  double seconds = 10, warmup = 1;
  bool retry_503 = false;
};

struct Counts {
  long attempted = 0, completed = 0, unfinished = 0, requests = 0, errors = 0, status_503 = 0, retries = 0;
  void add(const Counts& o) {
    attempted += o.attempted;
    unfinished += o.unfinished;
    completed += o.completed;
    requests += o.requests;
    errors += o.errors;
    status_503 += o.status_503;
    retries += o.retries;
  }
};

struct Totals {
  std::mutex mu;
  std::vector<double> latencies_ms;
  Counts counts;
};

bool retryable(int status) { return status == 408 || status == 429 || status == 502 || status == 503; }

class Client {
 public:
  static constexpr int kCut = -1;  // call(): the window closed before the final answer

  Client(const Options& opt, int index, Clock::time_point window_start, Clock::time_point deadline)
      : opt_(opt),
        index_(index),
        window_start_(window_start),
        deadline_(deadline),
        rng_(static_cast<unsigned>(index) * 7919u + 1) {}

  // One logical request; (status, body), status 0 for a broken connection, kCut when it
  // ends after the window (not timed, not counted). Timed from its first send to its final
  // answer, and counted, when that answer comes inside the window.
  std::pair<int, std::string> call(const std::string& method, const std::string& path, const std::string& body) {
    auto t0 = Clock::now();
    std::pair<int, std::string> res{0, {}};
    for (int attempt = 0;; ++attempt) {
      res = send_once(method, path, body);
      auto now = Clock::now();
      if (now > deadline_) return {kCut, {}};
      bool record = now >= window_start_;
      if (record && res.first == 503) ++counts.status_503;
      if (!opt_.retry_503 || !retryable(res.first) || attempt == kMaxRetries) break;
      if (record) ++counts.retries;
      auto wake = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(backoff_seconds(attempt + 1)));
      if (wake > deadline_) return {kCut, {}};
      std::this_thread::sleep_until(wake);
    }
    if (Clock::now() >= window_start_) {
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      ++counts.requests;
      if (res.first == 0 || res.first >= 300) ++counts.errors;
    }
    if (res.first >= 300 && ++logged_ <= 2) {
      std::fprintf(stderr, "%s %s -> %d %s\n", method.c_str(), path.c_str(), res.first,
                   res.second.substr(0, 200).c_str());
    }
    return res;
  }

  Counts counts;
  std::vector<double> latencies_ms;

 private:
  static constexpr int kMaxRetries = 5;  // PREFECT_CLIENT_MAX_RETRIES

  // 2^try seconds with ±20% jitter (PREFECT_CLIENT_RETRY_JITTER_FACTOR), or Retry-After.
  double backoff_seconds(int try_count) {
    if (retry_after_ >= 0) return retry_after_;
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    return static_cast<double>(1 << try_count) * jitter(rng_);
  }

  std::pair<int, std::string> send_once(const std::string& method, const std::string& path, const std::string& body) {
    retry_after_ = -1;
    try {
      if (!conn_) conn_ = std::make_unique<Connection>(opt_.port);
      auto res = conn_->request(method, path, body);
      retry_after_ = conn_->retry_after_seconds();
      // uvicorn may close the connection after a 5xx without saying so; start a new one.
      if (conn_->peer_closing() || res.first >= 500) conn_.reset();
      return res;
    } catch (const std::exception& e) {
      conn_.reset();
      if (++logged_ <= 2) {
        std::fprintf(stderr, "client %d: %s %s: %s\n", index_, method.c_str(), path.c_str(), e.what());
      }
      return {0, {}};
    }
  }

  const Options& opt_;
  int index_;
  Clock::time_point window_start_, deadline_;
  std::mt19937 rng_;
  std::unique_ptr<Connection> conn_;
  double retry_after_ = -1;
  int logged_ = 0;
};

enum class Outcome { kCompleted, kFailed, kCut };

// One flow run: create the flow and the run, then RUNNING and COMPLETED.
Outcome one_run(Client& client, const std::string& flow_body) {
  auto ended = [](const std::pair<int, std::string>& r) {
    return r.first == Client::kCut ? Outcome::kCut : Outcome::kFailed;
  };
  auto flow = client.call("POST", "/api/flows/", flow_body);
  std::string flow_id = flow.first > 0 && flow.first < 300 ? extract_id(flow.second) : "";
  if (flow_id.empty()) return ended(flow);
  const std::string run_body = R"({"flow_id":")" + flow_id + R"(","state":{"type":"PENDING","name":"Pending"}})";
  auto run = client.call("POST", "/api/flow_runs/", run_body);
  std::string run_id = run.first > 0 && run.first < 300 ? extract_id(run.second) : "";
  if (run_id.empty()) return ended(run);
  const std::string set_state = "/api/flow_runs/" + run_id + "/set_state";
  const std::string to_running = R"({"state":{"type":"RUNNING","name":"Running"},"force":false})";
  const std::string to_completed = R"({"state":{"type":"COMPLETED","name":"Completed"},"force":false})";
  auto running = client.call("POST", set_state, to_running);
  if (running.first <= 0 || running.first >= 300) return ended(running);
  auto fin = client.call("POST", set_state, to_completed);
  return fin.first > 0 && fin.first < 300 ? Outcome::kCompleted : ended(fin);
}

void run_w1(const Options& opt, int client_index, Clock::time_point window_start, Clock::time_point deadline,
            Totals& totals) {
  Client client(opt, client_index, window_start, deadline);
  const std::string flow_body = "{\"name\":\"bench-w1-" + std::to_string(client_index % 8) + "\"}";
  while (Clock::now() < deadline) {
    Outcome o = one_run(client, flow_body);
    if (o == Outcome::kCut) {
      ++client.counts.unfinished;
    } else if (Clock::now() >= window_start) {
      ++client.counts.attempted;
      if (o == Outcome::kCompleted) ++client.counts.completed;
    }
  }
  std::lock_guard lock(totals.mu);
  totals.latencies_ms.insert(totals.latencies_ms.end(), client.latencies_ms.begin(), client.latencies_ms.end());
  totals.counts.add(client.counts);
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string workload = "w1";
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    bool has_value = i + 1 < argc;
    if (k == "--retry-503") opt.retry_503 = true;
    else if (k == "--port" && has_value) opt.port = std::atoi(argv[++i]);
    else if (k == "--clients" && has_value) opt.clients = std::atoi(argv[++i]);
    else if (k == "--seconds" && has_value) opt.seconds = std::atof(argv[++i]);
    else if (k == "--warmup" && has_value) opt.warmup = std::atof(argv[++i]);
    else if (k == "--workload" && has_value) workload = argv[++i];
    else {
      std::fprintf(stderr, "unknown argument %s\n", k.c_str());
      return 2;
    }
  }
  if (workload != "w1") {
    std::fprintf(stderr, "unknown workload %s\n", workload.c_str());
    return 2;
  }
  Totals totals;
  auto t0 = Clock::now();
  auto after = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  auto window_start = t0 + after(opt.warmup);
  auto deadline = window_start + after(opt.seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < opt.clients; ++c) {
    threads.emplace_back(run_w1, std::cref(opt), c, window_start, deadline, std::ref(totals));
  }
  for (auto& t : threads) t.join();
  double seconds = opt.seconds;
  const Counts& n = totals.counts;
  auto& lat = totals.latencies_ms;
  double max_ms = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
  double mean_ms = 0;
  for (double l : lat) mean_ms += l;
  mean_ms = lat.empty() ? 0 : mean_ms / static_cast<double>(lat.size());
  auto corrected = bench::corrected_for_coordinated_omission(lat, mean_ms);
  std::printf(
      "{\"runs_attempted\":%ld,\"runs\":%ld,\"runs_failed\":%ld,\"runs_unfinished\":%ld,\"requests\":%ld,"
      "\"errors\":%ld,\"status_503\":%ld,"
      "\"retries\":%ld,\"retry_503\":%s,\"warmup_seconds\":%.1f,\"seconds\":%.3f,\"runs_per_second\":%.2f,"
      "\"requests_per_second\":%.1f,\"samples\":%zu,\"mean_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"co_samples\":%zu,\"co_p99_ms\":%.3f,\"co_p999_ms\":%.3f,"
      "\"driver_cpu_seconds\":%.3f}\n",
      n.attempted, n.completed, n.attempted - n.completed, n.unfinished, n.requests, n.errors, n.status_503, n.retries,
      opt.retry_503 ? "true" : "false", opt.warmup, seconds, static_cast<double>(n.completed) / seconds,
      static_cast<double>(n.requests) / seconds, lat.size(), mean_ms, bench::percentile(lat, 50),
      bench::percentile(lat, 99), bench::percentile(lat, 99.9), max_ms, corrected.size(),
      bench::percentile(corrected, 99), bench::percentile(corrected, 99.9), cpu_seconds());
  return n.errors > 0 ? 1 : 0;
}

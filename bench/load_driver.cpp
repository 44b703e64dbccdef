// Closed-loop HTTP/1.1 load driver for the benchmark workloads (bench/run). One thread per
// keep-alive connection, blocking sockets, no dependencies beyond the C++ library, so the
// driver stays cheap next to the server it measures; it reports its own CPU time.
//
//   load_driver --port P --clients N --runs M --workload w1
//
// w1: per run, POST /api/flows/ + POST /api/flow_runs/ + set_state RUNNING + set_state
//     COMPLETED. Prints one JSON object: runs, requests, errors, seconds, latency
//     percentiles (ms, per request), driver_cpu_seconds.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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

struct Totals {
  std::mutex mu;
  std::vector<double> latencies_ms;
  long requests = 0, errors = 0, runs = 0;
};

void run_w1(int port, int runs, int client_index, Totals& totals) {
  std::vector<double> lat;
  long requests = 0, errors = 0, done = 0;
  std::unique_ptr<Connection> conn;
  // One request; a broken connection counts as an error and is replaced (servers may close
  // the connection after a 500).
  auto timed = [&](const std::string& method, const std::string& path,
                   const std::string& body) -> std::pair<int, std::string> {
    auto t0 = Clock::now();
    std::pair<int, std::string> res{0, {}};
    try {
      if (!conn) conn = std::make_unique<Connection>(port);
      res = conn->request(method, path, body);
      // uvicorn may close the connection after a 5xx without saying so; start a new one.
      if (conn->peer_closing() || res.first >= 500) conn.reset();
    } catch (const std::exception& e) {
      conn.reset();
      if (++errors <= 2) std::fprintf(stderr, "client %d: %s %s: %s\n", client_index, method.c_str(), path.c_str(), e.what());
      return res;
    }
    lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++requests;
    if (res.first >= 300 && ++errors <= 2) {
      std::fprintf(stderr, "%s %s -> %d %s\n", method.c_str(), path.c_str(), res.first, res.second.substr(0, 200).c_str());
    }
    return res;
  };
  const std::string flow_body = "{\"name\":\"bench-w1-" + std::to_string(client_index % 8) + "\"}";
  for (int i = 0; i < runs; ++i) {
    auto flow = timed("POST", "/api/flows/", flow_body);
    std::string flow_id = extract_id(flow.second);
    if (flow_id.empty()) continue;
    auto run = timed("POST", "/api/flow_runs/",
                     "{\"flow_id\":\"" + flow_id + "\",\"state\":{\"type\":\"PENDING\",\"name\":\"Pending\"}}");
    std::string run_id = extract_id(run.second);
    if (run_id.empty()) continue;
    timed("POST", "/api/flow_runs/" + run_id + "/set_state",
          "{\"state\":{\"type\":\"RUNNING\",\"name\":\"Running\"},\"force\":false}");
    auto fin = timed("POST", "/api/flow_runs/" + run_id + "/set_state",
                     "{\"state\":{\"type\":\"COMPLETED\",\"name\":\"Completed\"},\"force\":false}");
    if (fin.first > 0 && fin.first < 300) ++done;
  }
  std::lock_guard lock(totals.mu);
  totals.latencies_ms.insert(totals.latencies_ms.end(), lat.begin(), lat.end());
  totals.requests += requests;
  totals.errors += errors;
  totals.runs += done;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  int port = 4200, clients = 16, runs = 1000;
  std::string workload = "w1";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port") port = std::atoi(argv[i + 1]);
    else if (k == "--clients") clients = std::atoi(argv[i + 1]);
    else if (k == "--runs") runs = std::atoi(argv[i + 1]);
    else if (k == "--workload") workload = argv[i + 1];
  }
  if (workload != "w1") {
    std::fprintf(stderr, "unknown workload %s\n", workload.c_str());
    return 2;
  }
  Totals totals;
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  int per_client = runs / clients, extra = runs % clients;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back(run_w1, port, per_client + (c < extra ? 1 : 0), c, std::ref(totals));
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::printf(
      "{\"runs\":%ld,\"requests\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"runs_per_second\":%.1f,"
      "\"requests_per_second\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"driver_cpu_seconds\":%.3f}\n",
      totals.runs, totals.requests, totals.errors, seconds, static_cast<double>(totals.runs) / seconds,
      static_cast<double>(totals.requests) / seconds, percentile(totals.latencies_ms, 50),
      percentile(totals.latencies_ms, 99), cpu);
  return totals.errors > 0 ? 1 : 0;
}

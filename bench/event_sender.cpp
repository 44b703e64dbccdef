// WebSocket event sender for benchmark workload W2 (bench/workloads/w2_events.py). Speaks
// the client side of /api/events/in as the prefect 3.9.1 client does: upgrade with the
// `prefect` subprotocol, {"type":"auth","token":null} → {"type":"auth_success"}, then one
// event JSON per masked text frame. Raw sockets and minimal RFC 6455 framing, so the sender
// costs little next to the server it measures; it reports its own CPU time.
//
//   event_sender --port P --clients C --task-runs N --flow-runs FILE
//
// FILE has one line per flow run: "<flow_run_id> <flow_run_name> <flow_id> <flow_name>".
// Task run i belongs to flow run i % lines. Each task run gets four events shaped like the
// client's task-run state events: Pending → Running → Retrying → Completed (final type
// COMPLETED), with `follows` chaining them. Prints one JSON object: task_runs, events,
// errors, seconds (until the server acknowledged the close), sender_cpu_seconds.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "loopback_http.h"

namespace {

struct FlowRunRef {
  std::string id, name, flow_id, flow_name;
};

// A client-side WebSocket on a blocking loopback socket.
class WebSocket {
 public:
  WebSocket(int port, const std::string& path) : fd_(bench::connect_loopback(port)) {
    timeval tv{60, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = "GET " + path +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: prefect\r\nUser-Agent: praetor-bench\r\n\r\n";
    bench::send_all(fd_, req.data(), req.size());
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) fill();
    if (buf_.compare(0, 12, "HTTP/1.1 101") != 0) throw std::runtime_error("upgrade refused: " + buf_.substr(0, 80));
    buf_.erase(0, end + 4);
  }
  ~WebSocket() { ::close(fd_); }
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // Appends one masked frame to the outgoing buffer; flush() writes it.
  void queue(uint8_t opcode, const std::string& payload) {
    out_.push_back(static_cast<char>(0x80 | opcode));
    size_t n = payload.size();
    if (n < 126) {
      out_.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
      out_.push_back(static_cast<char>(0x80 | 126));
      out_.push_back(static_cast<char>(n >> 8));
      out_.push_back(static_cast<char>(n & 0xff));
    } else {
      out_.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
    }
    uint32_t key = static_cast<uint32_t>(rng_());
    char mask[4];
    std::memcpy(mask, &key, 4);
    out_.append(mask, 4);
    size_t start = out_.size();
    out_.append(payload);
    for (size_t i = 0; i < n; ++i) out_[start + i] = static_cast<char>(out_[start + i] ^ mask[i & 3]);
  }
  void flush() {
    bench::send_all(fd_, out_.data(), out_.size());
    out_.clear();
  }

  // Reads one frame; returns (opcode, payload). Server frames are unmasked.
  std::pair<int, std::string> read_frame() {
    while (buf_.size() < 2) fill();
    auto b = [&](size_t i) { return static_cast<uint8_t>(buf_[i]); };
    int opcode = b(0) & 0x0f;
    uint64_t len = b(1) & 0x7f;
    size_t head = 2;
    if (len == 126) {
      while (buf_.size() < 4) fill();
      len = (uint64_t{b(2)} << 8) | b(3);
      head = 4;
    } else if (len == 127) {
      while (buf_.size() < 10) fill();
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b(2 + static_cast<size_t>(i));
      head = 10;
    }
    while (buf_.size() < head + len) fill();
    std::string payload = buf_.substr(head, len);
    buf_.erase(0, head + len);
    return {opcode, payload};
  }

  // Sends a close frame and waits for the server's close (or EOF): after it, the server
  // has read every frame sent before.
  void close_and_wait() {
    queue(0x8, std::string("\x03\xe8", 2));
    flush();
    try {
      for (;;) {
        if (read_frame().first == 0x8) return;
      }
    } catch (const std::exception&) {
      // EOF after close is fine.
    }
  }

 private:
  void fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) throw std::runtime_error("recv");
    buf_.append(tmp, static_cast<size_t>(n));
  }

  int fd_;
  std::string buf_, out_;
  std::mt19937_64 rng_{std::random_device{}()};
};

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-01-02T03:04:05.123456" followed by `suffix` ("Z" or "+00:00").
std::string iso(int64_t micros, const char* suffix) {
  time_t secs = static_cast<time_t>(micros / 1000000);
  tm t{};
  gmtime_r(&secs, &t);
  char out[48];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld%s", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<long long>(micros % 1000000), suffix);
  return out;
}

std::string format_uuid(uint64_t hi, uint64_t lo) {
  char out[40];
  std::snprintf(out, sizeof out, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff), static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

// A version-7 UUID for time `micros` (the client's task-run and state ids are uuid7).
std::string uuid7(std::mt19937_64& rng, int64_t micros) {
  uint64_t ms = static_cast<uint64_t>(micros / 1000);
  uint64_t hi = (ms << 16) | 0x7000 | (rng() & 0x0fff);
  uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return format_uuid(hi, lo);
}

std::string uuid4(std::mt19937_64& rng) {
  uint64_t hi = (rng() & 0xffffffffffff0fffULL) | 0x4000;
  uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return format_uuid(hi, lo);
}

struct StateStep {
  const char* name;
  const char* type;
  int run_count;
};
constexpr StateStep kSteps[] = {
    {"Pending", "PENDING", 0}, {"Running", "RUNNING", 1}, {"Retrying", "RUNNING", 2}, {"Completed", "COMPLETED", 2}};

// The four events of one task run, in order.
std::vector<std::string> task_run_events(std::mt19937_64& rng, const FlowRunRef& fr, int index) {
  std::vector<std::string> out;
  int64_t t0 = now_micros();
  std::string task_id = uuid7(rng, t0);
  std::string task_name = "bench_task-" + std::to_string(index);
  std::string task_key = "bench_task-" + std::to_string(index % 10);
  std::string dynamic_key = uuid4(rng);
  std::string prev_id;
  int64_t start_time = 0;
  for (int k = 0; k < 4; ++k) {
    const StateStep& s = kSteps[k];
    int64_t at = t0 + k * 1000;  // strictly increasing per task run
    if (k == 1) start_time = at;
    std::string id = uuid7(rng, at);
    std::ostringstream e;
    e << "{\"occurred\":\"" << iso(at, "Z") << "\",\"event\":\"prefect.task-run." << s.name
      << "\",\"resource\":{\"prefect.resource.id\":\"prefect.task-run." << task_id
      << "\",\"prefect.resource.name\":\"" << task_name << "\",\"prefect.run-count\":\"" << s.run_count
      << "\",\"prefect.state-message\":\"\",\"prefect.state-name\":\"" << s.name << "\",\"prefect.state-timestamp\":\""
      << iso(at, "+00:00") << "\",\"prefect.state-type\":\"" << s.type
      << "\",\"prefect.orchestration\":\"client\"},\"related\":[{\"prefect.resource.id\":\"prefect.flow-run." << fr.id
      << "\",\"prefect.resource.role\":\"flow-run\",\"prefect.resource.name\":\"" << fr.name
      << "\"},{\"prefect.resource.id\":\"prefect.flow." << fr.flow_id
      << "\",\"prefect.resource.role\":\"flow\",\"prefect.resource.name\":\"" << fr.flow_name
      << "\"}],\"payload\":{\"intended\":{\"from\":";
    if (k == 0) {
      e << "null,\"to\":\"PENDING\"},\"initial_state\":null";
    } else {
      e << "\"" << kSteps[k - 1].type << "\",\"to\":\"" << s.type << "\"},\"initial_state\":{\"type\":\""
        << kSteps[k - 1].type << "\",\"name\":\"" << kSteps[k - 1].name << "\",\"message\":\"\",\"state_details\":{}}";
    }
    e << ",\"validated_state\":{\"type\":\"" << s.type << "\",\"name\":\"" << s.name
      << "\",\"message\":\"\",\"state_details\":" << (k == 3 ? "{\"untrackable_result\":true}" : "{}")
      << ",\"data\":null},\"task_run\":{\"name\":\"" << task_name << "\",\"task_key\":\"" << task_key
      << "\",\"dynamic_key\":\"" << dynamic_key
      << "\",\"empirical_policy\":{\"max_retries\":0,\"retry_delay_seconds\":0.0,\"retries\":1,\"retry_delay\":0},"
         "\"tags\":[],\"labels\":{},\"task_inputs\":{},\"run_count\":"
      << s.run_count << ",\"flow_run_run_count\":" << (k == 0 ? 0 : 1) << ",\"expected_start_time\":\""
      << iso(t0, "Z") << "\"";
    if (k >= 1) e << ",\"start_time\":\"" << iso(start_time, "Z") << "\"";
    if (k == 3) e << ",\"end_time\":\"" << iso(at, "Z") << "\"";
    char total[32];
    std::snprintf(total, sizeof total, "%.6f", k == 3 ? static_cast<double>(at - start_time) / 1e6 : 0.0);
    e << ",\"total_run_time\":" << total << "}},\"id\":\"" << id << "\",\"follows\":";
    if (prev_id.empty()) {
      e << "null}";
    } else {
      e << "\"" << prev_id << "\"}";
    }
    prev_id = id;
    out.push_back(e.str());
  }
  return out;
}

struct Totals {
  std::mutex mu;
  long events = 0, errors = 0;
};

void run_client(int port, int clients, int client_index, int task_runs, const std::vector<FlowRunRef>& flow_runs,
                Totals& totals) {
  long events = 0, errors = 0;
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(client_index));
  try {
    WebSocket ws(port, "/api/events/in");
    ws.queue(0x1, "{\"type\":\"auth\",\"token\":null}");
    ws.flush();
    auto reply = ws.read_frame();
    if (reply.second.find("auth_success") == std::string::npos) throw std::runtime_error("auth: " + reply.second);
    int batched = 0;
    for (int i = client_index; i < task_runs; i += clients) {
      for (const auto& ev : task_run_events(rng, flow_runs[static_cast<size_t>(i) % flow_runs.size()], i)) {
        ws.queue(0x1, ev);
        ++events;
      }
      if (++batched == 8) {  // a few events per write, as a busy client's socket would carry
        ws.flush();
        batched = 0;
      }
    }
    ws.flush();
    ws.close_and_wait();
  } catch (const std::exception& e) {
    ++errors;
    std::fprintf(stderr, "client %d: %s\n", client_index, e.what());
  }
  std::lock_guard lock(totals.mu);
  totals.events += events;
  totals.errors += errors;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 4200, clients = 4, task_runs = 1000;
  std::string flow_runs_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port") port = std::atoi(argv[i + 1]);
    else if (k == "--clients") clients = std::atoi(argv[i + 1]);
    else if (k == "--task-runs") task_runs = std::atoi(argv[i + 1]);
    else if (k == "--flow-runs") flow_runs_file = argv[i + 1];
  }
  std::vector<FlowRunRef> flow_runs;
  std::ifstream in(flow_runs_file);
  for (FlowRunRef r; in >> r.id >> r.name >> r.flow_id >> r.flow_name;) flow_runs.push_back(r);
  if (flow_runs.empty()) {
    std::fprintf(stderr, "no flow runs in %s\n", flow_runs_file.c_str());
    return 2;
  }
  Totals totals;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back(run_client, port, clients, c, task_runs, std::cref(flow_runs), std::ref(totals));
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::printf("{\"task_runs\":%d,\"events\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"sender_cpu_seconds\":%.3f}\n",
              task_runs, totals.events, totals.errors, seconds, cpu);
  return totals.errors > 0 ? 1 : 0;
}

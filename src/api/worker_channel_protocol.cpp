#include "api/worker_channel_protocol.h"

#include <algorithm>
#include <initializer_list>

#include "core/json_util.h"
#include "core/timestamp.h"
#include "core/uuid.h"

namespace praetor::api::worker_channel {

namespace json = boost::json;

namespace {

constexpr std::string_view kCleanupKinds[] = {"cancelling_timeout_teardown.v1", "pending_claim_teardown.v1"};

ChannelError protocol_error(std::string detail) { return {CloseReason::kProtocolError, std::move(detail)}; }

// The models are strict (extra="forbid"): a key outside `allowed` is an error.
bool only_keys(const json::object& o, std::initializer_list<std::string_view> allowed) {
  return std::all_of(o.begin(), o.end(), [&](const auto& kv) {
    return std::find(allowed.begin(), allowed.end(), std::string_view(kv.key())) != allowed.end();
  });
}

std::optional<std::string> uuid_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return core::parse_uuid(std::string_view(v->get_string()));
}

std::optional<std::string> non_empty_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string() || v->get_string().empty()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> integer_at_least(const json::object& o, std::string_view key, int64_t minimum) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  std::optional<int64_t> n;
  if (v->is_int64()) n = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) n = static_cast<int64_t>(v->get_uint64());
  if (!n || *n < minimum) return std::nullopt;
  return n;
}

// A list of non-empty strings (absent: `absent`), duplicates dropped; nullopt when invalid.
std::optional<std::vector<std::string>> string_list(const json::object& o, std::string_view key,
                                                    std::optional<std::vector<std::string>> absent) {
  const json::value* v = o.if_contains(key);
  if (!v) return absent;
  if (!v->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v->get_array()) {
    if (!item.is_string() || item.get_string().empty()) return std::nullopt;
    std::string s(item.get_string());
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

struct Frame {
  std::string type;
  std::string id;
  json::object payload;
};

// The envelope every frame shares.
std::optional<Frame> read_frame(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  if (!only_keys(o, {"type", "id", "sent_at", "payload"})) return std::nullopt;
  auto type = non_empty_string(o, "type");
  auto id = uuid_field(o, "id");
  const json::value* sent_at = o.if_contains("sent_at");
  const json::value* payload = o.if_contains("payload");
  if (!type || !id || !sent_at || !sent_at->is_string() || !core::parse_timestamp(sent_at->get_string()) || !payload ||
      !payload->is_object()) {
    return std::nullopt;
  }
  return Frame{*type, *id, payload->get_object()};
}

std::string encode(std::string_view type, const std::string& frame_id, const std::string& sent_at,
                   json::object payload) {
  return core::to_json_text(
      json::object{{"type", type}, {"id", frame_id}, {"sent_at", sent_at}, {"payload", std::move(payload)}});
}

json::array to_array(const std::vector<std::string>& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return a;
}

}  // namespace

uint16_t close_code(CloseReason reason) {
  switch (reason) {
    case CloseReason::kProtocolError:
      return 1002;
    case CloseReason::kHeartbeatPersistenceFailed:
    case CloseReason::kTransientServerError:
      return 1011;
    default:
      return 1008;
  }
}

const char* close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::kAuthenticationFailed:
      return "authentication_failed";
    case CloseReason::kAuthorizationFailed:
      return "authorization_failed";
    case CloseReason::kUnsupportedVersion:
      return "unsupported_version";
    case CloseReason::kProtocolError:
      return "protocol_error";
    case CloseReason::kHeartbeatPersistenceFailed:
      return "heartbeat_persistence_failed";
    case CloseReason::kTransientServerError:
      return "transient_server_error";
  }
  return "protocol_error";
}

Read<Hello> read_hello(std::string_view text) {
  Read<Hello> out;
  auto frame = read_frame(text);
  if (!frame) {
    out.error = protocol_error("malformed hello frame");
    return out;
  }
  if (frame->type != "worker.hello.v1") {
    out.error = protocol_error("expected worker.hello.v1 during setup");
    return out;
  }
  const json::object& p = frame->payload;
  if (!only_keys(p, {"consumer_id", "worker_name", "worker_type", "heartbeat_interval_seconds",
                     "supported_channel_versions", "requested_capabilities", "work_queue_names",
                     "handled_cleanup_kinds", "max_cleanup_concurrency", "create_pool_if_not_found",
                     "default_base_job_template", "worker_metadata"})) {
    out.error = protocol_error("hello payload has an unknown field");
    return out;
  }
  Hello h;
  auto consumer_id = uuid_field(p, "consumer_id");
  auto worker_name = non_empty_string(p, "worker_name");
  auto worker_type = non_empty_string(p, "worker_type");
  auto interval = integer_at_least(p, "heartbeat_interval_seconds", 1);
  auto versions = string_list(p, "supported_channel_versions", std::nullopt);
  auto requested = string_list(p, "requested_capabilities", std::nullopt);
  auto queues = string_list(p, "work_queue_names", std::vector<std::string>{});
  auto cleanup_kinds = string_list(p, "handled_cleanup_kinds", std::vector<std::string>{});
  std::optional<int64_t> max_cleanup = p.contains("max_cleanup_concurrency")
                                           ? integer_at_least(p, "max_cleanup_concurrency", 0)
                                           : std::optional<int64_t>(0);
  if (!consumer_id || !worker_name || !worker_type || !interval || !versions || versions->empty() || !requested ||
      requested->empty() || !queues || !cleanup_kinds || !max_cleanup) {
    out.error = protocol_error("malformed hello payload");
    return out;
  }
  for (const auto& kind : *cleanup_kinds) {
    if (std::find(std::begin(kCleanupKinds), std::end(kCleanupKinds), kind) == std::end(kCleanupKinds)) {
      out.error = protocol_error("unknown cleanup kind");
      return out;
    }
  }
  if (const json::value* v = p.if_contains("create_pool_if_not_found")) {
    if (!v->is_bool()) {
      out.error = protocol_error("malformed hello payload");
      return out;
    }
    h.create_pool_if_not_found = v->get_bool();
  }
  if (const json::value* v = p.if_contains("default_base_job_template")) {
    if (!v->is_object()) {
      out.error = protocol_error("malformed hello payload");
      return out;
    }
    h.default_base_job_template = v->get_object();
  }
  if (const json::value* v = p.if_contains("worker_metadata"); v && !v->is_null() && !v->is_object()) {
    out.error = protocol_error("malformed hello payload");
    return out;
  }
  // WorkerHelloPayload's validators: both required capabilities requested; cleanup fields
  // only with cleanup delivery (an absent max_cleanup_concurrency defaults to 1 then).
  if (!contains(*requested, kHeartbeatCapability) || !contains(*requested, kSnapshotCapability)) {
    out.error = protocol_error("a required capability is not requested");
    return out;
  }
  if (!contains(*requested, kCleanupCapability) && (!cleanup_kinds->empty() || *max_cleanup > 0)) {
    out.error = protocol_error("cleanup fields without cleanup_delivery.v1");
    return out;
  }
  if (!contains(*versions, kVersion)) {
    out.error = {CloseReason::kUnsupportedVersion, "no mutually supported worker channel version"};
    return out;
  }
  h.consumer_id = *consumer_id;
  h.worker_name = *worker_name;
  h.worker_type = *worker_type;
  h.heartbeat_interval_seconds = *interval;
  h.supported_channel_versions = std::move(*versions);
  h.requested_capabilities = std::move(*requested);
  h.work_queue_names = std::move(*queues);
  out.value = std::move(h);
  return out;
}

Read<ClientFrame> read_client_frame(std::string_view text) {
  Read<ClientFrame> out;
  auto frame = read_frame(text);
  if (!frame) {
    out.error = protocol_error("malformed frame");
    return out;
  }
  const json::object& p = frame->payload;
  ClientFrame f;
  if (frame->type == "worker.heartbeat.v1") {
    auto consumer_id = uuid_field(p, "consumer_id");
    auto worker_name = non_empty_string(p, "worker_name");
    auto interval = integer_at_least(p, "heartbeat_interval_seconds", 1);
    if (!only_keys(p, {"consumer_id", "worker_name", "heartbeat_interval_seconds"}) || !consumer_id || !worker_name ||
        !interval) {
      out.error = protocol_error("malformed heartbeat frame");
      return out;
    }
    f.heartbeat = Heartbeat{*consumer_id, *worker_name, *interval};
    out.value = std::move(f);
    return out;
  }
  std::string operation;
  if (frame->type == "cleanup.ack.v1") operation = "ack";
  if (frame->type == "cleanup.renew.v1") operation = "renew";
  if (frame->type == "cleanup.release.v1") operation = "release";
  if (operation.empty()) {
    out.error = protocol_error("unexpected frame type from a worker");
    return out;
  }
  auto message_id = uuid_field(p, "message_id");
  bool release = operation == "release";
  bool keys_ok = release ? only_keys(p, {"message_id", "reservation_token", "reason"})
                         : only_keys(p, {"message_id", "reservation_token"});
  if (!keys_ok || !message_id || !non_empty_string(p, "reservation_token") ||
      (release && !non_empty_string(p, "reason"))) {
    out.error = protocol_error("malformed cleanup operation frame");
    return out;
  }
  f.cleanup = CleanupOperation{frame->id, *message_id, operation};
  out.value = std::move(f);
  return out;
}

std::vector<std::string> accepted_capabilities() {
  return {std::string(kHeartbeatCapability), std::string(kSnapshotCapability)};
}

std::vector<std::string> rejected_capabilities(const Hello& hello) {
  auto accepted = accepted_capabilities();
  std::vector<std::string> out;
  for (const auto& c : hello.requested_capabilities) {
    if (!contains(accepted, c)) out.push_back(c);
  }
  return out;
}

std::string ready_frame(const std::string& frame_id, const std::string& sent_at, const Hello& hello,
                        const std::vector<ResolvedQueue>& queues, json::object work_pool) {
  json::array resolved;
  for (const auto& q : queues) resolved.emplace_back(json::object{{"id", q.id}, {"name", q.name}});
  json::object payload{
      {"consumer_id", hello.consumer_id},
      {"worker_id", nullptr},
      {"selected_channel_version", kVersion},
      {"effective_heartbeat_interval_seconds", hello.heartbeat_interval_seconds},
      {"accepted_capabilities", to_array(accepted_capabilities())},
      {"rejected_capabilities", to_array(rejected_capabilities(hello))},
      {"effective_max_cleanup_concurrency", 0},
      {"resolved_work_queues", std::move(resolved)},
      {"initial_snapshot",
       json::object{{"snapshot_sequence", 1}, {"reason", "initial"}, {"work_pool", std::move(work_pool)}}},
  };
  return encode("worker.ready.v1", frame_id, sent_at, std::move(payload));
}

std::string snapshot_frame(const std::string& frame_id, const std::string& sent_at, int64_t sequence,
                           const std::string& reason, json::object work_pool) {
  return encode("work_pool.snapshot.v1", frame_id, sent_at,
                json::object{{"snapshot_sequence", sequence}, {"reason", reason}, {"work_pool", std::move(work_pool)}});
}

std::string cleanup_not_accepted_frame(const std::string& frame_id, const std::string& sent_at,
                                       const CleanupOperation& operation) {
  return encode("cleanup.operation_result.v1", frame_id, sent_at,
                json::object{{"request_frame_id", operation.request_frame_id},
                              {"message_id", operation.message_id},
                              {"operation", operation.operation},
                              {"status", "unauthorized"},
                              {"lease_expires_at", nullptr},
                              {"reason", "cleanup_delivery_not_accepted"},
                              {"detail", nullptr}});
}

}  // namespace praetor::api::worker_channel

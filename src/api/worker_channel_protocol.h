// The frames of Prefect's worker channel, version work_pool_worker_channel.v1 (prefect/client/
// schemas/worker_channel.py): reading what a worker sends and writing what the server sends.
// Pure: no I/O, no clock (the caller passes the frame id and time).
//
// A frame is {"type", "id" (a UUID), "sent_at", "payload"}, no other keys. The worker sends
// worker.hello.v1 first, then worker.heartbeat.v1 every heartbeat interval and, when cleanup
// delivery was accepted, cleanup.ack/release/renew.v1; the server answers the hello with
// worker.ready.v1 (carrying the first work-pool snapshot) and sends work_pool.snapshot.v1
// when the pool changes, and cleanup.operation_result.v1 for each cleanup operation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>


namespace praetor::api::worker_channel {

inline constexpr std::string_view kVersion = "work_pool_worker_channel.v1";
inline constexpr std::string_view kHeartbeatCapability = "worker_heartbeat.v1";
inline constexpr std::string_view kSnapshotCapability = "work_pool_snapshot.v1";
inline constexpr std::string_view kCleanupCapability = "cleanup_delivery.v1";

// WorkerChannelCloseReason with its close code (WORKER_CHANNEL_CLOSE_POLICIES); the close
// frame's reason is the name, which the worker maps back to terminal or retryable.
enum class CloseReason {
  kAuthenticationFailed,       // 1008
  kAuthorizationFailed,        // 1008: the pool or a queue does not exist (or was deleted)
  kUnsupportedVersion,         // 1008
  kProtocolError,              // 1002
  kHeartbeatPersistenceFailed, // 1011, retryable
  kTransientServerError,       // 1011, retryable
};
uint16_t close_code(CloseReason reason);
const char* close_reason_name(CloseReason reason);

struct ChannelError {
  CloseReason reason;
  std::string detail;  // for the log; never the frame's contents
};

// A frame read: the value, or why the channel closes.
template <class T>
struct Read {
  std::optional<T> value;
  ChannelError error{CloseReason::kProtocolError, ""};
};

struct Hello {
  std::string consumer_id;
  std::string worker_name;
  std::string worker_type;
  int64_t heartbeat_interval_seconds = 0;
  std::vector<std::string> supported_channel_versions;
  std::vector<std::string> requested_capabilities;  // deduplicated, in order
  std::vector<std::string> work_queue_names;        // deduplicated, in order
  bool create_pool_if_not_found = false;
  boost::json::object default_base_job_template;
};

// The setup frame: a protocol error unless it is a valid worker.hello.v1 requesting both
// required capabilities; unsupported_version when no version is shared.
Read<Hello> read_hello(std::string_view text);

// A frame after setup.
struct Heartbeat {
  std::string consumer_id;
  std::string worker_name;
  int64_t heartbeat_interval_seconds = 0;
};
struct CleanupOperation {
  std::string request_frame_id;
  std::string message_id;
  std::string operation;  // "ack" | "release" | "renew"
};
struct ClientFrame {
  std::optional<Heartbeat> heartbeat;
  std::optional<CleanupOperation> cleanup;
};
// A protocol error for anything but a valid heartbeat or cleanup operation frame.
Read<ClientFrame> read_client_frame(std::string_view text);

// The capabilities a Praetor server grants: both required ones. cleanup_delivery.v1 is
// not served (rejected by name in the ready frame).
std::vector<std::string> accepted_capabilities();
// The requested capabilities not accepted, in request order.
std::vector<std::string> rejected_capabilities(const Hello& hello);

struct ResolvedQueue {
  std::string id;
  std::string name;
};

// `work_pool`: the pool's REST response JSON (WorkPoolResponse).
std::string ready_frame(const std::string& frame_id, const std::string& sent_at, const Hello& hello,
                        const std::vector<ResolvedQueue>& queues, boost::json::object work_pool);
std::string snapshot_frame(const std::string& frame_id, const std::string& sent_at, int64_t sequence,
                           const std::string& reason, boost::json::object work_pool);
// The answer to a cleanup operation on a connection without cleanup delivery, as Prefect's
// ("unauthorized", reason "cleanup_delivery_not_accepted").
std::string cleanup_not_accepted_frame(const std::string& frame_id, const std::string& sent_at,
                                       const CleanupOperation& operation);

}  // namespace praetor::api::worker_channel

#include "api/worker_channel_protocol.h"

#include <gtest/gtest.h>

namespace praetor::api::worker_channel {
namespace {

namespace json = boost::json;

constexpr const char* kConsumer = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
constexpr const char* kFrameId = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";

json::object hello_payload() {
  return json::object{{"consumer_id", kConsumer},
                      {"worker_name", "w1"},
                      {"worker_type", "process"},
                      {"heartbeat_interval_seconds", 30},
                      {"supported_channel_versions", json::array{"work_pool_worker_channel.v1"}},
                      {"requested_capabilities",
                       json::array{"worker_heartbeat.v1", "work_pool_snapshot.v1", "cleanup_delivery.v1"}},
                      {"work_queue_names", json::array{}},
                      {"handled_cleanup_kinds", json::array{"cancelling_timeout_teardown.v1"}},
                      {"max_cleanup_concurrency", 1},
                      {"create_pool_if_not_found", true},
                      {"default_base_job_template", json::object{}},
                      {"worker_metadata", nullptr}};
}

std::string frame(const char* type, json::object payload) {
  return json::serialize(json::object{
      {"type", type}, {"id", kFrameId}, {"sent_at", "2026-12-04T05:00:00Z"}, {"payload", std::move(payload)}});
}

// Verifies that the hello the 3.9.1 worker sends is read, and cleanup_delivery.v1 rejected
// by name.
TEST(WorkerChannelProtocol, ReadsTheWorkersHello) {
  auto hello = read_hello(frame("worker.hello.v1", hello_payload()));
  ASSERT_TRUE(hello.value) << hello.error.detail;
  EXPECT_EQ(hello.value->worker_name, "w1");
  EXPECT_EQ(hello.value->heartbeat_interval_seconds, 30);
  EXPECT_TRUE(hello.value->create_pool_if_not_found);
  EXPECT_EQ(rejected_capabilities(*hello.value), std::vector<std::string>{"cleanup_delivery.v1"});
}

// Verifies the close reasons of a bad setup frame, as WorkerHelloPayload's validators and
// select_worker_channel_version decide them.
TEST(WorkerChannelProtocol, RefusesBadHellos) {
  EXPECT_EQ(read_hello("not json").error.reason, CloseReason::kProtocolError);
  auto p = hello_payload();
  p["requested_capabilities"] = json::array{"worker_heartbeat.v1"};
  EXPECT_EQ(read_hello(frame("worker.hello.v1", p)).error.reason, CloseReason::kProtocolError);
  p = hello_payload();
  p["unexpected"] = 1;
  EXPECT_EQ(read_hello(frame("worker.hello.v1", p)).error.reason, CloseReason::kProtocolError);
  p = hello_payload();
  p["heartbeat_interval_seconds"] = 0;
  EXPECT_EQ(read_hello(frame("worker.hello.v1", p)).error.reason, CloseReason::kProtocolError);
  p = hello_payload();
  p["requested_capabilities"] = json::array{"worker_heartbeat.v1", "work_pool_snapshot.v1"};
  EXPECT_EQ(read_hello(frame("worker.hello.v1", p)).error.reason, CloseReason::kProtocolError);  // cleanup fields
  p = hello_payload();
  p["supported_channel_versions"] = json::array{"work_pool_worker_channel.v2"};
  EXPECT_EQ(read_hello(frame("worker.hello.v1", p)).error.reason, CloseReason::kUnsupportedVersion);
  EXPECT_EQ(read_hello(frame("worker.heartbeat.v1", hello_payload())).error.reason, CloseReason::kProtocolError);
  EXPECT_EQ(close_code(CloseReason::kProtocolError), 1002);
  EXPECT_EQ(close_code(CloseReason::kAuthorizationFailed), 1008);
  EXPECT_EQ(close_code(CloseReason::kHeartbeatPersistenceFailed), 1011);
}

// Verifies heartbeats and cleanup operations after setup, and that any other frame is a
// protocol error.
TEST(WorkerChannelProtocol, ReadsFramesAfterSetup) {
  auto hb = read_client_frame(frame(
      "worker.heartbeat.v1",
      json::object{{"consumer_id", kConsumer}, {"worker_name", "w1"}, {"heartbeat_interval_seconds", 30}}));
  ASSERT_TRUE(hb.value && hb.value->heartbeat);
  EXPECT_EQ(hb.value->heartbeat->worker_name, "w1");
  auto ack =
      read_client_frame(frame("cleanup.ack.v1", json::object{{"message_id", kConsumer}, {"reservation_token", "t"}}));
  ASSERT_TRUE(ack.value && ack.value->cleanup);
  EXPECT_EQ(ack.value->cleanup->operation, "ack");
  EXPECT_EQ(ack.value->cleanup->request_frame_id, kFrameId);
  auto result = json::parse(cleanup_not_accepted_frame(kFrameId, "2026-12-04T05:00:00Z", *ack.value->cleanup));
  EXPECT_EQ(result.at("payload").at("status"), "unauthorized");
  EXPECT_FALSE(read_client_frame(frame("cleanup.release.v1",
                                       json::object{{"message_id", kConsumer}, {"reservation_token", "t"}}))
                   .value);  // a release needs its reason
  EXPECT_FALSE(read_client_frame(frame("worker.hello.v1", hello_payload())).value);
}

// Verifies the ready frame's capability decision and initial snapshot.
TEST(WorkerChannelProtocol, WritesTheReadyFrame) {
  auto hello = read_hello(frame("worker.hello.v1", hello_payload()));
  ASSERT_TRUE(hello.value);
  auto ready = json::parse(ready_frame(kFrameId, "2026-12-04T05:00:00Z", *hello.value, {{kConsumer, "default"}},
                                       json::object{{"name", "pool"}}));
  const auto& p = ready.at("payload");
  EXPECT_EQ(ready.at("type"), "worker.ready.v1");
  EXPECT_EQ(p.at("consumer_id"), kConsumer);
  EXPECT_EQ(p.at("accepted_capabilities"), (json::array{"worker_heartbeat.v1", "work_pool_snapshot.v1"}));
  EXPECT_EQ(p.at("rejected_capabilities"), (json::array{"cleanup_delivery.v1"}));
  EXPECT_EQ(p.at("effective_max_cleanup_concurrency"), 0);
  EXPECT_EQ(p.at("initial_snapshot").at("snapshot_sequence"), 1);
  EXPECT_EQ(p.at("initial_snapshot").at("reason"), "initial");
}

}  // namespace
}  // namespace praetor::api::worker_channel

#include "events/event.h"

#include <gtest/gtest.h>

namespace praetor::events {
namespace {

namespace json = boost::json;

const char* kTaskRunEvent = R"({
  "occurred": "2026-08-21T16:27:33.123456Z",
  "event": "prefect.task-run.Running",
  "resource": {"prefect.resource.id": "prefect.task-run.0b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081",
               "prefect.state-type": "RUNNING"},
  "related": [{"prefect.resource.id": "prefect.flow-run.1b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081",
               "prefect.resource.role": "flow-run"}],
  "payload": {"intended": {"from": "PENDING", "to": "RUNNING"}},
  "id": "019a0000-0000-7000-8000-000000000001",
  "follows": null,
  "some_future_field": 1
})";

// Verifies a client event parses, keeps its ids and finds the related flow run.
TEST(Event, ParsesClientEvent) {
  auto now = *core::parse_timestamp("2026-08-21T16:27:34Z");
  auto e = parse_event(json::parse(kTaskRunEvent), now);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->resource_id(), "prefect.task-run.0b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081");
  EXPECT_EQ(e->related_id("flow-run"), "prefect.flow-run.1b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081");
  EXPECT_FALSE(e->related_id("flow"));
  auto out = to_json(*e);
  EXPECT_EQ(out["received"], "2026-08-21T16:27:34Z");
  EXPECT_EQ(out["occurred"], "2026-08-21T16:27:33.123456Z");
}

// Verifies malformed events are refused with 422-shaped details, not accepted half-way.
TEST(Event, RejectsMalformed) {
  auto now = core::SystemClock().now();
  for (const char* bad : {R"({"event":"x"})",
                          R"({"id":"019a0000-0000-7000-8000-000000000001","occurred":"2026-01-01T00:00:00Z","event":"x","resource":{}})",
                          R"({"id":"nope","occurred":"2026-01-01T00:00:00Z","event":"x","resource":{"prefect.resource.id":"a"}})",
                          R"({"id":"019a0000-0000-7000-8000-000000000001","occurred":"2026-01-01T00:00:00Z","event":"x","resource":{"prefect.resource.id":"a"},"related":[{"prefect.resource.id":"b"}]})",
                          R"([1,2])"}) {
    auto e = parse_event(json::parse(bad), now);
    EXPECT_FALSE(e) << bad;
    if (!e) {
      EXPECT_EQ(e.error().kind, core::ErrorKind::kInvalid);
    }
  }
}

}  // namespace
}  // namespace praetor::events

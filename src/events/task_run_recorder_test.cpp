#include "events/task_run_recorder.h"

#include <gtest/gtest.h>

#include "store/test_database.h"

namespace praetor::events {
namespace {

namespace json = boost::json;

// Pending, Running and Completed of one task run, captured from the prefect 3.9.1 client
// (a flow calling `add.submit(1, 2)`) through Prefect's /events/filter.
constexpr const char* kCapturedEvents = R"json([
 {
  "occurred": "2026-11-28T14:48:56.967338Z",
  "event": "prefect.task-run.Pending",
  "resource": {
   "prefect.resource.id": "prefect.task-run.01a222a1-7786-7a9a-9873-b619662e4018",
   "prefect.resource.name": "add-f0b",
   "prefect.run-count": "0",
   "prefect.state-message": "",
   "prefect.state-name": "Pending",
   "prefect.state-timestamp": "2026-11-28T14:48:56.967338+00:00",
   "prefect.state-type": "PENDING",
   "prefect.orchestration": "client"
  },
  "related": [
   {
    "prefect.resource.id": "prefect.flow-run.b6008a5f-b050-4cd8-adda-80c442375040",
    "prefect.resource.role": "flow-run",
    "prefect.resource.name": "brave-gopher"
   },
   {
    "prefect.resource.id": "prefect.flow.5d047ef0-53ad-4af1-921f-4f8ca8a19558",
    "prefect.resource.role": "flow",
    "prefect.resource.name": "f"
   }
  ],
  "payload": {
   "intended": {
    "from": null,
    "to": "PENDING"
   },
   "initial_state": null,
   "validated_state": {
    "type": "PENDING",
    "name": "Pending",
    "message": "",
    "state_details": {},
    "data": null
   },
   "task_run": {
    "name": "add-f0b",
    "task_key": "add-cb23ed22",
    "dynamic_key": "f0bda158-7a3b-49c9-98a6-19fdbb8e4452",
    "empirical_policy": {
     "max_retries": 0,
     "retry_delay_seconds": 0.0,
     "retries": 0,
     "retry_delay": 0
    },
    "tags": [],
    "labels": {},
    "task_inputs": {
     "x": [],
     "y": []
    },
    "run_count": 0,
    "flow_run_run_count": 0,
    "expected_start_time": "2026-11-28T14:48:56.967338Z",
    "total_run_time": 0.0
   }
  },
  "id": "01a222a1-7787-7c49-a4ca-0b1d43c7f059",
  "follows": null
 },
 {
  "occurred": "2026-11-28T14:48:56.977729Z",
  "event": "prefect.task-run.Running",
  "resource": {
   "prefect.resource.id": "prefect.task-run.01a222a1-7786-7a9a-9873-b619662e4018",
   "prefect.resource.name": "add-f0b",
   "prefect.run-count": "1",
   "prefect.state-message": "",
   "prefect.state-name": "Running",
   "prefect.state-timestamp": "2026-11-28T14:48:56.977729+00:00",
   "prefect.state-type": "RUNNING",
   "prefect.orchestration": "client"
  },
  "related": [
   {
    "prefect.resource.id": "prefect.flow-run.b6008a5f-b050-4cd8-adda-80c442375040",
    "prefect.resource.role": "flow-run",
    "prefect.resource.name": "brave-gopher"
   },
   {
    "prefect.resource.id": "prefect.flow.5d047ef0-53ad-4af1-921f-4f8ca8a19558",
    "prefect.resource.role": "flow",
    "prefect.resource.name": "f"
   }
  ],
  "payload": {
   "intended": {
    "from": "PENDING",
    "to": "RUNNING"
   },
   "initial_state": {
    "type": "PENDING",
    "name": "Pending",
    "message": "",
    "state_details": {}
   },
   "validated_state": {
    "type": "RUNNING",
    "name": "Running",
    "message": "",
    "state_details": {},
    "data": null
   },
   "task_run": {
    "name": "add-f0b",
    "task_key": "add-cb23ed22",
    "dynamic_key": "f0bda158-7a3b-49c9-98a6-19fdbb8e4452",
    "empirical_policy": {
     "max_retries": 0,
     "retry_delay_seconds": 0.0,
     "retries": 0,
     "retry_delay": 0
    },
    "tags": [],
    "labels": {},
    "task_inputs": {
     "x": [],
     "y": []
    },
    "run_count": 1,
    "flow_run_run_count": 1,
    "expected_start_time": "2026-11-28T14:48:56.967338Z",
    "start_time": "2026-11-28T14:48:56.977729Z",
    "total_run_time": 0.0
   }
  },
  "id": "01a222a1-7791-71ee-897f-9b9899b80832",
  "follows": "01a222a1-7787-7c49-a4ca-0b1d43c7f059"
 },
 {
  "occurred": "2026-11-28T14:48:56.980615Z",
  "event": "prefect.task-run.Completed",
  "resource": {
   "prefect.resource.id": "prefect.task-run.01a222a1-7786-7a9a-9873-b619662e4018",
   "prefect.resource.name": "add-f0b",
   "prefect.run-count": "1",
   "prefect.state-message": "",
   "prefect.state-name": "Completed",
   "prefect.state-timestamp": "2026-11-28T14:48:56.980615+00:00",
   "prefect.state-type": "COMPLETED",
   "prefect.orchestration": "client"
  },
  "related": [
   {
    "prefect.resource.id": "prefect.flow-run.b6008a5f-b050-4cd8-adda-80c442375040",
    "prefect.resource.role": "flow-run",
    "prefect.resource.name": "brave-gopher"
   },
   {
    "prefect.resource.id": "prefect.flow.5d047ef0-53ad-4af1-921f-4f8ca8a19558",
    "prefect.resource.role": "flow",
    "prefect.resource.name": "f"
   }
  ],
  "payload": {
   "intended": {
    "from": "RUNNING",
    "to": "COMPLETED"
   },
   "initial_state": {
    "type": "RUNNING",
    "name": "Running",
    "message": "",
    "state_details": {}
   },
   "validated_state": {
    "type": "COMPLETED",
    "name": "Completed",
    "message": "",
    "state_details": {
     "untrackable_result": true
    },
    "data": null
   },
   "task_run": {
    "name": "add-f0b",
    "task_key": "add-cb23ed22",
    "dynamic_key": "f0bda158-7a3b-49c9-98a6-19fdbb8e4452",
    "empirical_policy": {
     "max_retries": 0,
     "retry_delay_seconds": 0.0,
     "retries": 0,
     "retry_delay": 0
    },
    "tags": [],
    "labels": {},
    "task_inputs": {
     "x": [],
     "y": []
    },
    "run_count": 1,
    "flow_run_run_count": 1,
    "expected_start_time": "2026-11-28T14:48:56.967338Z",
    "start_time": "2026-11-28T14:48:56.977729Z",
    "end_time": "2026-11-28T14:48:56.980615Z",
    "total_run_time": 0.002886
   }
  },
  "id": "01a222a1-7794-7be2-864b-617b4a4cdfcd",
  "follows": "01a222a1-7791-71ee-897f-9b9899b80832"
 }
])json";

const char* kTaskRunId = "01a222a1-7786-7a9a-9873-b619662e4018";

std::vector<Event> captured() {
  core::Timestamp now = *core::parse_timestamp("2026-11-28T14:48:57Z");
  std::vector<Event> out;
  const json::value parsed = json::parse(kCapturedEvents);
  for (const auto& v : parsed.as_array()) {
    auto e = parse_event(v, now);
    if (!e) throw std::runtime_error(e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

struct Fixture {
  store::testing::TempDatabase t;
  core::ManualClock clock{*core::parse_timestamp("2026-11-28T14:49:00Z")};
  TaskRunRecorder recorder{t.db(), clock};

  core::TaskRun run() {
    auto r = t.db().read<std::optional<core::TaskRun>>(
        [](store::Connection& c) -> core::Result<std::optional<core::TaskRun>> {
          return store::task_runs::read(c, kTaskRunId);
        });
    if (!r || !*r) throw std::runtime_error("task run not recorded");
    return **r;
  }
  std::vector<core::State> states() {
    auto r = t.db().read<std::vector<core::State>>(
        [](store::Connection& c) -> core::Result<std::vector<core::State>> {
          return store::task_runs::list_states(c, kTaskRunId);
        });
    return *r;
  }
};

void expect_completed(Fixture& f) {
  core::TaskRun run = f.run();
  ASSERT_TRUE(run.state);
  EXPECT_EQ(run.state->type, core::StateType::kCompleted);
  EXPECT_EQ(run.state->id, "01a222a1-7794-7be2-864b-617b4a4cdfcd");
  EXPECT_EQ(run.name, "add-f0b");
  EXPECT_EQ(run.flow_run_id, "b6008a5f-b050-4cd8-adda-80c442375040");
  EXPECT_EQ(run.task_key, "add-cb23ed22");
  EXPECT_EQ(run.run_count, 1);
  EXPECT_EQ(run.flow_run_run_count, 1);
  EXPECT_EQ(run.total_run_time, std::chrono::microseconds(2886));
  EXPECT_EQ(run.start_time, core::parse_timestamp("2026-11-28T14:48:56.977729Z"));
  EXPECT_EQ(run.end_time, core::parse_timestamp("2026-11-28T14:48:56.980615Z"));
  EXPECT_EQ(run.state->state_details.at("untrackable_result"), json::value(true));
  EXPECT_EQ(run.state->state_details.at("task_run_id"), json::value(kTaskRunId));
  auto states = f.states();
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states[0].name, "Pending");
  EXPECT_EQ(states[1].name, "Running");
  EXPECT_EQ(states[2].name, "Completed");
}

// Verifies real client events, delivered in order in one batch, record the run and its history.
TEST(TaskRunRecorder, RecordsCapturedEventsInOrder) {
  Fixture f;
  f.recorder.on_events(captured());
  expect_completed(f);
}

// Verifies out-of-order and duplicate delivery (one event per batch, and all in one batch)
// end in the same row and history: an older event never moves the row back.
TEST(TaskRunRecorder, OutOfOrderAndDuplicateDeliveryIsHarmless) {
  auto e = captured();
  Fixture one_by_one;
  for (int i : {2, 0, 2, 1, 0, 1}) one_by_one.recorder.on_events({e[i]});
  expect_completed(one_by_one);
  Fixture one_batch;
  one_batch.recorder.on_events({e[1], e[2], e[0], e[2], e[1]});
  expect_completed(one_batch);
}

// Verifies only client-orchestrated task-run events are consumed.
TEST(TaskRunRecorder, IgnoresOtherEvents) {
  auto e = captured();
  Event server_side = e[0];
  server_side.resource.erase("prefect.orchestration");
  Event flow_event = e[0];
  flow_event.event = "prefect.flow-run.Pending";
  Event no_payload = e[0];
  no_payload.payload.erase("task_run");
  EXPECT_FALSE(is_client_task_run_event(server_side));
  EXPECT_FALSE(is_client_task_run_event(flow_event));
  EXPECT_TRUE(is_client_task_run_event(no_payload));
  EXPECT_FALSE(recorded_task_run_from_event(no_payload));
  Fixture f;
  f.recorder.on_events({server_side, flow_event, no_payload});
  EXPECT_TRUE(f.states().empty());
}

}  // namespace
}  // namespace praetor::events

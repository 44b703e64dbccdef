// The graph of a flow run's task runs and subflow runs, as Prefect's flow-run graph v2 query
// builds it (server/database/query_components.py flow_run_graph_v2): one node per task run of
// the flow run (a subflow's parent task run stands for the subflow run, labelled
// "<flow> / <run>"), edges from `task_inputs`, artifacts and the run's states. Each piece is
// one indexed query (task_run.flow_run_id, flow_run.parent_task_run_id, artifact.flow_run_id,
// flow_run_state(flow_run_id, timestamp)); the edges are joined in memory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::flow_run_graph {

struct Node {
  bool is_flow_run = false;  // kind "flow-run" (a subflow run) or "task-run"
  std::string id;            // the subflow run's id, or the task run's
  std::string label;
  std::optional<std::string> state_type;
  core::Timestamp start_time;
  std::optional<core::Timestamp> end_time;
  // Node ids, each repeated as often as Prefect's join repeats it (once per input argument
  // row of the other node, which the UI tolerates); `encapsulating` is deduplicated.
  std::vector<std::string> parents;
  std::vector<std::string> children;
  std::vector<std::string> encapsulating;
};

struct Artifact {
  std::string id;
  core::Timestamp created;
  std::optional<std::string> key;
  std::optional<std::string> type;
  bool is_latest = false;
  boost::json::value data;  // progress artifacts only, else null
  std::optional<std::string> task_run_id;
};

struct RunTimes {
  std::optional<core::Timestamp> start_time;  // the start, else the expected start
  std::optional<core::Timestamp> end_time;
};

// Nullopt when there is no such flow run.
std::optional<RunTimes> read_run_times(Connection& c, const std::string& flow_run_id);

// The nodes that have a start (or expected start) time and did not end before `since`,
// ordered by start then end time (a node still running first among equals).
std::vector<Node> list_nodes(Connection& c, const std::string& flow_run_id, core::Timestamp since);

// The flow run's artifacts but results, oldest first, at most `limit`.
std::vector<Artifact> list_artifacts(Connection& c, const std::string& flow_run_id, int64_t limit);

}  // namespace praetor::store::flow_run_graph

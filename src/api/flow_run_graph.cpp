// GET /api/flow_runs/{id}/graph and /graph-v2 (Prefect's api/flow_runs.py, "Flow Run Graph").
// v1: every task run of the flow run with its upstream task runs, newest id first. v2: the
// nodes (task runs and subflow runs) with their edges, the artifacts and the run's states
// (store/flow_run_graph.h); a graph larger than the node limit is a 400, as Prefect refuses it.
#include <limits>

#include "api/routes.h"
#include "core/json_util.h"
#include "core/task_run.h"
#include "store/flow_run_graph.h"
#include "store/flow_run_repository.h"
#include "store/task_run_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
namespace graph = store::flow_run_graph;

namespace {

// Prefect's DependencyResult. `upstream_dependencies` are the distinct task-run inputs:
// Prefect types the list as task-run results and answers 500 when a task run has another
// kind of input (a subflow result, a parameter); Praetor leaves those out instead.
json::object dependency_result(const core::TaskRun& run, core::Timestamp now) {
  json::array upstream;
  for (const auto& [_, arguments] : run.task_inputs) {
    const json::array* list = arguments.if_array();
    if (!list) continue;
    for (const auto& argument : *list) {
      const json::object* a = argument.if_object();
      const json::value* type = a ? a->if_contains("input_type") : nullptr;
      const json::value* id = a ? a->if_contains("id") : nullptr;
      if (!type || *type != "task_run" || !id || !id->is_string()) continue;
      json::value entry = json::object{{"input_type", "task_run"}, {"id", *id}};
      if (std::find(upstream.begin(), upstream.end(), entry) == upstream.end()) upstream.push_back(std::move(entry));
    }
  }
  json::object full = core::to_json(run, now);
  bool untrackable = false;
  if (run.state) {
    const json::value* details = full["state"].get_object().if_contains("state_details");
    const json::value* flag = details && details->is_object() ? details->get_object().if_contains("untrackable_result") : nullptr;
    untrackable = flag && flag->is_bool() && flag->get_bool();
  }
  return json::object{{"id", run.id},
                      {"name", run.name},
                      {"upstream_dependencies", std::move(upstream)},
                      {"state", full["state"]},
                      {"expected_start_time", full["expected_start_time"]},
                      {"start_time", full["start_time"]},
                      {"end_time", full["end_time"]},
                      {"total_run_time", full["total_run_time"]},
                      {"estimated_run_time", full["estimated_run_time"]},
                      {"untrackable_result", untrackable}};
}

core::Result<Response> read_graph_v1(ApiContext& ctx, const std::string& id) {
  auto runs = ctx.db.read<std::optional<std::vector<core::TaskRun>>>(
      [&](Connection& c) -> core::Result<std::optional<std::vector<core::TaskRun>>> {
        if (!graph::read_run_times(c, id)) return std::optional<std::vector<core::TaskRun>>();
        store::SqlCondition where{"task_run.flow_run_id = ?", {id}};
        return std::optional(store::task_runs::list(c, where, "ORDER BY task_run.id DESC",
                                                    std::numeric_limits<int64_t>::max(), 0));
      });
  if (!runs) return runs.error();
  if (!*runs) return core::Error::object_not_found("Flow run with id " + id + " not found");
  auto now = ctx.clock.now();
  json::array out;
  for (const auto& run : **runs) out.push_back(dependency_result(run, now));
  return json_response(200, out);
}

json::array edges(const std::vector<std::string>& ids) {
  json::array out;
  for (const auto& id : ids) out.push_back(json::object{{"id", id}});
  return out;
}

json::object artifact_json(const graph::Artifact& a) {
  return json::object{{"id", a.id},
                      {"created", core::format_timestamp(a.created)},
                      {"key", a.key ? json::value(*a.key) : json::value(nullptr)},
                      {"type", a.type ? json::value(*a.type) : json::value(nullptr)},
                      {"is_latest", a.is_latest},
                      {"data", a.data}};
}

// `since`: Prefect's datetime query parameter; absent means the earliest time.
core::Result<core::Timestamp> read_since(const Request& req) {
  auto text = req.query_param("since");
  if (!text) return core::Timestamp::min();
  if (auto t = core::parse_timestamp(*text)) return *t;
  bool short_input = text->size() < 10;
  json::array errors{json::object{
      {"type", "datetime_from_date_parsing"},
      {"loc", json::array{"query", "since"}},
      {"msg", short_input ? "Input should be a valid datetime or date, input is too short"
                          : "Input should be a valid datetime or date, invalid datetime"},
      {"input", *text},
      {"ctx", json::object{{"error", short_input ? "input is too short" : "invalid datetime"}}}}};
  return core::invalid_request(std::move(errors));
}

struct GraphData {
  graph::RunTimes times;
  std::vector<graph::Node> nodes;
  std::vector<graph::Artifact> artifacts;
  std::vector<core::State> states;
};

core::Result<Response> read_graph_v2(ApiContext& ctx, const Request& req, const std::string& id) {
  auto since = read_since(req);
  if (!since) return since.error();
  const int64_t max_nodes = ctx.settings.flow_run_graph_max_nodes;
  auto data = ctx.db.read<std::optional<GraphData>>([&](Connection& c) -> core::Result<std::optional<GraphData>> {
    auto times = graph::read_run_times(c, id);
    if (!times) return std::optional<GraphData>();
    GraphData d{*times, graph::list_nodes(c, id, *since), {}, {}};
    if (static_cast<int64_t>(d.nodes.size()) > max_nodes) return std::optional(std::move(d));
    d.artifacts = graph::list_artifacts(c, id, ctx.settings.flow_run_graph_max_artifacts);
    d.states = store::flow_runs::list_states(c, id);
    return std::optional(std::move(d));
  });
  if (!data) return data.error();
  if (!*data) return core::Error::object_not_found("Flow run " + id + " not found");
  auto& d = **data;
  if (static_cast<int64_t>(d.nodes.size()) > max_nodes) {
    return core::Error::bad_request("The graph of flow run " + id + " has more than " + std::to_string(max_nodes) +
                                    " nodes.");
  }
  // Artifacts drawn on a task-run node; the rest (no task run) belong to the flow run itself.
  std::map<std::string, json::array, std::less<>> node_artifacts;
  json::array run_artifacts;
  for (const auto& a : d.artifacts) {
    if (a.task_run_id) {
      node_artifacts[*a.task_run_id].push_back(artifact_json(a));
    } else {
      run_artifacts.push_back(artifact_json(a));
    }
  }
  json::array roots, nodes;
  for (const auto& n : d.nodes) {
    if (n.parents.empty()) roots.push_back(json::value(n.id));
    auto drawn = node_artifacts.find(n.id);
    json::object node{{"kind", n.is_flow_run ? "flow-run" : "task-run"},
                      {"id", n.id},
                      {"label", n.label},
                      {"state_type", n.state_type ? json::value(*n.state_type) : json::value(nullptr)},
                      {"start_time", core::format_timestamp(n.start_time)},
                      {"end_time", core::timestamp_or_null(n.end_time)},
                      {"parents", edges(n.parents)},
                      {"children", edges(n.children)},
                      {"encapsulating", edges(n.encapsulating)},
                      {"artifacts", drawn == node_artifacts.end() ? json::array() : drawn->second}};
    nodes.push_back(json::array{json::value(n.id), std::move(node)});
  }
  json::array states;
  for (const auto& s : d.states) {
    states.push_back(json::object{{"id", s.id},
                                  {"timestamp", core::format_timestamp(s.timestamp)},
                                  {"type", core::to_string(s.type)},
                                  {"name", s.name}});
  }
  return json_response(200, json::object{{"start_time", core::timestamp_or_null(d.times.start_time)},
                                         {"end_time", core::timestamp_or_null(d.times.end_time)},
                                         {"root_node_ids", std::move(roots)},
                                         {"nodes", std::move(nodes)},
                                         {"artifacts", std::move(run_artifacts)},
                                         {"states", std::move(states)}});
}

}  // namespace

void register_flow_run_graph_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/flow_runs/{id:uuid}/graph",
             [&ctx](const Request&, const PathParams& p) { return read_graph_v1(ctx, p.at("id")); });
  router.add("GET", "/api/flow_runs/{id:uuid}/graph-v2",
             [&ctx](const Request& req, const PathParams& p) { return read_graph_v2(ctx, req, p.at("id")); });
}

}  // namespace praetor::api

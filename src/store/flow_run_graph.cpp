#include "store/flow_run_graph.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace praetor::store::flow_run_graph {

namespace json = boost::json;

namespace {

// One `task_inputs` argument that names a run ({"input_type": "task_run" | "flow_run", "id": …}).
struct Reference {
  std::string parent_id;
  bool encapsulating = false;  // under "__parents__": the task run this one ran inside
};

// The references of a task run's inputs and the number of rows Prefect's query expands its
// inputs into (one per argument, one per argument-less input, one for no inputs at all),
// which is how often each of its edges repeats in Prefect's answer.
struct Inputs {
  std::vector<Reference> references;
  int rows = 1;
};

Inputs read_inputs(const std::string& text) {
  Inputs out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const json::object* inputs = ec ? nullptr : v.if_object();
  if (!inputs || inputs->empty()) return out;
  out.rows = 0;
  for (const auto& [key, arguments] : *inputs) {
    const json::array* list = arguments.if_array();
    out.rows += list && !list->empty() ? static_cast<int>(list->size()) : 1;
    if (!list) continue;
    for (const auto& argument : *list) {
      const json::object* a = argument.if_object();
      const json::value* id = a ? a->if_contains("id") : nullptr;
      if (id && id->is_string()) out.references.push_back({std::string(id->get_string()), key == "__parents__"});
    }
  }
  return out;
}

std::optional<core::Timestamp> optional_time(Statement& st, int col) {
  if (auto v = st.column_optional_int(col)) return core::from_micros(*v);
  return std::nullopt;
}

template <class... T>
std::optional<int64_t> first_set(const std::optional<T>&... values) {
  std::optional<int64_t> out;
  ((out = out ? out : values), ...);
  return out;
}

}  // namespace

std::optional<RunTimes> read_run_times(Connection& c, const std::string& flow_run_id) {
  auto& st = c.prepare("SELECT COALESCE(start_time, expected_start_time), end_time FROM flow_run WHERE id = ?1");
  st.bind(1, flow_run_id);
  std::optional<RunTimes> out;
  if (st.step()) out = RunTimes{optional_time(st, 0), optional_time(st, 1)};
  st.reset();
  return out;
}

std::vector<Node> list_nodes(Connection& c, const std::string& flow_run_id, core::Timestamp since) {
  auto& st = c.prepare(
      "SELECT t.id, t.name, t.state_type, t.start_time, t.expected_start_time, t.end_time, t.task_inputs, "
      "f.id, fl.name, f.name, f.state_type, f.start_time, f.expected_start_time, f.end_time "
      "FROM task_run t LEFT JOIN flow_run f ON f.parent_task_run_id = t.id LEFT JOIN flow fl ON fl.id = f.flow_id "
      "WHERE t.flow_run_id = ?1");
  st.bind(1, flow_run_id);
  std::vector<Node> nodes;
  std::vector<Inputs> inputs;
  std::unordered_map<std::string, std::size_t> index;
  while (st.step()) {
    bool subflow = !st.is_null(7);
    auto task_state = st.column_optional_text(2);
    auto start = first_set(subflow ? st.column_optional_int(11) : std::nullopt,
                           subflow ? st.column_optional_int(12) : std::nullopt, st.column_optional_int(3),
                           st.column_optional_int(4));
    if (!start) continue;  // never scheduled: not drawn
    Node node;
    node.is_flow_run = subflow;
    node.id = subflow ? st.column_text(7) : st.column_text(0);
    if (index.contains(node.id)) continue;  // two subflow runs of one task run: the first
    node.label = subflow && !st.is_null(8) ? st.column_text(8) + " / " + st.column_text(9) : st.column_text(1);
    node.state_type = subflow && !st.is_null(10) ? st.column_optional_text(10) : task_state;
    node.start_time = core::from_micros(*start);
    // Prefect draws a completed task run that never ran (a cache hit) as ending when expected.
    auto completed_at = task_state == "COMPLETED" ? st.column_optional_int(4) : std::nullopt;
    if (auto end = first_set(subflow ? st.column_optional_int(13) : std::nullopt, st.column_optional_int(5), completed_at)) {
      node.end_time = core::from_micros(*end);
    }
    index.emplace(node.id, nodes.size());
    nodes.push_back(std::move(node));
    inputs.push_back(read_inputs(st.column_text(6)));
  }
  st.reset();

  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& ref : inputs[i].references) {
      auto parent = index.find(ref.parent_id);
      if (parent == index.end()) continue;  // a run outside this flow run, or never scheduled
      Node& p = nodes[parent->second];
      if (ref.encapsulating) {
        if (std::find(nodes[i].encapsulating.begin(), nodes[i].encapsulating.end(), p.id) == nodes[i].encapsulating.end()) {
          nodes[i].encapsulating.push_back(p.id);
        }
        continue;
      }
      for (int r = 0; r < inputs[parent->second].rows; ++r) {
        nodes[i].parents.push_back(p.id);
        p.children.push_back(nodes[i].id);
      }
    }
  }
  auto by_start = [&](const std::string& a, const std::string& b) {
    return nodes[index.at(a)].start_time < nodes[index.at(b)].start_time;
  };
  for (auto& node : nodes) {
    std::stable_sort(node.parents.begin(), node.parents.end(), by_start);
    std::stable_sort(node.children.begin(), node.children.end(), by_start);
    std::stable_sort(node.encapsulating.begin(), node.encapsulating.end(), by_start);
  }

  std::erase_if(nodes, [&](const Node& n) { return n.end_time && *n.end_time < since; });
  std::stable_sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    if (a.start_time != b.start_time) return a.start_time < b.start_time;
    if (a.end_time.has_value() != b.end_time.has_value()) return !a.end_time.has_value();
    if (a.end_time != b.end_time) return *a.end_time < *b.end_time;
    return a.id < b.id;
  });
  return nodes;
}

std::vector<Artifact> list_artifacts(Connection& c, const std::string& flow_run_id, int64_t limit) {
  // `type <> 'result'` also leaves out artifacts without a type, as Prefect's query does.
  auto& st = c.prepare(
      "SELECT a.id, a.created, a.key, a.type, a.data, a.task_run_id, ac.id FROM artifact a "
      "LEFT JOIN artifact_collection ac ON ac.key = a.key AND ac.latest_id = a.id "
      "WHERE a.flow_run_id = ?1 AND a.type <> 'result' ORDER BY a.created, a.id LIMIT ?2");
  st.bind(1, flow_run_id).bind(2, limit);
  std::vector<Artifact> out;
  while (st.step()) {
    Artifact a;
    a.id = st.column_text(0);
    a.created = core::from_micros(st.column_int(1));
    a.key = st.column_optional_text(2);
    a.type = st.column_optional_text(3);
    if (a.type == "progress" && !st.is_null(4)) {
      boost::system::error_code ec;
      json::value data = json::parse(st.column_text(4), ec);
      if (!ec) a.data = std::move(data);
    }
    a.task_run_id = st.column_optional_text(5);
    a.is_latest = !a.key || !st.is_null(6);
    out.push_back(std::move(a));
  }
  st.reset();
  return out;
}

}  // namespace praetor::store::flow_run_graph

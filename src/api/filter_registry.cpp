// The registry: for each root table, its own family, the families of other tables its
// route takes and how they relate to it, and its sorts. Adding a family to a root, or a
// root, is an entry here; the families' fields are api/filter_families.cpp's.
#include "api/filter_registry.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "api/filter_families.h"
#include "core/json_field.h"
#include "core/json_util.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

using store::SqlCondition;
using store::sql::Conditions;
using Node = core::JsonField;

// A family the body may carry under `key`.
struct Member {
  std::string_view key;
  FilterFamily family;
  // For a relation's members after the first: what brings the member's table into the
  // relation's subquery, added only when the member is set ("JOIN task_run ON …").
  std::string_view join = {};
};

// Families of another table that restrict the root, read together in one subquery:
//   EXISTS (SELECT 1 FROM <from> WHERE <link> AND (<their conditions>))  (`selected` empty)
//   <link> IN (SELECT <selected> FROM <from> WHERE <selected> IS NOT NULL AND (…))
// The IN form is uncorrelated: the database reads the related rows once through their own
// filters' indexes (a day of failed runs) instead of probing them for every root row (all
// of a flow's million runs). The EXISTS form lets a page of the root walk its sort's index
// and stop at the page's end.
struct Relation {
  std::vector<Member> members;  // the first is the base: `from` starts with its table
  std::string_view from;
  std::string_view link;
  std::string_view selected = {};
  // The base table's own relations, filtered inside the subquery (a task run's flow run's
  // deployment).
  const std::vector<Relation>* nested = nullptr;
  // A cheaper condition for when the base is the only family set (models/task_runs.py:
  // no subquery for task runs of listed flow runs); nullopt when it does not apply.
  std::optional<SqlCondition> (*only_base)(const Node& base) = nullptr;
};

struct SortOption {
  std::string_view name;
  std::string_view order_by;
};

struct RootEntry {
  FilterRoot root;
  Member own;
  std::vector<Relation> relations;
  std::vector<SortOption> sorts;
  std::string_view default_sort;
};

using F = FilterFamily;

// A flow run's deployment, work pool and queue (flow_run in scope).
const std::vector<Relation>& flow_run_relations() {
  static const std::vector<Relation> kRelations = {
      {{{"deployments", F::kDeployments}}, "deployment", "deployment.id = flow_run.deployment_id"},
      {{{"work_pools", F::kWorkPools}},
       "work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id",
       "work_queue.id = flow_run.work_queue_id"},
      {{{"work_pool_queues", F::kWorkQueues}}, "work_queue", "work_queue.id = flow_run.work_queue_id"},
  };
  return kRelations;
}

// Task runs of the listed flow runs, when the flow-run family gives ids and nothing else.
std::optional<SqlCondition> task_runs_of_listed_flow_runs(const Node& flow_runs) {
  static const char* kOther[] = {"name",       "tags",        "deployment_id",       "work_queue_name",
                                 "state",      "flow_version", "start_time",          "end_time",
                                 "expected_start_time", "next_scheduled_start_time", "parent_flow_run_id",
                                 "parent_task_run_id",  "idempotency_key",           "created_by"};
  for (const char* k : kOther) {
    if (flow_runs.child(k).set()) return std::nullopt;
  }
  Node id = flow_runs.child("id");
  if (!id.object()) return std::nullopt;
  const json::value* any = id.child("any_").value();
  const json::value* not_any = id.child("not_any_").value();
  bool has_any = any && any->is_array() && !any->get_array().empty();
  bool has_not_any = not_any && not_any->is_array() && !not_any->get_array().empty();
  if (!has_any || has_not_any) return std::nullopt;
  auto ids = id.child("any_").uuid_list();
  if (!ids) return std::nullopt;
  return store::sql::in_list("task_run.flow_run_id", *ids);
}

std::vector<Relation> concat(std::vector<Relation> a, const std::vector<Relation>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// TaskRun.estimated_run_time: total_run_time plus, while RUNNING, the time since the state
// began.
#define PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME                                                        \
  "(task_run.total_run_time + CASE WHEN task_run.state_type = 'RUNNING' AND task_run.state_timestamp " \
  "IS NOT NULL AND (julianday('now') - 2440587.5) * 86400.0 > task_run.state_timestamp / 1e6 "           \
  "THEN (julianday('now') - 2440587.5) * 86400.0 - task_run.state_timestamp / 1e6 ELSE 0 END)"

// Indexed by FilterRoot; the routes' filter parameters as Prefect's api/*.py declare them.
const std::vector<RootEntry>& registry() {
  static const std::vector<RootEntry> kRoots = {
      {FilterRoot::kFlow,
       {"flows", F::kFlows},
       {
           {{{"deployments", F::kDeployments}}, "deployment", "deployment.flow_id = flow.id"},
           {{{"work_pools", F::kWorkPools}},
            "deployment JOIN work_queue ON work_queue.id = deployment.work_queue_id JOIN work_pool ON work_pool.id = "
            "work_queue.work_pool_id",
            "deployment.flow_id = flow.id"},
           {{{"flow_runs", F::kFlowRuns}, {"task_runs", F::kTaskRuns, " JOIN task_run ON task_run.flow_run_id = flow_run.id"}},
            "flow_run",
            "flow.id",
            "flow_run.flow_id"},
       },
       {
           {"CREATED_DESC", "flow.created DESC"},
           {"UPDATED_DESC", "flow.updated DESC"},
           {"NAME_ASC", "flow.name ASC"},
           {"NAME_DESC", "flow.name DESC"},
       },
       "NAME_ASC"},
      {FilterRoot::kFlowRun,
       {"flow_runs", F::kFlowRuns},
       concat(flow_run_relations(),
              {
                  {{{"flows", F::kFlows}}, "flow", "flow.id = flow_run.flow_id"},
                  {{{"task_runs", F::kTaskRuns}}, "task_run", "task_run.flow_run_id = flow_run.id"},
              }),
       {
           {"ID_DESC", "flow_run.id DESC"},
           {"START_TIME_ASC", "COALESCE(flow_run.start_time, flow_run.expected_start_time) ASC"},
           {"START_TIME_DESC", "COALESCE(flow_run.start_time, flow_run.expected_start_time) DESC"},
           {"EXPECTED_START_TIME_ASC", "flow_run.expected_start_time ASC"},
           {"EXPECTED_START_TIME_DESC", "flow_run.expected_start_time DESC"},
           {"NAME_ASC", "flow_run.name ASC"},
           {"NAME_DESC", "flow_run.name DESC"},
           {"NEXT_SCHEDULED_START_TIME_ASC", "flow_run.next_scheduled_start_time ASC"},
           {"END_TIME_DESC", "flow_run.end_time DESC"},
       },
       "ID_DESC"},
      {FilterRoot::kTaskRun,
       {"task_runs", F::kTaskRuns},
       {
           {{{"flow_runs", F::kFlowRuns}, {"flows", F::kFlows, " JOIN flow ON flow.id = flow_run.flow_id"}},
            "flow_run",
            "flow_run.id = task_run.flow_run_id",
            {},
            &flow_run_relations(),
            &task_runs_of_listed_flow_runs},
       },
       {
           {"ID_DESC", "task_run.id DESC"},
           {"EXPECTED_START_TIME_ASC", "task_run.expected_start_time ASC"},
           {"EXPECTED_START_TIME_DESC", "task_run.expected_start_time DESC"},
           {"NAME_ASC", "task_run.name ASC"},
           {"NAME_DESC", "task_run.name DESC"},
           {"NEXT_SCHEDULED_START_TIME_ASC", "task_run.next_scheduled_start_time ASC"},
           {"END_TIME_DESC", "task_run.end_time DESC"},
           {"DURATION_DESC",
            PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME " DESC, task_run.expected_start_time DESC, task_run.id DESC"},
           {"DURATION_ASC",
            PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME " ASC, task_run.expected_start_time DESC, task_run.id DESC"},
       },
       "ID_DESC"},
      {FilterRoot::kDeployment,
       {"deployments", F::kDeployments},
       {
           {{{"flows", F::kFlows}}, "flow", "flow.id = deployment.flow_id"},
           {{{"flow_runs", F::kFlowRuns}, {"task_runs", F::kTaskRuns, " JOIN task_run ON task_run.flow_run_id = flow_run.id"}},
            "flow_run",
            "deployment.id",
            "flow_run.deployment_id"},
           {{{"work_pools", F::kWorkPools}},
            "work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id",
            "work_queue.id = deployment.work_queue_id"},
           {{{"work_pool_queues", F::kWorkQueues}}, "work_queue", "work_queue.id = deployment.work_queue_id"},
       },
       {
           {"CREATED_DESC", "deployment.created DESC"},
           {"UPDATED_DESC", "deployment.updated DESC"},
           {"NAME_ASC", "deployment.name ASC"},
           {"NAME_DESC", "deployment.name DESC"},
       },
       "NAME_ASC"},
      {FilterRoot::kWorkPool, {"work_pools", F::kWorkPools}, {}, {{"NAME_ASC", "work_pool.name ASC"}}, "NAME_ASC"},
      {FilterRoot::kWorkQueue,
       {"work_queues", F::kWorkQueues},
       {{{{"work_pools", F::kWorkPools}}, "work_pool", "work_pool.id = work_queue.work_pool_id"}},
       {{"PRIORITY_ASC", "work_queue.priority ASC, work_queue.name ASC"}},
       "PRIORITY_ASC"},
  };
  return kRoots;
}
#undef PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME

const RootEntry& entry(FilterRoot root) {
  const RootEntry& e = registry().at(static_cast<size_t>(root));
  if (e.root != root) throw std::logic_error("filter registry out of FilterRoot order");
  return e;
}

// The condition `relation` adds for `body`, or nullopt when none of its families is set.
std::optional<SqlCondition> relate(const Relation& relation, const Node& body) {
  Conditions inner;
  std::string from(relation.from);
  bool base_set = false;
  bool others_set = false;
  for (size_t i = 0; i < relation.members.size(); ++i) {
    const Member& m = relation.members[i];
    Node n = body.child(m.key);
    if (!n.model()) continue;
    (i == 0 ? base_set : others_set) = true;
    inner.add(compile_family(m.family, n));
    from += m.join;
  }
  if (relation.nested) {
    for (const Relation& r : *relation.nested) {
      if (auto c = relate(r, body)) {
        inner.add(std::move(*c));
        others_set = true;
      }
    }
  }
  if (!base_set && !others_set) return std::nullopt;
  // Only over a valid base: the shortcut reads its ids again.
  if (relation.only_base && base_set && !others_set && body.errors()->empty()) {
    if (auto c = relation.only_base(body.child(relation.members[0].key))) return c;
  }
  SqlCondition cond = std::move(inner).join();
  if (relation.selected.empty()) {
    cond.sql = "EXISTS (SELECT 1 FROM " + from + " WHERE " + std::string(relation.link) + " AND (" + cond.sql + "))";
  } else {
    std::string selected(relation.selected);
    cond.sql = std::string(relation.link) + " IN (SELECT " + selected + " FROM " + from + " WHERE " + selected +
               " IS NOT NULL AND (" + cond.sql + "))";
  }
  return cond;
}

}  // namespace

core::Result<store::SqlCondition> compile_filter_body(const json::object& body, FilterRoot root) {
  const RootEntry& e = entry(root);
  auto errors = std::make_shared<json::array>();
  json::value body_value(body);
  Node b(&body_value, json::array{"body"}, errors);
  Conditions top;
  if (Node n = b.child(e.own.key); n.model()) top.add(compile_family(e.own.family, n));
  for (const Relation& r : e.relations) {
    if (auto c = relate(r, b)) top.add(std::move(*c));
  }
  if (!errors->empty()) return core::invalid_request(*errors);
  return std::move(top).join();
}

core::Result<std::string> compile_sort(const json::value* sort, FilterRoot root) {
  const RootEntry& e = entry(root);
  std::string_view wanted = e.default_sort;
  if (sort && !sort->is_null()) {
    auto it = sort->is_string() ? std::find_if(e.sorts.begin(), e.sorts.end(),
                                               [&](const SortOption& o) { return o.name == sort->get_string(); })
                                : e.sorts.end();
    if (it == e.sorts.end()) {
      std::vector<std::string_view> names;
      for (const auto& o : e.sorts) names.push_back(o.name);
      auto errors = std::make_shared<json::array>();
      Node(sort, json::array{"body", "sort"}, errors).enum_value(names);
      return core::invalid_request(*errors);
    }
    wanted = it->name;
  }
  for (const auto& o : e.sorts) {
    if (o.name == wanted) return "ORDER BY " + std::string(o.order_by);
  }
  return core::Error::internal("no default sort");
}

}  // namespace praetor::api

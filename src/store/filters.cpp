// The filter compiler: Prefect's filter schemas (server/schemas/filters.py) and sorts
// (server/schemas/sorting.py) turned into SQLite WHERE and ORDER BY text.
//
// Each Prefect sub-filter contributes a list of conditions; a filter with none is TRUE
// ("1=1"), and an operator filter joins its list with AND or OR. A parent keeps a TRUE
// child in its list, as Prefect does, so `{"operator":"or_","id":{}}` matches everything.
// The SQL pieces come from store/sql_conditions.h.
#include "store/filters.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <optional>
#include <string_view>

#include "core/json_field.h"
#include "core/json_util.h"
#include "core/state.h"
#include "core/timestamp.h"
#include "core/uuid.h"
#include "store/sql_conditions.h"

namespace praetor::store {

namespace json = boost::json;

namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): the builders are this file's vocabulary

// Validation reads go through core::JsonField (pydantic's error shapes and lax types).
using Node = core::JsonField;

const std::vector<std::string_view>& state_types() {
  static const std::vector<std::string_view> kTypes = {"SCHEDULED", "PENDING",  "RUNNING", "COMPLETED", "FAILED",
                                                       "CANCELLED", "CRASHED", "PAUSED",  "CANCELLING"};
  return kTypes;
}

// The leaves shared by several families. Each reads one sub-filter and appends what it
// sets; `col` is a qualified column.
void any_uuid(const Node& n, const std::string& col, Conditions& out) {
  if (auto v = n.child("any_").uuid_list()) out.add(in_list(col, *v));
}
void not_any_uuid(const Node& n, const std::string& col, Conditions& out) {
  if (auto v = n.child("not_any_").uuid_list(); v && !v->empty()) out.add(not_in_list(col, *v));
}
void any_string(const Node& n, const std::string& col, Conditions& out) {
  if (auto v = n.child("any_").string_list()) out.add(in_list(col, *v));
}
void not_any_string(const Node& n, const std::string& col, Conditions& out) {
  if (auto v = n.child("not_any_").string_list(); v && !v->empty()) out.add(not_in_list(col, *v));
}
void like(const Node& n, const std::string& col, Conditions& out) {
  if (auto v = n.child("like_").string(); v && !v->empty()) out.add(ilike(col, *v));
}
void is_null(const Node& n, const std::string& col, Conditions& out) {
  if (auto v = n.child("is_null_").boolean()) out.add(null_check(col, *v));
}
void before_after(const Node& n, const std::string& expr, Conditions& out) {
  if (auto v = n.child("before_").timestamp()) out.add(compare(expr, "<=", core::to_micros(*v)));
  if (auto v = n.child("after_").timestamp()) out.add(compare(expr, ">=", core::to_micros(*v)));
}
void tags(const Node& n, const std::string& col, bool with_any, Conditions& out) {
  if (auto v = n.child("all_").string_list(); v && !v->empty()) out.add(has_all(col, *v));
  if (with_any) {
    if (auto v = n.child("any_").string_list()) out.add(has_any(col, *v));
  }
  if (auto v = n.child("is_null_").boolean()) out.add(empty_array(col, *v));
}

// Compiles field `key` of `parent` with `fn(node, conditions)` and appends the sub-filter's
// joined condition to `out` (TRUE included, as Prefect does). `operator_model` says whether
// the sub-filter has its own "operator".
template <class Fn>
void field(const Node& parent, std::string_view key, bool operator_model, Conditions& out, Fn fn) {
  Node n = parent.child(key);
  if (!n.model()) return;
  bool use_or = operator_model && n.or_operator();
  Conditions c;
  fn(n, c);
  out.add(std::move(c).join(use_or));
}

// ---------------------------------------------------------------------------------------
// The families.

SqlCondition flow_filter(const Node& n) {
  bool use_or = n.or_operator();
  Conditions c;
  field(n, "id", false, c, [](const Node& f, Conditions& o) {
    any_uuid(f, "flow.id", o);
    not_any_uuid(f, "flow.id", o);
  });
  field(n, "deployment", true, c, [](const Node& f, Conditions& o) {
    if (auto v = f.child("is_null_").boolean()) {
      SqlCondition has{"EXISTS (SELECT 1 FROM deployment WHERE deployment.flow_id = flow.id)", {}};
      if (*v) has.sql = "NOT " + has.sql;
      o.add(std::move(has));
    }
  });
  field(n, "name", false, c, [](const Node& f, Conditions& o) {
    any_string(f, "flow.name", o);
    like(f, "flow.name", o);
  });
  field(n, "tags", true, c, [](const Node& f, Conditions& o) { tags(f, "flow.tags", false, o); });
  return std::move(c).join(use_or);
}

SqlCondition flow_run_filter(const Node& n) {
  bool use_or = n.or_operator();
  Conditions c;
  field(n, "id", false, c, [](const Node& f, Conditions& o) {
    any_uuid(f, "flow_run.id", o);
    not_any_uuid(f, "flow_run.id", o);
  });
  field(n, "name", false, c, [](const Node& f, Conditions& o) {
    any_string(f, "flow_run.name", o);
    like(f, "flow_run.name", o);
  });
  field(n, "tags", true, c, [](const Node& f, Conditions& o) { tags(f, "flow_run.tags", true, o); });
  field(n, "deployment_id", true, c, [](const Node& f, Conditions& o) {
    any_uuid(f, "flow_run.deployment_id", o);
    is_null(f, "flow_run.deployment_id", o);
  });
  field(n, "work_queue_name", true, c, [](const Node& f, Conditions& o) {
    any_string(f, "flow_run.work_queue_name", o);
    is_null(f, "flow_run.work_queue_name", o);
  });
  field(n, "state", true, c, [](const Node& f, Conditions& o) {
    // FlowRunFilterState drops a TRUE child (unlike other parents).
    Conditions type_c, name_c;
    field(f, "type", false, type_c, [](const Node& t, Conditions& to) {
      if (auto v = t.child("any_").enum_list(state_types())) to.add(in_list("flow_run.state_type", *v));
      if (auto v = t.child("not_any_").enum_list(state_types()); v && !v->empty()) {
        to.add(not_in_list("flow_run.state_type", *v));
      }
    });
    field(f, "name", false, name_c, [](const Node& t, Conditions& to) {
      any_string(t, "flow_run.state_name", to);
      not_any_string(t, "flow_run.state_name", to);
    });
    for (Conditions* part : {&type_c, &name_c}) {
      SqlCondition s = std::move(*part).join();
      if (s.sql != "1=1") o.add(std::move(s));
    }
  });
  field(n, "flow_version", false, c,
        [](const Node& f, Conditions& o) { any_string(f, "flow_run.flow_version", o); });
  field(n, "start_time", false, c, [](const Node& f, Conditions& o) {
    // Prefect compares the actual start, falling back to the expected start.
    before_after(f, "COALESCE(flow_run.start_time, flow_run.expected_start_time)", o);
    is_null(f, "flow_run.start_time", o);
  });
  field(n, "end_time", false, c, [](const Node& f, Conditions& o) {
    before_after(f, "flow_run.end_time", o);
    is_null(f, "flow_run.end_time", o);
  });
  field(n, "expected_start_time", false, c,
        [](const Node& f, Conditions& o) { before_after(f, "flow_run.expected_start_time", o); });
  field(n, "next_scheduled_start_time", false, c,
        [](const Node& f, Conditions& o) { before_after(f, "flow_run.next_scheduled_start_time", o); });
  field(n, "parent_flow_run_id", true, c, [](const Node& f, Conditions& o) {
    // Subflows: runs whose parent task run belongs to one of these flow runs.
    if (auto v = f.child("any_").uuid_list()) {
      o.add({"flow_run.parent_task_run_id IN (SELECT parent_tr.id FROM task_run AS parent_tr WHERE "
             "parent_tr.flow_run_id IN (SELECT value FROM json_each(?)))",
             {json_list(*v)}});
    }
  });
  field(n, "parent_task_run_id", true, c, [](const Node& f, Conditions& o) {
    any_uuid(f, "flow_run.parent_task_run_id", o);
    is_null(f, "flow_run.parent_task_run_id", o);
  });
  field(n, "idempotency_key", false, c, [](const Node& f, Conditions& o) {
    any_string(f, "flow_run.idempotency_key", o);
    not_any_string(f, "flow_run.idempotency_key", o);
  });
  field(n, "created_by", true, c, [](const Node& f, Conditions& o) {
    if (auto v = f.child("id_").uuid_list()) o.add(in_list("json_extract(flow_run.created_by, '$.id')", *v));
    if (auto v = f.child("type_").string_list()) o.add(in_list("json_extract(flow_run.created_by, '$.type')", *v));
    is_null(f, "flow_run.created_by", o);
  });
  return std::move(c).join(use_or);
}

SqlCondition task_run_filter(const Node& n) {
  bool use_or = n.or_operator();
  Conditions c;
  field(n, "id", false, c, [](const Node& f, Conditions& o) { any_uuid(f, "task_run.id", o); });
  field(n, "name", false, c, [](const Node& f, Conditions& o) {
    any_string(f, "task_run.name", o);
    like(f, "task_run.name", o);
  });
  field(n, "tags", true, c, [](const Node& f, Conditions& o) { tags(f, "task_run.tags", false, o); });
  field(n, "state", true, c, [](const Node& f, Conditions& o) {
    Conditions type_c, name_c;
    field(f, "type", false, type_c, [](const Node& t, Conditions& to) {
      if (auto v = t.child("any_").enum_list(state_types())) to.add(in_list("task_run.state_type", *v));
    });
    field(f, "name", false, name_c,
          [](const Node& t, Conditions& to) { any_string(t, "task_run.state_name", to); });
    for (Conditions* part : {&type_c, &name_c}) {
      SqlCondition s = std::move(*part).join();
      if (s.sql != "1=1") o.add(std::move(s));
    }
  });
  field(n, "start_time", false, c, [](const Node& f, Conditions& o) {
    before_after(f, "task_run.start_time", o);
    is_null(f, "task_run.start_time", o);
  });
  field(n, "end_time", false, c, [](const Node& f, Conditions& o) {
    before_after(f, "task_run.end_time", o);
    is_null(f, "task_run.end_time", o);
  });
  field(n, "expected_start_time", false, c,
        [](const Node& f, Conditions& o) { before_after(f, "task_run.expected_start_time", o); });
  field(n, "subflow_runs", false, c, [](const Node& f, Conditions& o) {
    if (auto v = f.child("exists_").boolean()) {
      // Uncorrelated, so the (few) subflow parents are read once, not probed per task run;
      // "no subflows" first asks, once, whether any flow run has a parent task run at all, so
      // a database without subflows never reads the task runs' rows for their ids.
      const std::string parents = "SELECT sub_fr.parent_task_run_id FROM flow_run AS sub_fr "
                                  "WHERE sub_fr.parent_task_run_id IS NOT NULL";
      o.add({*v ? "task_run.id IN (" + parents + ")"
                : "(NOT EXISTS (" + parents + ") OR task_run.id NOT IN (" + parents + "))",
             {}});
    }
  });
  field(n, "flow_run_id", true, c, [](const Node& f, Conditions& o) {
    // is_null_ defaults to False (not None): an absent is_null_ without any_ means
    // "has a flow run"; an explicit null falls through to any_.
    Node null_node = f.child("is_null_");
    std::optional<bool> null_flag = f.has_key("is_null_") ? null_node.boolean() : std::optional<bool>(false);
    auto any = f.child("any_").uuid_list();
    if (null_flag && *null_flag) {
      o.add(null_check("task_run.flow_run_id", true));
    } else if (null_flag && !*null_flag && !f.child("any_").set()) {
      o.add(null_check("task_run.flow_run_id", false));
    } else if (any) {
      o.add(in_list("task_run.flow_run_id", *any));
    }
  });
  return std::move(c).join(use_or);
}

SqlCondition deployment_filter(const Node& n) {
  bool use_or = n.or_operator();
  Conditions c;
  field(n, "id", false, c, [](const Node& f, Conditions& o) {
    any_uuid(f, "deployment.id", o);
    not_any_uuid(f, "deployment.id", o);
  });
  field(n, "name", false, c, [](const Node& f, Conditions& o) {
    any_string(f, "deployment.name", o);
    like(f, "deployment.name", o);
  });
  field(n, "flow_or_deployment_name", false, c, [](const Node& f, Conditions& o) {
    if (auto v = f.child("like_").string()) {
      SqlCondition name = ilike("deployment.name", *v);
      SqlCondition flow_name = ilike("flow.name", *v);
      SqlCondition e{"(" + name.sql + " OR EXISTS (SELECT 1 FROM flow WHERE flow.id = deployment.flow_id AND " +
                         flow_name.sql + "))",
                     {}};
      for (auto& p : name.params) e.params.push_back(std::move(p));
      for (auto& p : flow_name.params) e.params.push_back(std::move(p));
      o.add(std::move(e));
    }
  });
  field(n, "paused", false, c, [](const Node& f, Conditions& o) {
    if (auto v = f.child("eq_").boolean()) o.add(SqlCondition{*v ? "deployment.paused = 1" : "deployment.paused = 0", {}});
  });
  field(n, "tags", true, c, [](const Node& f, Conditions& o) { tags(f, "deployment.tags", true, o); });
  field(n, "work_queue_name", false, c,
        [](const Node& f, Conditions& o) { any_string(f, "deployment.work_queue_name", o); });
  field(n, "concurrency_limit", false, c, [](const Node& f, Conditions& o) {
    if (auto v = f.child("ge_").integer()) o.add(compare("deployment.concurrency_limit", ">=", *v));
    if (auto v = f.child("le_").integer()) o.add(compare("deployment.concurrency_limit", "<=", *v));
    is_null(f, "deployment.concurrency_limit", o);
  });
  return std::move(c).join(use_or);
}

SqlCondition work_pool_filter(const Node& n) {
  bool use_or = n.or_operator();
  Conditions c;
  field(n, "id", false, c, [](const Node& f, Conditions& o) { any_uuid(f, "work_pool.id", o); });
  field(n, "name", false, c, [](const Node& f, Conditions& o) { any_string(f, "work_pool.name", o); });
  field(n, "type", false, c, [](const Node& f, Conditions& o) { any_string(f, "work_pool.type", o); });
  return std::move(c).join(use_or);
}

SqlCondition work_queue_filter(const Node& n) {
  bool use_or = n.or_operator();
  Conditions c;
  field(n, "id", false, c, [](const Node& f, Conditions& o) { any_uuid(f, "work_queue.id", o); });
  field(n, "name", false, c, [](const Node& f, Conditions& o) {
    any_string(f, "work_queue.name", o);
    if (auto v = f.child("startswith_").string_list()) {
      Conditions any;
      for (const auto& prefix : *v) any.add(SqlCondition{"work_queue.name LIKE ? || '%'", {prefix}});
      o.add(std::move(any).join(true));
    }
  });
  return std::move(c).join(use_or);
}

constexpr const char* kFlowRunWithTaskRuns = "flow_run JOIN task_run ON task_run.flow_run_id = flow_run.id";

// "EXISTS (SELECT 1 FROM <from> WHERE <link> AND (<cond>))".
SqlCondition exists_where(const std::string& from, const std::string& link, SqlCondition cond) {
  cond.sql = "EXISTS (SELECT 1 FROM " + from + " WHERE " + link + " AND (" + cond.sql + "))";
  return cond;
}

bool only_filters_on_id(const Node& fr) {
  static const char* kOther[] = {"name",       "tags",        "deployment_id",       "work_queue_name",
                                 "state",      "flow_version", "start_time",          "end_time",
                                 "expected_start_time", "next_scheduled_start_time", "parent_flow_run_id",
                                 "parent_task_run_id",  "idempotency_key",           "created_by"};
  for (const char* k : kOther) {
    if (fr.child(k).set()) return false;
  }
  Node id = fr.child("id");
  if (!id.object()) return false;
  const json::value* any = id.child("any_").value();
  const json::value* not_any = id.child("not_any_").value();
  bool has_any = any && any->is_array() && !any->get_array().empty();
  bool has_not_any = not_any && not_any->is_array() && !not_any->get_array().empty();
  return has_any && !has_not_any;
}

core::Error errors_to_error(const json::array& errors) { return core::invalid_request(errors); }

// EXISTS over `from` where `link` holds and every one of `conds` that is set holds; the
// set ones are moved out.
SqlCondition exists_all(const std::string& from, const std::string& link,
                        std::initializer_list<std::optional<SqlCondition>*> conds) {
  Conditions all;
  for (auto* c : conds) {
    if (*c) all.add(std::move(**c));
  }
  return exists_where(from, link, std::move(all).join());
}

// "<key> IN (SELECT <selected> FROM <from> WHERE <selected> IS NOT NULL AND …)" where every
// one of `conds` that is set holds; the set ones are moved out. The same rows as EXISTS over
// the link `<selected> = <key>`, but uncorrelated: the database reads the related rows once
// through their own filters' indexes (a day of failed runs) instead of probing them for
// every row of the outer table (all of a flow's million runs).
SqlCondition in_all(const std::string& key, const std::string& from, const std::string& selected,
                    std::initializer_list<std::optional<SqlCondition>*> conds) {
  Conditions all;
  for (auto* c : conds) {
    if (*c) all.add(std::move(**c));
  }
  SqlCondition cond = std::move(all).join();
  cond.sql = key + " IN (SELECT " + selected + " FROM " + from + " WHERE " + selected + " IS NOT NULL AND (" +
             cond.sql + "))";
  return cond;
}

}  // namespace

core::Result<SqlCondition> compile_filter_body(const json::object& body, FilterRoot root) {
  auto errors = std::make_shared<json::array>();
  json::value body_value(body);
  Node b(&body_value, json::array{"body"}, errors);

  std::optional<SqlCondition> flows, flow_runs, task_runs, deployments, work_pools, work_queues;
  if (Node n = b.child("flows"); n.model()) flows = flow_filter(n);
  if (Node n = b.child("flow_runs"); n.model()) flow_runs = flow_run_filter(n);
  if (Node n = b.child("task_runs"); n.model()) task_runs = task_run_filter(n);
  if (Node n = b.child("deployments"); n.model()) deployments = deployment_filter(n);
  if (Node n = b.child("work_pools"); n.model()) work_pools = work_pool_filter(n);
  if (root != FilterRoot::kFlow && root != FilterRoot::kWorkPool) {
    if (Node n = b.child("work_pool_queues"); n.model()) work_queues = work_queue_filter(n);
  }
  if (root == FilterRoot::kWorkPool || root == FilterRoot::kWorkQueue) {
    if (Node n = b.child("work_queues"); n.model()) work_queues = work_queue_filter(n);
  }
  if (!errors->empty()) return errors_to_error(*errors);
  // Filters on a flow run's deployment, work pool and queue, applied to the alias-free
  // flow_run row (used for the flow-run and task-run roots).
  auto run_relations = [&](std::optional<SqlCondition>& runs) {
    Conditions all;
    if (runs) all.add(std::move(*runs));
    if (deployments) {
      all.add(exists_where("deployment", "deployment.id = flow_run.deployment_id", std::move(*deployments)));
    }
    if (work_pools) {
      all.add(exists_where("work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id",
                           "work_queue.id = flow_run.work_queue_id", std::move(*work_pools)));
    }
    if (work_queues) {
      all.add(exists_where("work_queue", "work_queue.id = flow_run.work_queue_id", std::move(*work_queues)));
    }
    bool any = runs || deployments || work_pools || work_queues;
    deployments.reset();
    work_pools.reset();
    work_queues.reset();
    if (any) runs = std::move(all).join();
  };

  Conditions top;
  switch (root) {
    case FilterRoot::kFlow:
      if (flows) top.add(std::move(*flows));
      if (deployments) {
        top.add(exists_where("deployment", "deployment.flow_id = flow.id", std::move(*deployments)));
      }
      if (work_pools) {
        top.add(exists_where("deployment JOIN work_queue ON work_queue.id = deployment.work_queue_id JOIN work_pool "
                             "ON work_pool.id = work_queue.work_pool_id",
                             "deployment.flow_id = flow.id", std::move(*work_pools)));
      }
      if (flow_runs || task_runs) {
        // models/flows.py: EXISTS (flow_run [JOIN task_run] WHERE flow_run.flow_id = flow.id …), as IN.
        top.add(in_all("flow.id", task_runs ? kFlowRunWithTaskRuns : "flow_run", "flow_run.flow_id",
                       {&flow_runs, &task_runs}));
      }
      break;
    case FilterRoot::kFlowRun:
      run_relations(flow_runs);
      if (flow_runs) top.add(std::move(*flow_runs));
      if (flows) top.add(exists_where("flow", "flow.id = flow_run.flow_id", std::move(*flows)));
      if (task_runs) {
        top.add(exists_where("task_run", "task_run.flow_run_id = flow_run.id", std::move(*task_runs)));
      }
      break;
    case FilterRoot::kTaskRun: {
      if (task_runs) top.add(std::move(*task_runs));
      Node fr = b.child("flow_runs");
      bool related = deployments || work_pools || work_queues;
      run_relations(flow_runs);
      if (flow_runs && !flows && !related && only_filters_on_id(fr)) {
        // models/task_runs.py's shortcut: no EXISTS when only flow run ids are given.
        auto ids = fr.child("id").child("any_").uuid_list();
        top.add(in_list("task_run.flow_run_id", *ids));
        break;
      }
      if (flow_runs || flows) {
        // EXISTS, not IN: a page of task runs walks their sort's index and stops at the page's end.
        top.add(exists_all(flows ? "flow_run JOIN flow ON flow.id = flow_run.flow_id" : "flow_run",
                           "flow_run.id = task_run.flow_run_id", {&flow_runs, &flows}));
      }
      break;
    }
    case FilterRoot::kDeployment: {
      if (deployments) top.add(std::move(*deployments));
      if (flows) top.add(exists_where("flow", "flow.id = deployment.flow_id", std::move(*flows)));
      if (flow_runs || task_runs) {
        top.add(in_all("deployment.id", task_runs ? kFlowRunWithTaskRuns : "flow_run", "flow_run.deployment_id",
                       {&flow_runs, &task_runs}));
      }
      if (work_pools) {
        top.add(exists_where("work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id",
                             "work_queue.id = deployment.work_queue_id", std::move(*work_pools)));
      }
      if (work_queues) {
        top.add(exists_where("work_queue", "work_queue.id = deployment.work_queue_id", std::move(*work_queues)));
      }
      break;
    }
    case FilterRoot::kWorkPool:
      if (work_pools) top.add(std::move(*work_pools));
      break;
    case FilterRoot::kWorkQueue:
      if (work_queues) top.add(std::move(*work_queues));
      if (work_pools) {
        top.add(exists_where("work_pool", "work_pool.id = work_queue.work_pool_id", std::move(*work_pools)));
      }
      break;
  }
  return std::move(top).join();
}

namespace {

struct SortOption {
  std::string_view name;
  std::string_view order_by;
};

const std::vector<SortOption>& sort_options(FilterRoot root) {
  static const std::vector<SortOption> kFlow = {
      {"CREATED_DESC", "flow.created DESC"},
      {"UPDATED_DESC", "flow.updated DESC"},
      {"NAME_ASC", "flow.name ASC"},
      {"NAME_DESC", "flow.name DESC"},
  };
  static const std::vector<SortOption> kFlowRun = {
      {"ID_DESC", "flow_run.id DESC"},
      {"START_TIME_ASC", "COALESCE(flow_run.start_time, flow_run.expected_start_time) ASC"},
      {"START_TIME_DESC", "COALESCE(flow_run.start_time, flow_run.expected_start_time) DESC"},
      {"EXPECTED_START_TIME_ASC", "flow_run.expected_start_time ASC"},
      {"EXPECTED_START_TIME_DESC", "flow_run.expected_start_time DESC"},
      {"NAME_ASC", "flow_run.name ASC"},
      {"NAME_DESC", "flow_run.name DESC"},
      {"NEXT_SCHEDULED_START_TIME_ASC", "flow_run.next_scheduled_start_time ASC"},
      {"END_TIME_DESC", "flow_run.end_time DESC"},
  };
  // TaskRun.estimated_run_time: total_run_time plus, while RUNNING, the time since the
  // state began.
#define PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME                                                        \
  "(task_run.total_run_time + CASE WHEN task_run.state_type = 'RUNNING' AND task_run.state_timestamp " \
  "IS NOT NULL AND (julianday('now') - 2440587.5) * 86400.0 > task_run.state_timestamp / 1e6 "           \
  "THEN (julianday('now') - 2440587.5) * 86400.0 - task_run.state_timestamp / 1e6 ELSE 0 END)"
  static const std::vector<SortOption> kTaskRun = {
      {"ID_DESC", "task_run.id DESC"},
      {"EXPECTED_START_TIME_ASC", "task_run.expected_start_time ASC"},
      {"EXPECTED_START_TIME_DESC", "task_run.expected_start_time DESC"},
      {"NAME_ASC", "task_run.name ASC"},
      {"NAME_DESC", "task_run.name DESC"},
      {"NEXT_SCHEDULED_START_TIME_ASC", "task_run.next_scheduled_start_time ASC"},
      {"END_TIME_DESC", "task_run.end_time DESC"},
      {"DURATION_DESC", PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME " DESC, task_run.expected_start_time DESC, task_run.id DESC"},
      {"DURATION_ASC", PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME " ASC, task_run.expected_start_time DESC, task_run.id DESC"},
  };
#undef PRAETOR_TASK_RUN_ESTIMATED_RUN_TIME
  static const std::vector<SortOption> kDeployment = {
      {"CREATED_DESC", "deployment.created DESC"},
      {"UPDATED_DESC", "deployment.updated DESC"},
      {"NAME_ASC", "deployment.name ASC"},
      {"NAME_DESC", "deployment.name DESC"},
  };
  static const std::vector<SortOption> kWorkPool = {{"NAME_ASC", "work_pool.name ASC"}};
  static const std::vector<SortOption> kWorkQueue = {{"PRIORITY_ASC", "work_queue.priority ASC, work_queue.name ASC"}};
  switch (root) {
    case FilterRoot::kFlow: return kFlow;
    case FilterRoot::kFlowRun: return kFlowRun;
    case FilterRoot::kTaskRun: return kTaskRun;
    case FilterRoot::kDeployment: return kDeployment;
    case FilterRoot::kWorkPool: return kWorkPool;
    case FilterRoot::kWorkQueue: return kWorkQueue;
  }
  return kFlow;
}

std::string_view default_sort(FilterRoot root) {
  switch (root) {
    case FilterRoot::kFlow: return "NAME_ASC";
    case FilterRoot::kFlowRun: return "ID_DESC";
    case FilterRoot::kTaskRun: return "ID_DESC";
    case FilterRoot::kDeployment: return "NAME_ASC";
    case FilterRoot::kWorkPool: return "NAME_ASC";
    case FilterRoot::kWorkQueue: return "PRIORITY_ASC";
  }
  return "";
}

}  // namespace

core::Result<std::string> compile_sort(const json::value* sort, FilterRoot root) {
  const auto& options = sort_options(root);
  std::string_view wanted = default_sort(root);
  if (sort && !sort->is_null()) {
    auto it = sort->is_string()
                  ? std::find_if(options.begin(), options.end(),
                                 [&](const SortOption& o) { return o.name == sort->get_string(); })
                  : options.end();
    if (it == options.end()) {
      std::vector<std::string_view> names;
      for (const auto& o : options) names.push_back(o.name);
      auto errors = std::make_shared<json::array>();
      Node(sort, json::array{"body", "sort"}, errors).enum_value(names);
      return errors_to_error(*errors);
    }
    wanted = it->name;
  }
  for (const auto& o : options) {
    if (o.name == wanted) return "ORDER BY " + std::string(o.order_by);
  }
  return core::Error::internal("no default sort");
}

core::Result<Pagination> read_pagination(const json::object& body, int default_limit) {
  auto errors = std::make_shared<json::array>();
  json::value body_value(body);
  Node b(&body_value, json::array{"body"}, errors);
  auto limit = b.child("limit").integer();
  Node offset_node = b.child("offset");
  auto offset = offset_node.integer();
  if (offset && *offset < 0) {
    offset_node.error("greater_than_equal", "Input should be greater than or equal to 0", json::object{{"ge", 0}});
  }
  Node page_node = b.child("page");
  auto page = page_node.integer();
  if (page && *page < 1) {
    page_node.error("greater_than_equal", "Input should be greater than or equal to 1", json::object{{"ge", 1}});
  }
  if (!errors->empty()) return errors_to_error(*errors);

  // api/dependencies.py LimitBody: plain {"detail": …} 422s, not validation lists.
  int64_t lim = limit.value_or(default_limit);
  if (lim < 0) return core::Error::invalid("Invalid limit: must be greater than or equal to 0.");
  if (lim > default_limit) {
    return core::Error::invalid("Invalid limit: must be less than or equal to " + std::to_string(default_limit) + ".");
  }
  Pagination p{lim, offset.value_or(0), page.value_or(1)};
  if (page) p.offset = (*page - 1) * lim;
  return p;
}

int bind_all(Statement& st, const std::vector<SqlValue>& params, int first) {
  int i = first;
  for (const auto& p : params) {
    std::visit([&](const auto& v) { st.bind(i, v); }, p);
    ++i;
  }
  return i;
}

}  // namespace praetor::store

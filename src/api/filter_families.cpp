// The families' fields, leaf by leaf, as Prefect's filter models apply them
// (server/schemas/filters.py); the SQL pieces come from store/sql_conditions.h.
#include "api/filter_families.h"

#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"

namespace praetor::api {

namespace {

using namespace store::sql;  // NOLINT(google-build-using-namespace): the builders are this file's vocabulary
using store::SqlCondition;
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

}  // namespace

store::SqlCondition compile_family(FilterFamily family, const core::JsonField& node) {
  switch (family) {
    case FilterFamily::kFlows: return flow_filter(node);
    case FilterFamily::kFlowRuns: return flow_run_filter(node);
    case FilterFamily::kTaskRuns: return task_run_filter(node);
    case FilterFamily::kDeployments: return deployment_filter(node);
    case FilterFamily::kWorkPools: return work_pool_filter(node);
    case FilterFamily::kWorkQueues: return work_queue_filter(node);
  }
  return always();
}

}  // namespace praetor::api

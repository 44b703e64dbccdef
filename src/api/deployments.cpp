// /api/deployments routes (Prefect's api/deployments.py): upsert, read (by id and by
// flow/deployment name), update, delete, filter/count/paginate, schedules, pause/resume,
// create_flow_run, and the runner's poll /deployments/get_scheduled_flow_runs.
#include "api/automation_events.h"
#include "api/deployment_support.h"
#include "runs/flow_run_creation.h"
#include "api/list_request.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "schedules/schedule_json.h"
#include "runs/deployment_events.h"
#include "runs/readiness_events.h"
#include "store/concurrency_repository.h"
#include "store/automation_repository.h"
#include "store/deployment_repository.h"
#include "store/flow_repository.h"
#include "store/flow_run_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

constexpr const char* kNotFound = "Deployment not found";
constexpr const char* kNotFoundDot = "Deployment not found.";

// A schedule from a create/update body, validated; `replaces` is a deploy-time directive.
struct ScheduleInput {
  std::optional<json::value> schedule;  // normalised Prefect JSON
  std::optional<bool> active;
  bool max_runs_set = false;
  std::optional<int64_t> max_scheduled_runs;
  std::optional<json::object> parameters;
  std::optional<std::string> slug;
  std::optional<std::string> replaces;
};

void read_schedule_fields(core::FieldReader& r, ScheduleInput& s, bool schedule_required, core::Timestamp now) {
  if (const json::value* v = r.raw("schedule"); v && !v->is_null()) {
    auto parsed = schedules::parse_schedule(*v, json::array{"body", "schedule"}, now);
    if (parsed) {
      s.schedule = schedules::to_json(*parsed);
    } else {
      core::Error schedule_error = parsed.error();
      json::array entries = schedule_error.detail.is_array() ? schedule_error.detail.as_array() : json::array{};
      for (const auto& e : entries) {
        const auto& o = e.as_object();
        r.add_error("schedule", o.at("type").as_string(), o.at("msg").as_string(),
                    o.contains("input") ? o.at("input") : json::value());
      }
    }
  } else if (schedule_required) {
    (void)r.object("schedule", true);
  }
  s.active = r.boolean("active");
  s.max_runs_set = r.present("max_scheduled_runs");
  s.max_scheduled_runs = r.integer("max_scheduled_runs");
  if (s.max_scheduled_runs && *s.max_scheduled_runs <= 0) {
    r.add_error("max_scheduled_runs", "greater_than", "Input should be greater than 0", *s.max_scheduled_runs);
  }
  if (const json::object* p = r.object("parameters")) s.parameters = *p;
  s.slug = r.string("slug");
  s.replaces = r.string("replaces");
}

core::Result<std::vector<ScheduleInput>> read_schedule_list(const json::value& list, json::array loc,
                                                            bool schedule_required, core::Timestamp now) {
  std::vector<ScheduleInput> out;
  if (!list.is_array()) {
    return core::validation_error(std::move(loc), "list_type", "Input should be a valid list", list);
  }
  json::array errors;
  std::size_t i = 0;
  for (const auto& item : list.as_array()) {
    json::array item_loc = loc;
    item_loc.emplace_back(static_cast<int64_t>(i++));
    core::FieldReader r(item, item_loc);
    ScheduleInput s;
    if (!r.is_object()) {
      errors.push_back(json::object{{"type", "model_attributes_type"},
                                    {"loc", item_loc},
                                    {"msg", "Input should be a valid dictionary or object to extract fields from"},
                                    {"input", item}});
      continue;
    }
    read_schedule_fields(r, s, schedule_required, now);
    if (!r.ok()) {
      core::Error item_error = r.error();
      for (const auto& e : item_error.detail.as_array()) errors.push_back(e);
      continue;
    }
    out.push_back(std::move(s));
  }
  if (!errors.empty()) {
    core::Error e = core::Error::invalid("Invalid request received.");
    e.detail = std::move(errors);
    return e;
  }
  return out;
}

// The `position`-th new schedule of a request. Prefect stamps each row as its ORM flushes it
// (a per-row default), so a later schedule of one request is newer and is answered first
// (schedules read newest first); `position` microseconds after `now` keeps that order
// without ties.
core::DeploymentSchedule new_schedule(const std::string& deployment_id, const ScheduleInput& in, core::Timestamp now,
                                      size_t position) {
  core::DeploymentSchedule s;
  s.id = core::new_uuid4();
  s.created = s.updated = now + std::chrono::microseconds(position);
  s.deployment_id = deployment_id;
  s.schedule = in.schedule.value_or(json::value());
  s.active = in.active.value_or(true);
  s.max_scheduled_runs = in.max_scheduled_runs;
  s.parameters = in.parameters.value_or(json::object{});
  s.slug = in.slug;
  return s;
}

// The deployment fields of DeploymentCreate / DeploymentUpdate present in the body, applied
// over `d` (exclude_unset semantics). Pool and queue names are returned for resolution.
struct Placement {
  std::optional<std::string> work_pool_name;
  std::optional<std::string> work_queue_name;
  bool limit_set = false;                                // `concurrency_limit` was sent
  bool global_limit_set = false;                         // `global_concurrency_limit_id` was sent
  std::optional<std::string> global_concurrency_limit_id;
};

// ConcurrencyOptions: {"collision_strategy": ENQUEUE|CANCEL_NEW, "grace_period_seconds":
// 60..86400 or null}, answered with both keys; null stays null.
json::value read_concurrency_options(core::FieldReader& r) {
  const json::value* raw = r.raw("concurrency_options");
  if (!raw || raw->is_null()) return nullptr;
  if (!r.object("concurrency_options")) return nullptr;
  core::FieldReader o = r.nested("concurrency_options");
  auto strategy = o.string("collision_strategy", true);
  if (strategy && *strategy != "ENQUEUE" && *strategy != "CANCEL_NEW") {
    o.add_error("collision_strategy", "enum", "Input should be 'ENQUEUE' or 'CANCEL_NEW'", json::value(*strategy));
  }
  auto grace = o.integer("grace_period_seconds");
  if (grace && *grace < 60) {
    o.add_error("grace_period_seconds", "greater_than_equal", "Input should be greater than or equal to 60", *grace);
  } else if (grace && *grace > 86400) {
    o.add_error("grace_period_seconds", "less_than_equal", "Input should be less than or equal to 86400", *grace);
  }
  return json::object{{"collision_strategy", strategy ? json::value(*strategy) : json::value()},
                      {"grace_period_seconds", grace ? json::value(*grace) : json::value()}};
}

Placement apply_fields(core::FieldReader& r, core::Deployment& d) {
  auto opt_string = [&](std::string_view key, std::optional<std::string>& field) {
    if (r.present(key)) field = r.string(key);
  };
  auto opt_value = [&](std::string_view key, json::value& field) {
    if (r.present(key)) {
      const json::value* v = r.raw(key);
      field = v ? *v : json::value();
    }
  };
  opt_string("version", d.version);
  opt_string("description", d.description);
  if (r.present("paused")) d.paused = r.boolean("paused").value_or(false);
  if (r.present("concurrency_limit")) {
    d.concurrency_limit = r.integer("concurrency_limit");
    if (d.concurrency_limit && *d.concurrency_limit <= 0) {
      r.add_error("concurrency_limit", "greater_than", "Input should be greater than 0", *d.concurrency_limit);
    }
  }
  if (r.present("concurrency_options")) d.concurrency_options = read_concurrency_options(r);
  if (const json::object* o = r.object("job_variables")) d.job_variables = *o;
  if (const json::object* o = r.object("parameters")) d.parameters = *o;
  opt_value("pull_steps", d.pull_steps);
  if (auto tags = r.string_list("tags")) d.tags = *tags;
  if (const json::object* o = r.object("labels")) d.labels = *o;
  opt_value("parameter_openapi_schema", d.parameter_openapi_schema);
  opt_string("path", d.path);
  opt_string("entrypoint", d.entrypoint);
  if (r.present("storage_document_id")) d.storage_document_id = r.uuid("storage_document_id");
  if (r.present("infrastructure_document_id")) d.infrastructure_document_id = r.uuid("infrastructure_document_id");
  if (r.present("enforce_parameter_schema")) {
    d.enforce_parameter_schema = r.boolean("enforce_parameter_schema").value_or(true);
  }
  opt_value("version_info", d.version_info);
  Placement p;
  p.work_pool_name = r.string("work_pool_name");
  p.work_queue_name = r.string("work_queue_name");
  p.limit_set = r.present("concurrency_limit");
  p.global_limit_set = r.present("global_concurrency_limit_id");
  p.global_concurrency_limit_id = r.uuid("global_concurrency_limit_id");
  return p;
}

// Sets d.work_queue_id / work_queue_name from the requested pool and queue, as
// create_deployment does.
core::Result<core::Ok> place(Connection& c, core::Deployment& d, const Placement& p, core::Timestamp now) {
  if (p.work_pool_name && *p.work_pool_name != "default-agent-pool") {
    auto q = resolve_work_queue(c, *p.work_pool_name, p.work_queue_name, true, now);
    if (!q) return q.error();
    d.work_queue_id = q->id;
    d.work_queue_name = q->name;
  } else if (p.work_queue_name) {
    auto q = ensure_default_agent_queue(c, *p.work_queue_name, now);
    d.work_queue_id = q.id;
    d.work_queue_name = q.name;
  }
  return core::Ok{};
}

// DeploymentCreate/DeploymentUpdate._validate_concurrency_limits, a model validator run
// before the field checks: a truthy concurrency_limit and a global_concurrency_limit_id.
std::optional<core::Error> both_limits_error(const json::value& body) {
  const json::object* o = body.if_object();
  if (!o) return std::nullopt;
  auto limit = o->find("concurrency_limit");
  auto global = o->find("global_concurrency_limit_id");
  bool limit_truthy = limit != o->end() && !limit->value().is_null() && limit->value() != json::value(0) &&
                      limit->value() != json::value(false);
  bool global_truthy = global != o->end() && !global->value().is_null() && global->value() != json::value("");
  if (!limit_truthy || !global_truthy) return std::nullopt;
  return core::validation_error(
      json::array{"body"}, "value_error",
      "Value error, A deployment cannot have both a concurrency limit and a global concurrency limit.", body);
}

// `global_concurrency_limit_id` links an existing limit (404 when missing); then a sent
// `concurrency_limit` is applied to the linked row (_create_or_update_deployment_concurrency_limit).
core::Result<core::Ok> link_concurrency_limit(Connection& c, core::Deployment& d, const Placement& p) {
  if (!p.global_limit_set) return core::Ok{};
  if (p.global_concurrency_limit_id &&
      !store::concurrency::read(c, *p.global_concurrency_limit_id, true, core::Timestamp{})) {
    return core::Error::not_found("Concurrency limit not found");
  }
  d.concurrency_limit_id = p.global_concurrency_limit_id;
  return core::Ok{};
}

// with_system_labels_for_deployment: the flow's labels, prefect.flow.id, then the
// deployment's own.
void add_system_labels(Connection& c, core::Deployment& d) {
  json::object labels = store::flows::labels(c, d.flow_id);
  labels["prefect.flow.id"] = d.flow_id;
  for (const auto& kv : d.labels) labels[kv.key()] = kv.value();
  d.labels = std::move(labels);
}

struct Upserted {
  core::Deployment deployment;
  bool created = false;
  std::optional<events::Event> event;  // created, or updated with what changed
};

core::Result<Response> create_deployment(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  if (auto both = both_limits_error(*body)) return *both;
  core::FieldReader r(*body, json::array{"body"});
  auto name = r.string("name", true);
  auto flow_id = r.uuid("flow_id", true);
  core::Deployment fields;
  Placement placement = apply_fields(r, fields);
  std::optional<std::vector<ScheduleInput>> schedules;
  if (const json::value* s = r.raw("schedules"); s && !s->is_null()) {
    auto parsed = read_schedule_list(*s, json::array{"body", "schedules"}, true, now);
    if (!parsed) return parsed.error();
    schedules = std::move(*parsed);
  }
  if (!r.ok()) return r.error();
  auto result = ctx.db.write<Upserted>([&](Connection& c) -> core::Result<Upserted> {
    if (!store::flows::read(c, *flow_id)) return core::Error::conflict("Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.");
    auto existing = store::deployments::read_by_flow_and_name(c, *flow_id, *name);
    Upserted out;
    out.created = !existing;
    const std::optional<core::Deployment> before = existing;
    core::Deployment d;
    if (existing) {
      d = std::move(*existing);
    } else {
      d.id = core::new_uuid4();
      d.created = now;
      d.name = *name;
      d.flow_id = *flow_id;
      d.pull_steps = json::array{};
      d.parameter_openapi_schema = json::object{};
    }
    d.updated = now;
    // Re-apply the body over the stored row.
    core::FieldReader again(*body, json::array{"body"});
    Placement p = apply_fields(again, d);
    if (!again.present("parameters")) d.parameters = json::object{};
    auto placed = place(c, d, p, now);
    if (!placed) return placed.error();
    auto linked = link_concurrency_limit(c, d, p);
    if (!linked) return linked.error();
    add_system_labels(c, d);
    if (out.created) {
      store::deployments::insert(c, d);
    } else {
      store::deployments::replace(c, d);
    }
    if (p.limit_set) store::deployments::set_concurrency_limit(c, d.id, d.concurrency_limit, now);
    store::deployments::delete_scheduled_runs(c, d.id, true, now);
    store::deployments::remove_schedules(c, d.id);
    size_t position = 0;
    for (const auto& s : schedules.value_or(std::vector<ScheduleInput>{})) {
      store::deployments::insert_schedule(c, new_schedule(d.id, s, now, position++));
    }
    auto stored = store::deployments::read(c, d.id);
    if (!stored) return core::Error::internal("deployment vanished during create");
    out.event = before ? runs::deployment_updated_event(c, *before, *stored, now)
                       : runs::deployment_event(c, "prefect.deployment.created", *stored, now);
    out.deployment = std::move(*stored);
    return out;
  });
  if (!result) return result.error();
  if (result->event) ctx.events.publish({std::move(*result->event)});
  (void)placement;
  (void)fields;
  return json_response(result->created ? 201 : 200, core::to_json(result->deployment));
}

core::Result<Response> read_deployment(ApiContext& ctx, const std::string& id) {
  auto d = ctx.db.read<std::optional<core::Deployment>>(
      [&](Connection& c) -> core::Result<std::optional<core::Deployment>> { return store::deployments::read(c, id); });
  if (!d) return d.error();
  if (!*d) return core::Error::not_found(kNotFound);
  return json_response(200, core::to_json(**d));
}

core::Result<Response> read_deployment_by_name(ApiContext& ctx, const std::string& flow_name, const std::string& name) {
  auto d = ctx.db.read<std::optional<core::Deployment>>([&](Connection& c) -> core::Result<std::optional<core::Deployment>> {
    return store::deployments::read_by_name(c, flow_name, name);
  });
  if (!d) return d.error();
  if (!*d) return core::Error::not_found(kNotFound);
  return json_response(200, core::to_json(**d));
}

// Applies schedule inputs to an existing deployment as update_deployment does: targeted by
// slug when every existing and provided schedule has one, else all replaced; a schedule
// without a slug is refused when the existing ones all have one.
core::Result<core::Ok> update_schedules(Connection& c, const core::Deployment& d, const std::vector<ScheduleInput>& in,
                                        core::Timestamp now) {
  bool provided_slugs = std::all_of(in.begin(), in.end(), [](const ScheduleInput& s) { return s.slug.has_value(); });
  bool existing_slugs = !d.schedules.empty() && std::all_of(d.schedules.begin(), d.schedules.end(),
                                                            [](const core::DeploymentSchedule& s) { return s.slug.has_value(); });
  if (!provided_slugs && existing_slugs) {
    return core::Error::invalid(
        "Please provide a slug for each schedule in your request to ensure schedules are updated correctly.");
  }
  store::deployments::delete_scheduled_runs(c, d.id, true, now);
  if (!(provided_slugs && existing_slugs)) {
    store::deployments::remove_schedules(c, d.id);
    size_t position = 0;
    for (const auto& s : in) {
      if (!s.schedule) {
        return core::Error::invalid("Unable to create new deployment schedules without a schedule configuration.");
      }
      store::deployments::insert_schedule(c, new_schedule(d.id, s, now, position++));
    }
    return core::Ok{};
  }
  // Targeted updates: schedules the request does not name are kept (an empty list changes
  // nothing), a new slug is added beside the existing ones, `replaces` renames one.
  std::vector<std::string> replaced;
  size_t position = 0;
  for (const auto& s : in) {
    if (!s.replaces) continue;
    if (std::find(replaced.begin(), replaced.end(), *s.replaces) != replaced.end()) {
      return core::Error::invalid("Multiple schedules have 'replaces' targeting the same slug: " + *s.replaces);
    }
    replaced.push_back(*s.replaces);
  }
  auto existing_slug = [&](const std::string& slug) {
    return std::any_of(d.schedules.begin(), d.schedules.end(),
                       [&](const core::DeploymentSchedule& e) { return e.slug == slug; });
  };
  for (const auto& s : in) {
    if (s.replaces && existing_slug(*s.slug) &&
        std::find(replaced.begin(), replaced.end(), *s.slug) == replaced.end()) {
      return core::Error::invalid("Cannot rename schedule from '" + *s.replaces + "' to '" + *s.slug +
                                  "': a schedule with slug '" + *s.slug + "' already exists.");
    }
  }
  for (const auto& s : in) {
    const std::string& target = s.replaces ? *s.replaces : *s.slug;
    auto it = std::find_if(d.schedules.begin(), d.schedules.end(),
                           [&](const core::DeploymentSchedule& e) { return e.slug == target; });
    if (it == d.schedules.end()) {
      if (!s.schedule) {
        return core::Error::invalid("Unable to create new deployment schedules without a schedule configuration.");
      }
      store::deployments::insert_schedule(c, new_schedule(d.id, s, now, position++));
      continue;
    }
    core::DeploymentSchedule updated = *it;
    if (s.schedule) updated.schedule = *s.schedule;
    if (s.active) updated.active = *s.active;
    if (s.max_runs_set) updated.max_scheduled_runs = s.max_scheduled_runs;
    if (s.parameters) updated.parameters = *s.parameters;
    updated.slug = s.slug;
    updated.updated = now;
    store::deployments::replace_schedule(c, updated);
  }
  return core::Ok{};
}

core::Result<Response> update_deployment(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  if (auto both = both_limits_error(*body)) return *both;
  core::FieldReader check(*body, json::array{"body"});
  core::Deployment scratch;
  (void)apply_fields(check, scratch);
  std::optional<std::vector<ScheduleInput>> schedules;
  if (const json::value* s = check.raw("schedules"); s && !s->is_null()) {
    auto parsed = read_schedule_list(*s, json::array{"body", "schedules"}, false, now);
    if (!parsed) return parsed.error();
    schedules = std::move(*parsed);
  }
  if (!check.ok()) return check.error();
  std::optional<events::Event> updated;
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    auto d = store::deployments::read(c, id);
    if (!d) return core::Error::not_found(kNotFoundDot);
    const core::Deployment before = *d;
    bool was_paused = d->paused;
    core::FieldReader r(*body, json::array{"body"});
    Placement p = apply_fields(r, *d);
    auto placed = place(c, *d, p, now);
    if (!placed) return placed.error();
    auto linked = link_concurrency_limit(c, *d, p);
    if (!linked) return linked.error();
    d->updated = now;
    store::deployments::replace(c, *d);
    if (p.limit_set) store::deployments::set_concurrency_limit(c, d->id, d->concurrency_limit, now);
    if (schedules) {
      auto updated = update_schedules(c, *d, *schedules, now);
      if (!updated) return updated.error();
    }
    if (d->paused && !was_paused) store::deployments::delete_scheduled_runs(c, d->id, true, std::nullopt);
    if (auto after = store::deployments::read(c, id)) updated = runs::deployment_updated_event(c, before, *after, now);
    return core::Ok{};
  });
  if (!st) return st.error();
  if (updated) ctx.events.publish({std::move(*updated)});
  return no_content();
}

core::Result<Response> delete_deployment(ApiContext& ctx, const std::string& id) {
  std::vector<json::object> owned;
  std::optional<events::Event> deleted;
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    auto d = store::deployments::read(c, id);
    if (!d) return false;
    deleted = runs::deployment_event(c, "prefect.deployment.deleted", *d, ctx.clock.now());
    store::deployments::delete_scheduled_runs(c, id, false, std::nullopt);
    // The automations its `triggers:` created go with it (Prefect's OSS server keeps them).
    owned = store::automations::remove_owned_by(c, "prefect.deployment." + id, ctx.clock.now());
    return store::deployments::remove(c, id);
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kNotFound);
  if (deleted) ctx.events.publish({std::move(*deleted)});
  for (const auto& automation : owned) publish_automation_event(ctx, "deleted", automation);
  return no_content();
}

json::array deployments_json(const std::vector<core::Deployment>& ds) {
  json::array out;
  for (const auto& d : ds) out.emplace_back(core::to_json(d));
  return out;
}

core::Result<Response> filter_deployments(ApiContext& ctx, const Request& req) {
  auto list = parse_list_request(req, FilterRoot::kDeployment, ctx.settings.default_limit);
  if (!list) return list.error();
  auto ds = ctx.db.read<std::vector<core::Deployment>>([&](Connection& c) -> core::Result<std::vector<core::Deployment>> {
    return store::deployments::list(c, list->where, list->order_by, list->page.limit, list->page.offset);
  });
  if (!ds) return ds.error();
  return json_response(200, deployments_json(*ds));
}

core::Result<Response> count_deployments(ApiContext& ctx, const Request& req) {
  auto where = parse_count_request(req, FilterRoot::kDeployment);
  if (!where) return where.error();
  auto n = ctx.db.read<int64_t>([&](Connection& c) -> core::Result<int64_t> { return store::deployments::count(c, *where); });
  if (!n) return n.error();
  return json_response(200, *n);
}

core::Result<Response> paginate_deployments(ApiContext& ctx, const Request& req) {
  auto list = parse_list_request(req, FilterRoot::kDeployment, ctx.settings.default_limit);
  if (!list) return list.error();
  struct Page {
    std::vector<core::Deployment> items;
    int64_t count = 0;
  };
  auto page = ctx.db.read<Page>([&](Connection& c) -> core::Result<Page> {
    Page p;
    p.items = store::deployments::list(c, list->where, list->order_by, list->page.limit, list->page.offset);
    p.count = store::deployments::count(c, list->where);
    return p;
  });
  if (!page) return page.error();
  int64_t limit = list->page.limit;
  int64_t pages = limit > 0 ? (page->count + limit - 1) / limit : 0;
  return json_response(200, json::object{{"results", deployments_json(page->items)},
                                         {"count", page->count},
                                         {"limit", limit},
                                         {"pages", pages},
                                         {"page", list->page.page}});
}

core::Result<Response> set_paused(ApiContext& ctx, const std::string& id, bool paused) {
  auto now = ctx.clock.now();
  // No event: Prefect's pause_deployment and resume_deployment set `paused` on the row, not
  // through update_deployment.
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    auto d = store::deployments::read(c, id);
    if (!d) return false;
    d->paused = paused;
    d->updated = now;
    store::deployments::replace(c, *d);
    if (paused) store::deployments::delete_scheduled_runs(c, id, true, std::nullopt);
    return true;
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kNotFound);
  return json_response(200, nullptr);
}

core::Result<Response> create_flow_run(ApiContext& ctx, const Request& req, const std::string& id) {
  json::value body = json::object{};
  if (!req.body.empty()) {
    auto parsed = core::parse_body(req.body);
    if (!parsed) return parsed.error();
    body = std::move(*parsed);
  }
  auto now = ctx.clock.now();
  auto parsed = parse_deployment_flow_run_create(body, json::array{"body"}, now);
  if (!parsed) return parsed.error();
  auto result = ctx.db.write<runs::CreatedFlowRun>([&](Connection& c) -> core::Result<runs::CreatedFlowRun> {
    auto d = store::deployments::read(c, id);
    if (!d) return core::Error::not_found(kNotFound);
    return create_run_from_deployment(c, *d, *parsed, body.as_object(), now);
  });
  if (!result) return result.error();
  if (result->event) ctx.events.publish(std::vector<events::Event>{std::move(*result->event)});
  return json_response(result->created ? 201 : 200, core::to_json(result->run, now));
}

core::Result<Response> get_scheduled_flow_runs(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto ids = r.uuid_list("deployment_ids", true);
  auto before = r.timestamp("scheduled_before");
  if (!r.ok()) return r.error();
  auto page = read_pagination(*body, ctx.settings.default_limit);
  if (!page) return page.error();
  auto now = ctx.clock.now();
  store::SqlCondition where;
  json::array id_list;
  for (const auto& id : *ids) id_list.emplace_back(id);
  where.sql = "flow_run.deployment_id IN (SELECT value FROM json_each(?)) AND flow_run.state_type = 'SCHEDULED'";
  where.params.emplace_back(json::serialize(id_list));
  if (before) {
    where.sql += " AND flow_run.next_scheduled_start_time <= ?";
    where.params.emplace_back(core::to_micros(*before));
  }
  auto runs = ctx.db.read<std::vector<core::FlowRun>>([&](Connection& c) -> core::Result<std::vector<core::FlowRun>> {
    return store::flow_runs::list(c, where, "ORDER BY flow_run.next_scheduled_start_time ASC", page->limit, 0);
  });
  if (!runs) return runs.error();
  auto marked = ctx.db.write<std::vector<events::Event>>([&](Connection& c) -> core::Result<std::vector<events::Event>> {
    return runs::readiness_events(c, store::StatusChanges{.deployments = store::deployments::mark_polled(c, *ids, now)},
                                  now);
  });
  if (!marked) return marked.error();
  if (!marked->empty()) ctx.events.publish(std::move(*marked));
  json::array out;
  for (const auto& run : *runs) out.emplace_back(core::to_json(run, now));
  return json_response(200, out);
}

// ---- schedules

core::Result<Response> read_schedules(ApiContext& ctx, const std::string& id) {
  auto out = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    if (!store::deployments::read(c, id)) return core::Error::not_found(kNotFoundDot);
    json::array a;
    for (const auto& s : store::deployments::read_schedules(c, id)) a.emplace_back(core::to_json(s));
    return a;
  });
  if (!out) return out.error();
  return json_response(200, *out);
}

core::Result<Response> create_schedules(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  auto inputs = read_schedule_list(*body, json::array{"body"}, true, now);
  if (!inputs) return inputs.error();
  auto out = ctx.db.write<json::array>([&](Connection& c) -> core::Result<json::array> {
    auto d = store::deployments::read(c, id);
    if (!d) return core::Error::not_found(kNotFoundDot);
    std::vector<std::string> slugs;
    for (const auto& s : d->schedules) {
      if (s.slug) slugs.push_back(*s.slug);
    }
    json::array a;
    for (const auto& in : *inputs) {
      if (in.slug) {
        if (std::find(slugs.begin(), slugs.end(), *in.slug) != slugs.end()) {
          return core::Error::invalid("Schedule slugs must be unique within a deployment.");
        }
        slugs.push_back(*in.slug);
      }
      auto s = new_schedule(id, in, now, a.size());
      store::deployments::insert_schedule(c, s);
      a.emplace_back(core::to_json(s));
    }
    // The deployment changed: the scheduler's fast pass picks it up.
    c.prepare("UPDATE deployment SET updated = ?2 WHERE id = ?1").bind(1, id).bind(2, core::to_micros(now)).run();
    return a;
  });
  if (!out) return out.error();
  return json_response(201, *out);
}

core::Result<Response> update_schedule(ApiContext& ctx, const Request& req, const std::string& id,
                                       const std::string& schedule_id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  core::FieldReader r(*body, json::array{"body"});
  ScheduleInput in;
  read_schedule_fields(r, in, false, now);
  if (!r.ok()) return r.error();
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    if (!store::deployments::read(c, id)) return core::Error::not_found(kNotFoundDot);
    auto s = store::deployments::read_schedule(c, id, schedule_id);
    if (!s) return core::Error::not_found("Schedule not found.");
    if (in.schedule) s->schedule = *in.schedule;
    if (in.active) s->active = *in.active;
    if (in.max_runs_set) s->max_scheduled_runs = in.max_scheduled_runs;
    if (in.parameters) s->parameters = *in.parameters;
    if (r.present("slug")) s->slug = in.slug;
    s->updated = now;
    store::deployments::replace_schedule(c, *s);
    // Runs made from the old definition go; the scheduler makes new ones.
    store::deployments::delete_scheduled_runs(c, id, true, now);
    c.prepare("UPDATE deployment SET updated = ?2 WHERE id = ?1").bind(1, id).bind(2, core::to_micros(now)).run();
    return core::Ok{};
  });
  if (!st) return st.error();
  return no_content();
}

core::Result<Response> delete_schedule(ApiContext& ctx, const std::string& id, const std::string& schedule_id) {
  auto now = ctx.clock.now();
  auto st = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    if (!store::deployments::read(c, id)) return core::Error::not_found(kNotFoundDot);
    if (!store::deployments::remove_schedule(c, id, schedule_id)) return core::Error::not_found("Schedule not found.");
    store::deployments::delete_scheduled_runs(c, id, true, now);
    return core::Ok{};
  });
  if (!st) return st.error();
  return no_content();
}

}  // namespace

void register_deployment_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/deployments/",
             [&ctx](const Request& req, const PathParams&) { return create_deployment(ctx, req); });
  router.add("POST", "/api/deployments/filter",
             [&ctx](const Request& req, const PathParams&) { return filter_deployments(ctx, req); });
  router.add("POST", "/api/deployments/count",
             [&ctx](const Request& req, const PathParams&) { return count_deployments(ctx, req); });
  router.add("POST", "/api/deployments/paginate",
             [&ctx](const Request& req, const PathParams&) { return paginate_deployments(ctx, req); });
  router.add("POST", "/api/deployments/get_scheduled_flow_runs",
             [&ctx](const Request& req, const PathParams&) { return get_scheduled_flow_runs(ctx, req); });
  router.add("GET", "/api/deployments/name/{flow}/{name}",
             [&ctx](const Request&, const PathParams& p) { return read_deployment_by_name(ctx, p.at("flow"), p.at("name")); });
  router.add("GET", "/api/deployments/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_deployment(ctx, p.at("id")); });
  router.add("PATCH", "/api/deployments/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update_deployment(ctx, req, p.at("id")); });
  router.add("DELETE", "/api/deployments/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return delete_deployment(ctx, p.at("id")); });
  router.add("POST", "/api/deployments/{id:uuid}/pause_deployment",
             [&ctx](const Request&, const PathParams& p) { return set_paused(ctx, p.at("id"), true); });
  router.add("POST", "/api/deployments/{id:uuid}/resume_deployment",
             [&ctx](const Request&, const PathParams& p) { return set_paused(ctx, p.at("id"), false); });
  router.add("POST", "/api/deployments/{id:uuid}/create_flow_run",
             [&ctx](const Request& req, const PathParams& p) { return create_flow_run(ctx, req, p.at("id")); });
  router.add("GET", "/api/deployments/{id:uuid}/schedules",
             [&ctx](const Request&, const PathParams& p) { return read_schedules(ctx, p.at("id")); });
  router.add("POST", "/api/deployments/{id:uuid}/schedules",
             [&ctx](const Request& req, const PathParams& p) { return create_schedules(ctx, req, p.at("id")); });
  router.add("PATCH", "/api/deployments/{id:uuid}/schedules/{schedule_id:uuid}", [&ctx](const Request& req, const PathParams& p) {
    return update_schedule(ctx, req, p.at("id"), p.at("schedule_id"));
  });
  router.add("DELETE", "/api/deployments/{id:uuid}/schedules/{schedule_id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return delete_schedule(ctx, p.at("id"), p.at("schedule_id")); });
}

}  // namespace praetor::api

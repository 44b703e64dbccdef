// /api/flow_runs routes (Prefect's api/flow_runs.py): create, read, update, delete (one or in
// bulk), labels, filter/count/paginate, set_state (one or in bulk) and resume. Creation goes through runs::create_flow_run,
// every later state change through apply_flow_run_transition, each in one database write;
// the event is published after the commit.
#include <regex>

#include "api/async_write.h"
#include "api/deployment_support.h"
#include "api/flow_run_inputs.h"
#include "runs/flow_run_creation.h"
#include "runs/flow_run_transition.h"
#include "api/list_request.h"
#include "api/list_routes.h"
#include "api/routes.h"
#include "core/json_schema.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/flow_repository.h"
#include "store/deployment_repository.h"
#include "store/flow_run_repository.h"

namespace praetor::api {

using runs::apply_flow_run_transition;
using runs::orchestration_result_json;
using runs::TransitionOutcome;

namespace json = boost::json;
using store::Connection;

namespace {

constexpr const char* kNotFound = "Flow run not found";

std::string object_not_found(const std::string& id) { return "Flow run with id " + id + " not found"; }

// The transition's request-level inputs: the client's version as Prefect's server parses it
// from the User-Agent ("prefect/3.9.1 (API 0.8.4)"), and the concurrency settings.
runs::TransitionContext transition_context(const ApiContext& ctx, const Request& req) {
  static const std::regex kUserAgent(R"(^prefect/(\d+\.\d+\.\d+(?:[a-z.+0-9]+)?) \(API \S+\)$)");
  runs::TransitionContext out;
  if (auto agent = req.header("user-agent")) {
    std::smatch m;
    if (std::regex_match(*agent, m, kUserAgent)) out.client_version = m[1].str();
  }
  out.concurrency.slot_wait_seconds = ctx.settings.deployment_concurrency_slot_wait_seconds;
  out.concurrency.initial_lease_seconds = ctx.settings.initial_deployment_lease_seconds;
  return out;
}

void publish(ApiContext& ctx, std::optional<events::Event> event) {
  if (event) ctx.events.publish(std::vector<events::Event>{std::move(*event)});
}

// Non-blocking (Router::add_async): the response is built once the write has committed.
void create_flow_run(ApiContext& ctx, const Request& req, Respond respond) {
  auto body = core::parse_body(req.body);
  if (!body) return respond_now(respond, body.error());
  auto now = ctx.clock.now();
  auto parsed = core::parse_flow_run_create(*body, now);
  if (!parsed) return respond_now(respond, parsed.error());
  core::FlowRun run = std::move(parsed->run);
  run.id = core::new_uuid7();
  run.created = run.updated = now;
  core::State initial;
  if (parsed->state) {
    initial = std::move(*parsed->state);
  } else {
    initial.type = core::StateType::kPending;
    initial.name = "Pending";
  }
  auto write = [run = std::move(run), initial = std::move(initial), now](Connection& c) mutable
      -> core::Result<runs::CreatedFlowRun> {
    if (run.work_pool_name) {
      auto queue = resolve_work_queue(c, *run.work_pool_name, run.work_queue_name, false, now);
      if (!queue) return queue.error();
      run.work_queue_id = queue->id;
      run.work_queue_name = queue->name;
    }
    // System labels: the flow's labels, then prefect.flow.id, then the caller's
    // (with_system_labels_for_flow_run).
    if (auto flow = store::flows::read(c, run.flow_id)) {
      json::object labels = flow->at("labels").as_object();
      labels["prefect.flow.id"] = run.flow_id;
      for (const auto& kv : run.labels) labels[kv.key()] = kv.value();
      run.labels = std::move(labels);
    }
    return runs::create_flow_run(c, run, initial, now);
  };
  write_then<runs::CreatedFlowRun>(
      ctx.db, std::move(respond), std::move(write), [&ctx, now](runs::CreatedFlowRun& result) -> core::Result<Response> {
        publish(ctx, std::move(result.event));
        return json_response(result.created ? 201 : 200, core::to_json(result.run, now));
      });
}

core::Result<Response> read_flow_run(ApiContext& ctx, const std::string& id) {
  auto run = ctx.db.read<std::optional<core::FlowRun>>(
      [&](Connection& c) -> core::Result<std::optional<core::FlowRun>> { return store::flow_runs::read(c, id); });
  if (!run) return run.error();
  if (!*run) return core::Error::not_found(kNotFound);
  return json_response(200, core::to_json(**run, ctx.clock.now()));
}

core::Result<Response> update_flow_run(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto update = core::parse_flow_run_update(*body);
  if (!update) return update.error();
  auto now = ctx.clock.now();
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    if (update->job_variables) {
      // Job variables may change only on a scheduled deployment run.
      auto run = store::flow_runs::read(c, id);
      if (!run) return core::Error::not_found(kNotFound);
      if (!run->state) {
        return core::Error::bad_request("Flow run state is required to update job variables but none exists");
      }
      if (run->state->type != core::StateType::kScheduled) {
        return core::Error::bad_request("Job variables for a flow run in state " +
                                        std::string(core::to_string(run->state->type)) + " cannot be updated");
      }
      if (!run->deployment_id || !store::deployments::read(c, *run->deployment_id)) {
        return core::Error::bad_request("A deployment for the flow run could not be found");
      }
    }
    return store::flow_runs::update(c, id, *update, now);
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kNotFound);
  return no_content();
}

core::Result<Response> delete_flow_run(ApiContext& ctx, const std::string& id) {
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> { return store::flow_runs::remove(c, id); });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kNotFound);
  return no_content();
}

core::Result<Response> update_labels(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  if (!body->is_object()) {
    return core::validation_error(json::array{"body"}, "dict_type", "Input should be a valid dictionary", *body);
  }
  auto now = ctx.clock.now();
  auto found = ctx.db.write<bool>(
      [&](Connection& c) -> core::Result<bool> { return store::flow_runs::patch_labels(c, id, body->get_object(), now); });
  if (!found) return found.error();
  if (!*found) return core::Error::object_not_found(object_not_found(id));
  return no_content();
}

// 201 when the result carries a state written by this request, else 200 (upstream
// compares the state's timestamp with the request's start).
Response orchestration_response(const orchestration::FlowRunDecision& d) {
  return json_response(d.written ? 201 : 200, orchestration_result_json(d));
}

// Non-blocking (Router::add_async): the response is built once the write has committed.
void set_state(ApiContext& ctx, const Request& req, const std::string& id, Respond respond) {
  auto body = core::parse_body(req.body);
  if (!body) return respond_now(respond, body.error());
  auto now = ctx.clock.now();
  core::FieldReader r(*body, json::array{"body"});
  bool force = r.boolean("force").value_or(false);
  std::optional<core::State> proposed;
  if (r.is_object()) {
    if (const json::value* s = r.raw("state"); s && !s->is_null()) {
      auto parsed = core::parse_state_create(*s, json::array{"body", "state"}, now);
      if (!parsed) return respond_now(respond, parsed.error());
      proposed = std::move(*parsed);
    } else {
      (void)r.object("state", true);
    }
  }
  if (!r.ok()) return respond_now(respond, r.error());
  auto write = [id, proposed = std::move(*proposed), force, now,
                context = transition_context(ctx, req)](Connection& c) -> core::Result<TransitionOutcome> {
    store::flow_runs::lock_for_update(c, id);
    auto run = store::flow_runs::read(c, id);
    if (!run) return core::Error::object_not_found(object_not_found(id));
    return apply_flow_run_transition(c, *run, proposed, force, now, context);
  };
  write_then<TransitionOutcome>(ctx.db, std::move(respond), std::move(write),
                                [&ctx](TransitionOutcome& outcome) -> core::Result<Response> {
                                  publish(ctx, std::move(outcome.event));
                                  return orchestration_response(outcome.decision);
                                });
}

// The runs a bulk route acts on: those matching its "flow_runs" filter (the only filter
// it takes, as in Prefect), in the default order, at most the body's bulk limit.
core::Result<std::vector<std::string>> bulk_targets(ApiContext& ctx, const json::object& body) {
  auto limit = read_bulk_limit(body);
  if (!limit) return limit.error();
  json::object filter_only;
  if (const json::value* f = body.if_contains("flow_runs")) filter_only["flow_runs"] = *f;
  auto where = compile_filter_body(filter_only, FilterRoot::kFlowRun);
  if (!where) return where.error();
  auto order = compile_sort(nullptr, FilterRoot::kFlowRun);
  if (!order) return order.error();
  return ctx.db.read<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    for (const auto& run : store::flow_runs::list(c, *where, *order, *limit, 0)) ids.push_back(run.id);
    return ids;
  });
}

// POST /flow_runs/bulk_delete {"flow_runs", "limit"} → {"deleted": [ids]}.
core::Result<Response> bulk_delete(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto targets = bulk_targets(ctx, *body);
  if (!targets) return targets.error();
  auto deleted = ctx.db.write<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    return store::flow_runs::remove_many(c, *targets);
  });
  if (!deleted) return deleted.error();
  json::array ids;
  for (const auto& id : *deleted) ids.emplace_back(id);
  return json_response(200, json::object{{"deleted", std::move(ids)}});
}

// POST /flow_runs/bulk_set_state {"flow_runs", "state", "force", "limit"}: each matching run
// goes through the flow-run policy in its own transaction, as set_state would take it;
// {"results": [{flow_run_id, status, state, details}]}.
core::Result<Response> bulk_set_state(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto now = ctx.clock.now();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  bool force = r.boolean("force").value_or(false);
  std::optional<core::State> proposed;
  if (const json::value* s = r.raw("state"); s && !s->is_null()) {
    auto parsed = core::parse_state_create(*s, json::array{"body", "state"}, now);
    if (!parsed) return parsed.error();
    proposed = std::move(*parsed);
  } else {
    (void)r.object("state", true);
  }
  if (!r.ok()) return r.error();
  auto targets = bulk_targets(ctx, *body);
  if (!targets) return targets.error();
  const runs::TransitionContext context = transition_context(ctx, req);
  json::array results;
  for (const auto& id : *targets) {
    auto outcome = ctx.db.write<TransitionOutcome>([&](Connection& c) -> core::Result<TransitionOutcome> {
      store::flow_runs::lock_for_update(c, id);
      auto run = store::flow_runs::read(c, id);
      if (!run) return core::Error::object_not_found(object_not_found(id));
      return apply_flow_run_transition(c, *run, *proposed, force, now, context);
    });
    json::object result{{"flow_run_id", id}};
    if (outcome) {
      publish(ctx, std::move(outcome->event));
      json::object decided = orchestration_result_json(outcome->decision);
      result["status"] = decided["status"];
      result["state"] = decided["state"];
      result["details"] = decided["details"];
    } else {  // as upstream: a run that failed to transition is reported, the others go on
      result["status"] = "ABORT";
      result["state"] = nullptr;
      result["details"] = json::object{{"type", "abort_details"}, {"reason", outcome.error().message}};
    }
    results.emplace_back(std::move(result));
  }
  return json_response(200, json::object{{"results", std::move(results)}});
}

// POST /flow_runs/{id}/resume {"run_input": …}: a paused run goes back to RUNNING (or to
// a "Resuming" SCHEDULED state after a suspension), through the normal policy.
core::Result<Response> resume(ApiContext& ctx, const Request& req, const std::string& id) {
  json::value body;
  if (!req.body.empty()) {
    auto parsed = core::parse_body(req.body);
    if (!parsed) return parsed.error();
    body = std::move(*parsed);
  }
  json::object run_input;
  if (!body.is_null()) {
    core::FieldReader r(body, json::array{"body"});
    if (const json::object* given = r.object("run_input")) run_input = *given;
    if (!r.ok()) return r.error();
  }
  auto now = ctx.clock.now();
  const runs::TransitionContext context = transition_context(ctx, req);
  auto outcome = ctx.db.write<TransitionOutcome>([&](Connection& c) -> core::Result<TransitionOutcome> {
    store::flow_runs::lock_for_update(c, id);
    auto run = store::flow_runs::read(c, id);
    if (!run) return core::Error::not_found(kNotFound);
    TransitionOutcome out;
    if (!run->state || run->state->type != core::StateType::kPaused) {
      out.decision.status = orchestration::SetStateStatus::kAbort;
      out.decision.reason = "Cannot resume a flow run that is not paused.";
      return out;
    }
    const auto& details = run->state->state_details;
    // A pause that waits for input names the keys of its RunInput's schema and of the answer
    // (state_details.run_input_keyset); the input must conform to that schema.
    const json::object* keyset = nullptr;
    if (auto it = details.find("run_input_keyset"); it != details.end()) keyset = it->value().if_object();
    if (keyset) {
      auto reject = [&](std::string reason) {
        out.decision.status = orchestration::SetStateStatus::kReject;
        out.decision.reason = std::move(reason);
        out.decision.response_state = run->state;
        return out;
      };
      const json::value* schema_key = keyset->if_contains("schema");
      auto schema_input = schema_key && schema_key->is_string()
                              ? find_flow_run_input(c, id, std::string(schema_key->get_string()))
                              : std::nullopt;
      if (!schema_input) return reject("Run input schema not found.");
      boost::system::error_code ec;
      json::value schema = json::parse(schema_input->at("value").get_string(), ec);
      if (ec) return reject("Run input schema is not valid JSON.");
      // Worded as Prefect's schema_tools.validate words jsonschema's best error.
      if (auto violation = core::json_schema_violation(run_input, schema)) {
        std::string where = violation->path == "$" ? "Validation failed."
                                                   : "Validation failed for field '" + violation->path.substr(2) + "'.";
        return reject("Reason: " + where + " Failure reason: " + violation->message);
      }
    }
    core::State proposed;
    auto reschedule = details.find("pause_reschedule");
    if (reschedule != details.end() && reschedule->value().is_bool() && reschedule->value().get_bool()) {
      proposed.type = core::StateType::kScheduled;
      proposed.name = "Resuming";
      proposed.state_details["scheduled_time"] = core::format_timestamp(now);
    } else {
      proposed.type = core::StateType::kRunning;
      proposed.name = "Running";
    }
    auto moved = apply_flow_run_transition(c, *run, std::move(proposed), false, now, context);
    const json::value* response_key = keyset ? keyset->if_contains("response") : nullptr;
    if (moved && moved->decision.status == orchestration::SetStateStatus::kAccept && !run_input.empty() &&
        response_key && response_key->is_string()) {
      insert_flow_run_input(c, id, std::string(response_key->get_string()), core::to_json_text(run_input), now);
    }
    return moved;
  });
  if (!outcome) return outcome.error();
  publish(ctx, std::move(outcome->event));
  // Upstream answers a refused run input with abort-shaped details.
  if (outcome->decision.status == orchestration::SetStateStatus::kReject && !outcome->decision.written) {
    json::object result = orchestration_result_json(outcome->decision);
    result["details"] = json::object{{"type", "abort_details"}, {"reason", outcome->decision.reason.value_or("")}};
    return json_response(200, result);
  }
  return orchestration_response(outcome->decision);
}

// The expected-start window (µs bounds, either may be open) that a validated flow-run filter
// body holds every run it keeps to: the flow_runs filter's expected_start_time under its
// default "and_" operator (the filter registry ANDs every other part of the body onto it).
// Nullopt when the body has none.
std::optional<std::pair<std::optional<int64_t>, std::optional<int64_t>>> expected_start_window(
    const json::object& body) {
  const auto* runs = body.if_contains("flow_runs");
  if (!runs || !runs->is_object()) return std::nullopt;
  const auto* op = runs->as_object().if_contains("operator");
  if (op && !op->is_null() && !(op->is_string() && op->as_string() == "and_")) return std::nullopt;
  const auto* window = runs->as_object().if_contains("expected_start_time");
  if (!window || !window->is_object()) return std::nullopt;
  auto bound = [&](const char* key, std::optional<int64_t>& out) {
    const auto* v = window->as_object().if_contains(key);
    if (!v || v->is_null()) return true;
    auto t = v->is_string() ? core::parse_timestamp(v->as_string()) : std::nullopt;
    if (t) out = core::to_micros(*t);
    return t.has_value();
  };
  std::optional<int64_t> after;
  std::optional<int64_t> before;
  if (!bound("after_", after) || !bound("before_", before) || (!after && !before)) return std::nullopt;
  return std::make_pair(after, before);
}

ListSource flow_run_list_source(ApiContext& ctx) {
  return {root_query(FilterRoot::kFlowRun),
          [&ctx](Connection& c, const store::SqlCondition& where, const std::string& order_by,
                 const Pagination& page) {
            json::array out;
            auto now = ctx.clock.now();
            for (const auto& run : store::flow_runs::list(c, where, order_by, page.limit, page.offset)) {
              out.emplace_back(core::to_json(run, now));
            }
            return out;
          },
          [](Connection& c, const store::SqlCondition& where) { return store::flow_runs::count(c, where); },
          {},
          // The runs page (START_TIME_DESC) of an expected-start window: its walk bounded to
          // the window's range of the order key.
          [](Connection& c, const json::object& body,
             const Pagination&) -> std::optional<store::SqlCondition> {
            const auto* sort = body.if_contains("sort");
            if (!sort || !sort->is_string() ||
                (sort->as_string() != "START_TIME_DESC" && sort->as_string() != "START_TIME_ASC")) {
              return std::nullopt;
            }
            auto window = expected_start_window(body);
            return window ? store::flow_runs::start_order_range(c, window->first, window->second) : std::nullopt;
          }};
}

}  // namespace

void register_flow_run_routes(Router& router, ApiContext& ctx) {
  router.add_async("POST", "/api/flow_runs/", [&ctx](const Request& req, const PathParams&, Respond respond) {
    create_flow_run(ctx, req, std::move(respond));
  });
  add_list_routes(router, ctx, "/api/flow_runs", flow_run_list_source(ctx));
  router.add("GET", "/api/flow_runs/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_flow_run(ctx, p.at("id")); });
  router.add("PATCH", "/api/flow_runs/{id:uuid}",
             [&ctx](const Request& req, const PathParams& p) { return update_flow_run(ctx, req, p.at("id")); });
  router.add("DELETE", "/api/flow_runs/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return delete_flow_run(ctx, p.at("id")); });
  router.add("PATCH", "/api/flow_runs/{id:uuid}/labels",
             [&ctx](const Request& req, const PathParams& p) { return update_labels(ctx, req, p.at("id")); });
  router.add_async("POST", "/api/flow_runs/{id:uuid}/set_state",
                   [&ctx](const Request& req, const PathParams& p, Respond respond) {
                     set_state(ctx, req, p.at("id"), std::move(respond));
                   });
  router.add("POST", "/api/flow_runs/bulk_delete",
             [&ctx](const Request& req, const PathParams&) { return bulk_delete(ctx, req); });
  router.add("POST", "/api/flow_runs/bulk_set_state",
             [&ctx](const Request& req, const PathParams&) { return bulk_set_state(ctx, req); });
  router.add("POST", "/api/flow_runs/{id:uuid}/resume",
             [&ctx](const Request& req, const PathParams& p) { return resume(ctx, req, p.at("id")); });
}

}  // namespace praetor::api

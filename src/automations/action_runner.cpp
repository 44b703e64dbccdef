#include "automations/action_runner.h"

#include <optional>

#include <spdlog/spdlog.h>

#include "automations/block_actions.h"
#include "core/uuid.h"

namespace praetor::automations {

namespace json = boost::json;

namespace {

// Renders templates inside run-deployment parameters: plain strings holding "{{" (Prefect
// upgrades these v1 templates) and {"__prefect_kind": "jinja", "template": …} values.
core::Result<json::value> render_parameters(const json::value& v, const ActionContext& ctx) {
  auto render = [&](const std::string& text) -> core::Result<json::value> {
    auto out = ctx.render(text);
    if (!out) return out.error();
    return json::value(*out);
  };
  if (v.is_string() && v.get_string().find("{{") != json::string::npos) return render(std::string(v.get_string()));
  if (const json::object* o = v.if_object()) {
    auto kind = o->find("__prefect_kind");
    if (kind != o->end() && kind->value().is_string()) {
      std::string k(kind->value().get_string());
      if (k == "jinja") return render(string_at(*o, "template"));
      if (k == "none") return json::value(nullptr);
      if (k == "json") {
        json::error_code ec;
        auto parsed = json::parse(string_at(*o, "value"), ec);
        if (ec) return core::Error::invalid("invalid JSON parameter value");
        return parsed;
      }
      return core::Error::invalid("unsupported parameter kind " + k);
    }
    json::object out;
    for (const auto& kv : *o) {
      auto r = render_parameters(kv.value(), ctx);
      if (!r) return r.error();
      out[kv.key()] = std::move(*r);
    }
    return json::value(std::move(out));
  }
  if (const json::array* a = v.if_array()) {
    json::array out;
    for (const auto& item : *a) {
      auto r = render_parameters(item, ctx);
      if (!r) return r.error();
      out.push_back(std::move(*r));
    }
    return json::value(std::move(out));
  }
  return v;
}

std::optional<std::string> selected_or_inferred(const json::object& action, const ActionContext& ctx,
                                                const std::string& id_field, const std::string& kind,
                                                const std::string& noun, Outcome& outcome) {
  if (string_at(action, "source") == "inferred") {
    if (!ctx.event()) {
      outcome.failure = "No event to infer the " + noun;
      return std::nullopt;
    }
    auto id = ctx.id_of_first_resource_of_kind(kind);
    if (!id) outcome.failure = "No " + noun + " could be inferred";
    return id;
  }
  auto id = string_at(action, id_field);
  if (id.empty()) {
    outcome.failure = id_field + " is required";
    return std::nullopt;
  }
  return id;
}

void check(const ApiReply& r, Outcome& outcome) {
  outcome.details["status_code"] = r.status;
  if (r.status >= 300) outcome.failure = reason_from(r);
}

std::optional<std::string> flow_run_of(const ActionContext& ctx, Outcome& outcome) {
  auto labeled = string_at(ctx.labels(), "prefect.resource.id");
  if (labeled.starts_with("prefect.flow-run.")) {
    if (auto id = core::parse_uuid(labeled.substr(17))) return *id;
  }
  if (auto id = ctx.id_of_first_resource_of_kind("prefect.flow-run")) return id;
  outcome.failure = "No flow run could be inferred";
  return std::nullopt;
}

void set_flow_run_state(const ActionContext& ctx, const std::string& id, json::object state, bool force,
                        Outcome& outcome) {
  outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.flow-run." + id}, {"prefect.resource.role", "target"}});
  auto r = ctx.call("POST", "/api/flow_runs/" + id + "/set_state", json::object{{"state", std::move(state)}, {"force", force}});
  check(r, outcome);
  if (outcome.failure) return;
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return;
  auto status = string_at(v.get_object(), "status");
  if (status != "ACCEPT") {
    std::string reason;
    if (auto d = v.get_object().find("details"); d != v.get_object().end() && d->value().is_object())
      reason = string_at(d->value().get_object(), "reason");
    outcome.failure = "Failed to set state: " + reason;
  }
}

Outcome perform(const json::object& ta, const ActionContext& ctx) {
  Outcome outcome;
  const core::Clock& clock = ctx.clock();
  const json::object empty;
  const json::object& action = ta.contains("action") && ta.at("action").is_object() ? ta.at("action").get_object() : empty;
  const std::string type = string_at(action, "type");
  const std::string automation_id = ctx.automation_id();

  if (type == "do-nothing") return outcome;

  if (type == "run-deployment" || type == "pause-deployment" || type == "resume-deployment") {
    auto id = selected_or_inferred(action, ctx, "deployment_id", "prefect.deployment", "deployment", outcome);
    if (!id) return outcome;
    outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.deployment." + *id}, {"prefect.resource.role", "target"}});
    if (type != "run-deployment") {
      check(ctx.call("POST", "/api/deployments/" + *id + (type == "pause-deployment" ? "/pause_deployment" : "/resume_deployment")),
            outcome);
      return outcome;
    }
    json::value parameters = json::object{};
    if (auto p = action.find("parameters"); p != action.end() && !p->value().is_null()) {
      auto rendered = render_parameters(p->value(), ctx);
      if (!rendered) {
        outcome.failure = rendered.error().message;
        outcome.details["template_error"] = rendered.error().message;
        return outcome;
      }
      parameters = std::move(*rendered);
    }
    auto after = std::chrono::microseconds(0);
    if (auto s = action.find("schedule_after"); s != action.end() && s->value().is_number())
      after = std::chrono::microseconds(static_cast<int64_t>(s->value().to_number<double>() * 1e6));
    json::object body{
        {"state", json::object{{"type", "SCHEDULED"},
                               {"name", "Scheduled"},
                               {"state_details", json::object{{"scheduled_time", core::format_timestamp(clock.now() + after)}}}}},
        {"parameters", std::move(parameters)},
        {"idempotency_key", "automation " + automation_id + ", action " +
                                std::to_string(ta.at("action_index").to_number<int64_t>()) + ", invocation " + string_at(ta, "id")}};
    if (auto jv = action.find("job_variables"); jv != action.end() && !jv->value().is_null()) body["job_variables"] = jv->value();
    auto r = ctx.call("POST", "/api/deployments/" + *id + "/create_flow_run", body);
    if (r.status < 300) {
      auto v = json::parse(r.body);
      if (v.is_object()) {
        outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.flow-run." + string_at(v.get_object(), "id")},
                                               {"prefect.resource.role", "flow-run"},
                                               {"prefect.resource.name", string_at(v.get_object(), "name")}});
      }
    }
    if (r.status == 409) {
      json::error_code ec;
      auto v = json::parse(r.body, ec);
      if (!ec && v.is_object() && v.get_object().contains("detail")) outcome.details["validation_error"] = v.get_object().at("detail");
    }
    check(r, outcome);
    return outcome;
  }

  if (type == "pause-work-pool" || type == "resume-work-pool") {
    auto id = selected_or_inferred(action, ctx, "work_pool_id", "prefect.work-pool", "work pool", outcome);
    if (!id) return outcome;
    auto found = ctx.call("POST", "/api/work_pools/filter",
                          json::object{{"work_pools", json::object{{"id", json::object{{"any_", json::array{*id}}}}}}});
    json::error_code ec;
    auto pools = json::parse(found.body, ec);
    if (found.status >= 300 || ec || !pools.is_array() || pools.get_array().empty() || !pools.get_array()[0].is_object()) {
      outcome.failure = "Work pool " + *id + " not found";
      return outcome;
    }
    auto name = string_at(pools.get_array()[0].get_object(), "name");
    outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.work-pool." + *id},
                                           {"prefect.resource.name", name},
                                           {"prefect.resource.role", "target"}});
    check(ctx.call("PATCH", "/api/work_pools/" + name, json::object{{"is_paused", type == "pause-work-pool"}}), outcome);
    return outcome;
  }

  if (type == "pause-work-queue" || type == "resume-work-queue") {
    auto id = selected_or_inferred(action, ctx, "work_queue_id", "prefect.work-queue", "work queue", outcome);
    if (!id) return outcome;
    outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.work-queue." + *id}, {"prefect.resource.role", "target"}});
    check(ctx.call("PATCH", "/api/work_queues/" + *id, json::object{{"is_paused", type == "pause-work-queue"}}), outcome);
    return outcome;
  }

  if (type == "pause-automation" || type == "resume-automation") {
    auto id = selected_or_inferred(action, ctx, "automation_id", "prefect.automation", "automation", outcome);
    if (!id) return outcome;
    outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.automation." + *id}, {"prefect.resource.role", "target"}});
    check(ctx.call("PATCH", "/api/automations/" + *id, json::object{{"enabled", type == "resume-automation"}}), outcome);
    return outcome;
  }

  if (type == "cancel-flow-run" || type == "suspend-flow-run" || type == "change-flow-run-state") {
    auto id = flow_run_of(ctx, outcome);
    if (!id) return outcome;
    json::object state;
    bool force = false;
    if (type == "cancel-flow-run") {
      state = {{"type", "CANCELLING"}, {"message", "Cancelled by Automation " + automation_id}};
    } else if (type == "suspend-flow-run") {
      // Prefect's Suspended(timeout_seconds=3600): a PAUSED state that gives the run up.
      state = {{"type", "PAUSED"},
               {"name", "Suspended"},
               {"message", "Suspended by Automation " + automation_id},
               {"state_details", json::object{{"pause_timeout", core::format_timestamp(clock.now() + std::chrono::hours(1))},
                                              {"pause_reschedule", true}}}};
    } else {
      auto message = string_at(action, "message");
      state = {{"type", string_at(action, "state")},
               {"message", message.empty() ? "State changed by Automation " + automation_id : message}};
      if (auto n = action.find("name"); n != action.end() && n->value().is_string()) state["name"] = n->value();
      if (auto f = action.find("force"); f != action.end() && f->value().is_bool()) force = f->value().get_bool();
    }
    set_flow_run_state(ctx, *id, std::move(state), force, outcome);
    return outcome;
  }

  if (type == "delete-flow-run" || type == "resume-flow-run") {
    auto id = flow_run_of(ctx, outcome);
    if (!id) return outcome;
    outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.flow-run." + *id}, {"prefect.resource.role", "target"}});
    if (type == "delete-flow-run") {
      check(ctx.call("DELETE", "/api/flow_runs/" + *id), outcome);
      return outcome;
    }
    auto r = ctx.call("POST", "/api/flow_runs/" + *id + "/resume", json::object{});
    json::error_code ec;
    auto v = json::parse(r.body, ec);
    if (r.status >= 300 || ec || !v.is_object() || string_at(v.get_object(), "status") != "ACCEPT") {
      std::string reason = r.status >= 300 ? reason_from(r) : std::string();
      if (!ec && v.is_object()) {
        if (auto d = v.get_object().find("details"); d != v.get_object().end() && d->value().is_object())
          reason = string_at(d->value().get_object(), "reason");
      }
      outcome.failure = "Failed to resume flow run: " + reason;
    }
    return outcome;
  }

  if (type == "call-webhook") return call_webhook(action, ctx);
  if (type == "send-notification") return send_notification(action, ctx);

  outcome.failure = "Praetor does not run " + (type.empty() ? std::string("untyped") : type) + " actions";
  return outcome;
}

}  // namespace

std::vector<events::Event> run_action(const json::object& ta, const ActionPorts& ports, const core::Clock& clock) {
  Outcome outcome;
  try {
    outcome = perform(ta, ActionContext(ta, ports, clock));
  } catch (const std::exception& e) {
    outcome.failure = std::string("internal error: ") + e.what();
  }
  const json::object empty;
  const json::object& action = ta.contains("action") && ta.at("action").is_object() ? ta.at("action").get_object() : empty;
  if (outcome.failure) {
    spdlog::warn("automation {}: action {} ({}) failed: {}", string_at(ta, "automation_id"),
                 ta.contains("action_index") ? json::serialize(ta.at("action_index")) : "?", string_at(action, "type"),
                 *outcome.failure);
  }

  json::object resource{{"prefect.resource.id", "prefect.automation." + string_at(ta, "automation_id")},
                        {"prefect.resource.name", string_at(ta, "automation_name")},
                        {"prefect.trigger-type", string_at(ta, "trigger_type")}};
  if (auto p = ta.find("posture"); p != ta.end() && p->value().is_string()) resource["prefect.posture"] = p->value();
  json::array related = outcome.related;
  if (auto id = string_at(ta, "automation_triggered_event_id"); !id.empty())
    related.push_back(json::object{{"prefect.resource.id", "prefect.event." + id}, {"prefect.resource.role", "automation-triggered-event"}});
  const json::object* triggering = nullptr;
  if (auto it = ta.find("triggering_event"); it != ta.end() && it->value().is_object()) triggering = &it->value().get_object();
  if (triggering)
    related.push_back(json::object{{"prefect.resource.id", "prefect.event." + string_at(*triggering, "id")},
                                   {"prefect.resource.role", "triggering-event"}});
  json::object details{{"action_index", ta.contains("action_index") ? ta.at("action_index") : json::value(0)},
                       {"action_type", string_at(action, "type")},
                       {"invocation", string_at(ta, "id")}};
  const auto now = clock.now();
  const auto triggered_at = core::parse_timestamp(string_at(ta, "triggered")).value_or(now);

  events::Event triggered_event;
  triggered_event.id = core::new_uuid7();
  triggered_event.occurred = triggered_at;
  triggered_event.received = now;
  triggered_event.event = "prefect.automation.action.triggered";
  triggered_event.resource = resource;
  triggered_event.related = related;
  triggered_event.payload = details;
  // Linked to the triggering event only when close in time (Prefect's five minutes).
  if (triggering) {
    if (auto occurred = core::parse_timestamp(string_at(*triggering, "occurred"))) {
      auto gap = triggered_at - *occurred;
      if (gap < std::chrono::minutes(5) && gap > -std::chrono::minutes(5)) triggered_event.follows = string_at(*triggering, "id");
    }
  }

  events::Event outcome_event;
  outcome_event.id = core::new_uuid7();
  outcome_event.occurred = now;
  outcome_event.received = now;
  outcome_event.event = outcome.failure ? "prefect.automation.action.failed" : "prefect.automation.action.executed";
  outcome_event.resource = std::move(resource);
  outcome_event.related = std::move(related);
  json::object payload = details;
  if (outcome.failure) payload["reason"] = *outcome.failure;
  for (const auto& kv : outcome.details) payload[kv.key()] = kv.value();
  outcome_event.payload = std::move(payload);
  outcome_event.follows = triggered_event.id;
  return {std::move(triggered_event), std::move(outcome_event)};
}

}  // namespace praetor::automations

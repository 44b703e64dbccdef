// /api/automations routes (Prefect's api/automations.py) and template validation
// (api/templates.py: /templates/validate and its deprecated /automations/templates/validate).
// Filter and count come from the route kit; the writes are written out because they keep
// the related-resources table in step (store/automation_repository.h) and answer as
// Prefect's automation router does (404 bodies of ObjectNotFoundError, 204 on PUT/PATCH).
// Every write publishes prefect.automation.created/updated/deleted with the automation as
// payload (Prefect's events/schemas/lifecycle.py), after it commits.
#include <memory>

#include "api/automation_events.h"
#include "api/errors.h"
#include "api/list_request.h"
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/automation.h"
#include "core/json_util.h"
#include "core/model_fields.h"
#include "core/user_template.h"
#include "core/uuid.h"
#include "store/automation_repository.h"

namespace praetor::api {

namespace json = boost::json;
namespace automations = store::automations;
using store::Connection;

namespace {

constexpr const char* kNotFound = "Automation not found";

const core::Model& model() { return core::automation_model(); }

core::Result<Response> create(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto read = core::read_automation_body(*body);
  if (!read) return read.error();
  json::object& automation = read->automation;
  auto now = ctx.clock.now();
  automation["id"] = core::new_uuid4();
  automation["created"] = core::format_timestamp(now);
  automation["updated"] = core::format_timestamp(now);
  auto written = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    automations::insert(c, automation, read->owner_resource, now);
    return core::Ok{};
  });
  if (!written) return written.error();
  publish_automation_event(ctx, "created", automation);
  return json_response(201, core::to_response(model(), automation));
}

core::Result<Response> read(ApiContext& ctx, const std::string& id) {
  auto found = ctx.db.read<std::optional<json::object>>(
      [&](Connection& c) -> core::Result<std::optional<json::object>> { return automations::find(c, id); });
  if (!found) return found.error();
  if (!*found) return core::Error::object_not_found(kNotFound);
  return json_response(200, core::to_response(model(), **found));
}

// PUT: AutomationUpdate replaces every field (owner_resource is not part of it: Prefect
// forbids the key, Praetor ignores it, as other unknown keys).
core::Result<Response> replace(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto read = core::read_automation_body(*body);
  if (!read) return read.error();
  json::object& automation = read->automation;
  auto now = ctx.clock.now();
  automation["id"] = id;
  automation["updated"] = core::format_timestamp(now);
  auto stored = ctx.db.write<std::optional<json::object>>(
      [&](Connection& c) -> core::Result<std::optional<json::object>> {
        if (!automations::replace(c, automation, now)) return std::optional<json::object>();
        return automations::find(c, id);
      });
  if (!stored) return stored.error();
  if (!*stored) return core::Error::object_not_found(kNotFound);
  publish_automation_event(ctx, "updated", **stored);
  return no_content();
}

// PATCH: AutomationPartialUpdate, `enabled` only (an absent key changes nothing). Enabling
// re-checks the whole automation as Prefect does (an enabled automation may not loop).
core::Result<Response> patch(ApiContext& ctx, const Request& req, const std::string& id) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto errors = std::make_shared<json::array>();
  core::JsonField root(&*body, json::array{"body"}, errors);
  if (!root.model()) return core::invalid_request(std::move(*errors));
  std::optional<bool> enabled = root.child("enabled").boolean();
  if (!errors->empty()) return core::invalid_request(std::move(*errors));
  auto now = ctx.clock.now();
  struct Patched {
    std::optional<json::object> automation;
    std::optional<std::string> loop;
  };
  auto patched = ctx.db.write<Patched>([&](Connection& c) -> core::Result<Patched> {
    auto existing = automations::find(c, id);
    if (!existing || !enabled) return Patched{std::move(existing), std::nullopt};
    json::object merged = *existing;
    merged["enabled"] = *enabled;
    if (auto loop = core::run_deployment_loop(merged)) return Patched{std::move(existing), std::move(loop)};
    return Patched{automations::set_enabled(c, id, *enabled, now), std::nullopt};
  });
  if (!patched) return patched.error();
  if (!patched->automation) return core::Error::object_not_found(kNotFound);
  if (patched->loop) {
    json::value input = core::to_response(model(), *patched->automation);
    input.get_object()["enabled"] = *enabled;
    core::JsonField whole(&input, json::array{}, errors);
    core::fields::value_error(whole, *patched->loop);
    return core::invalid_request(std::move(*errors));
  }
  if (enabled) publish_automation_event(ctx, "updated", *patched->automation);
  return no_content();
}

core::Result<Response> remove(ApiContext& ctx, const std::string& id) {
  auto removed = ctx.db.write<std::optional<json::object>>(
      [&](Connection& c) -> core::Result<std::optional<json::object>> { return automations::remove(c, id); });
  if (!removed) return removed.error();
  if (!*removed) return core::Error::object_not_found(kNotFound);
  publish_automation_event(ctx, "deleted", **removed);
  return no_content();
}

core::Result<Response> related_to(ApiContext& ctx, const std::string& resource_id) {
  auto found = ctx.db.read<json::array>(
      [&](Connection& c) -> core::Result<json::array> { return automations::related_to(c, resource_id); });
  if (!found) return found.error();
  json::array out;
  for (const auto& a : *found) out.emplace_back(core::to_response(model(), a.get_object()));
  return json_response(200, out);
}

// 202 whether or not anything was owned; only automations created before the request.
core::Result<Response> remove_owned_by(ApiContext& ctx, const std::string& resource_id) {
  auto now = ctx.clock.now();
  auto removed = ctx.db.write<std::vector<json::object>>([&](Connection& c) -> core::Result<std::vector<json::object>> {
    return automations::remove_owned_by(c, resource_id, now);
  });
  if (!removed) return removed.error();
  for (const auto& a : *removed) publish_automation_event(ctx, "deleted", a);
  return json_response(202, json::value());
}

// The body is one JSON string (Body(default="")): 204 when Praetor renders it; else 422
// {"error": {"line", "message", "source"}} as Prefect answers a template Jinja refuses.
core::Result<Response> validate_template(const Request& req) {
  std::string text;
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto body = core::parse_body(req.body);
    if (!body) return body.error();
    if (!body->is_string()) {
      auto errors = std::make_shared<json::array>();
      core::JsonField(&*body, json::array{"body"}, errors).error("string_type", "Input should be a valid string");
      return core::invalid_request(std::move(*errors));
    }
    text = body->get_string();
  }
  auto problem = core::check_user_template(text);
  if (!problem) return no_content();
  return json_response(
      422, json::object{{"error", json::object{{"line", problem->line}, {"message", problem->message}, {"source", text}}}});
}

}  // namespace

void publish_automation_event(ApiContext& ctx, std::string_view action, const json::object& automation) {
  events::Event e;
  e.id = core::new_uuid7();
  e.occurred = e.received = ctx.clock.now();
  e.event = "prefect.automation." + std::string(action);
  e.resource = json::object{{"prefect.resource.id", "prefect.automation." + std::string(automation.at("id").get_string())},
                            {"prefect.resource.name", automation.at("name")}};
  e.payload = core::to_response(model(), automation);
  ctx.events.publish(std::vector<events::Event>{std::move(e)});
}

void register_automation_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  add_resource_routes(router, ctx,
                      {.model = &model(), .base = "/api/automations", .ops = op::kFilter | op::kCount, .not_found = kNotFound});
  ApiContext* c = &ctx;
  router.add("POST", "/api/automations/", [c](const Request& req, const PathParams&) { return create(*c, req); });
  router.add("GET", "/api/automations/{id:uuid}",
             [c](const Request&, const PathParams& p) { return read(*c, p.at("id")); });
  router.add("PUT", "/api/automations/{id:uuid}",
             [c](const Request& req, const PathParams& p) { return replace(*c, req, p.at("id")); });
  router.add("PATCH", "/api/automations/{id:uuid}",
             [c](const Request& req, const PathParams& p) { return patch(*c, req, p.at("id")); });
  router.add("DELETE", "/api/automations/{id:uuid}",
             [c](const Request&, const PathParams& p) { return remove(*c, p.at("id")); });
  router.add("GET", "/api/automations/related-to/{resource_id}",
             [c](const Request&, const PathParams& p) { return related_to(*c, p.at("resource_id")); });
  router.add("DELETE", "/api/automations/owned-by/{resource_id}",
             [c](const Request&, const PathParams& p) { return remove_owned_by(*c, p.at("resource_id")); });
  for (const char* path : {"/api/templates/validate", "/api/automations/templates/validate"}) {
    router.add("POST", path, [](const Request& req, const PathParams&) { return validate_template(req); });
  }
}

}  // namespace praetor::api

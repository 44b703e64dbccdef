#include "automations/action_context.h"

#include <algorithm>

#include "automations/template.h"
#include "core/uuid.h"

namespace praetor::automations {

namespace json = boost::json;

std::string reason_from(const ApiReply& reply) {
  json::error_code ec;
  auto v = json::parse(reply.body, ec);
  std::string detail = reply.body;
  if (!ec && v.is_object()) {
    if (auto it = v.get_object().find("detail"); it != v.get_object().end())
      detail = it->value().is_string() ? std::string(it->value().get_string()) : json::serialize(it->value());
  }
  return "Unexpected status from orchestration API (" + std::to_string(reply.status) + "): " + detail;
}

namespace {

// A resource as templates see Prefect's Resource model: its labels, plus the properties
// `id`, `name` and (related resources) `role`.
json::object resource_for_templates(const json::object& labels) {
  json::object out = labels;
  auto add = [&](const char* property, std::string_view label) {
    if (out.contains(property)) return;
    auto* v = labels.if_contains(label);
    out[property] = v ? *v : json::value(nullptr);
  };
  add("id", "prefect.resource.id");
  add("name", "prefect.resource.name");
  if (labels.contains("prefect.resource.role")) add("role", "prefect.resource.role");
  return out;
}

// The triggering event as templates see Prefect's Event model: resources with their
// properties, and `involved_resources` and `resource_in_role` (first resource per role).
json::object event_for_templates(const json::object& event) {
  json::object out = event;
  json::array involved;
  if (auto* r = event.if_contains("resource"); r && r->is_object()) {
    out["resource"] = resource_for_templates(r->get_object());
    involved.push_back(out["resource"]);
  }
  json::object in_role;
  if (auto* rel = event.if_contains("related"); rel && rel->is_array()) {
    json::array related;
    for (const auto& item : rel->get_array()) {
      if (!item.is_object()) continue;
      auto resource = resource_for_templates(item.get_object());
      auto role = string_at(item.get_object(), "prefect.resource.role");
      if (!in_role.contains(role)) in_role[role] = resource;
      involved.push_back(resource);
      related.push_back(std::move(resource));
    }
    out["related"] = std::move(related);
  }
  out["involved_resources"] = std::move(involved);
  out["resource_in_role"] = std::move(in_role);
  return out;
}

}  // namespace

ActionContext::ActionContext(const json::object& ta, const ActionPorts& ports, const core::Clock& clock)
    : ta_(ta), ports_(ports), clock_(clock) {
  if (auto it = ta.find("triggering_event"); it != ta.end() && it->value().is_object())
    event_ = &it->value().get_object();
  if (auto it = ta.find("triggering_labels"); it != ta.end() && it->value().is_object())
    labels_ = it->value().get_object();
}

std::optional<std::string> ActionContext::id_of_first_resource_of_kind(const std::string& kind) const {
  if (!event_) return std::nullopt;
  std::vector<const json::object*> resources;
  if (auto it = event_->find("resource"); it != event_->end() && it->value().is_object())
    resources.push_back(&it->value().get_object());
  if (auto it = event_->find("related"); it != event_->end() && it->value().is_array()) {
    for (const auto& r : it->value().get_array())
      if (r.is_object()) resources.push_back(&r.get_object());
  }
  for (const auto* r : resources) {
    auto id = string_at(*r, "prefect.resource.id");
    if (id.starts_with(kind + ".")) {
      if (auto uuid = core::parse_uuid(id.substr(kind.size() + 1))) return *uuid;
    }
  }
  return std::nullopt;
}

ApiReply ActionContext::call(const std::string& method, const std::string& path, const json::value& body) const {
  return ports_.api(method, path, body.is_null() ? std::string() : json::serialize(body));
}

core::Result<core::OutboundResponse> ActionContext::send(const core::OutboundRequest& request) const {
  if (!ports_.http) return core::Error::unavailable("this server was started without an outbound HTTP transport");
  return ports_.http(request);
}

core::Result<std::string> ActionContext::render(const std::string& text) const {
  auto names = template_names(text);
  if (!names) return names.error();
  auto context = template_context(*names);
  if (!context) return context.error();
  return render_template(text, *context, ports_.ui_url);
}

core::Result<json::object> ActionContext::template_context(const std::vector<std::string>& names) const {
  json::object ctx;
  for (const auto& name : names) {
    if (name == "event") {
      ctx["event"] = event_ ? json::value(event_for_templates(*event_)) : json::value(nullptr);
    } else if (name == "labels") {
      ctx["labels"] = labels_;
    } else if (name == "automation") {
      ctx["automation"] = json::object{{"id", automation_id()}, {"name", string_at(ta_, "automation_name")},
                                       {"description", string_at(ta_, "automation_description")}};
    } else if (name == "flow_run" || name == "deployment" || name == "flow" || name == "work_pool" ||
               name == "work_queue") {
      ctx[name] = fetch_object(name);
    } else {
      return core::Error::invalid("unsupported template variable " + name +
                                  " (Praetor knows event, labels, automation, flow_run, deployment, flow, "
                                  "work_pool, work_queue)");
    }
  }
  return ctx;
}

json::value ActionContext::fetch_object(const std::string& name) const {
  std::string kind = name;
  std::replace(kind.begin(), kind.end(), '_', '-');
  auto id = id_of_first_resource_of_kind("prefect." + kind);
  if (!id) return nullptr;
  ApiReply r;
  if (name == "work_pool") {
    json::object filter{{"work_pools", json::object{{"id", json::object{{"any_", json::array{json::value(*id)}}}}}}};
    r = call("POST", "/api/work_pools/filter", filter);
  } else {
    r = call("GET", "/api/" + name + "s/" + *id);
  }
  if (r.status >= 300) return nullptr;
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec) return nullptr;
  if (name == "work_pool") return v.is_array() && !v.get_array().empty() ? v.get_array()[0] : json::value(nullptr);
  return v;
}

}  // namespace praetor::automations

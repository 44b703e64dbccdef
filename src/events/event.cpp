#include "events/event.h"

#include "core/json_util.h"
#include "core/uuid.h"

namespace praetor::events {

namespace json = boost::json;

namespace {

// Labels must be a flat map of strings; Prefect's Resource model enforces this.
bool is_label_map(const json::object& o) {
  for (const auto& kv : o) {
    if (!kv.value().is_string()) return false;
  }
  return true;
}
}  // namespace

std::string Event::resource_id() const {
  auto it = resource.find("prefect.resource.id");
  if (it == resource.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

std::optional<std::string> Event::related_id(std::string_view role) const {
  for (const auto& r : related) {
    const json::object* o = r.if_object();
    if (!o) continue;
    auto role_it = o->find("prefect.resource.role");
    if (role_it == o->end() || !role_it->value().is_string() || role_it->value().get_string() != role) continue;
    auto id_it = o->find("prefect.resource.id");
    if (id_it != o->end() && id_it->value().is_string()) return std::string(id_it->value().get_string());
  }
  return std::nullopt;
}

core::Result<Event> parse_event(const json::value& v, core::Timestamp now) {
  core::FieldReader r(v, json::array{"body"});
  Event e;
  e.id = r.uuid("id", true).value_or("");
  e.occurred = r.timestamp("occurred", true).value_or(now);
  e.event = r.string("event", true).value_or("");
  if (const json::object* res = r.object("resource", true)) {
    if (!is_label_map(*res) || !res->contains("prefect.resource.id")) {
      r.add_error("resource", "value_error", "Resources must have a prefect.resource.id and string labels", *res);
    } else {
      e.resource = *res;
    }
  }
  if (const json::array* rel = r.array("related")) {
    for (const auto& item : *rel) {
      const json::object* o = item.if_object();
      if (!o || !is_label_map(*o) || !o->contains("prefect.resource.id") || !o->contains("prefect.resource.role")) {
        r.add_error("related", "value_error",
                    "Related resources must have prefect.resource.id, prefect.resource.role and string labels", item);
        break;
      }
    }
    e.related = *rel;
  }
  if (const json::object* payload = r.object("payload")) e.payload = *payload;
  e.follows = r.uuid("follows");
  if (!r.ok()) return r.error();
  e.received = now;
  return e;
}

json::object to_json(const Event& e) {
  return {{"occurred", core::format_timestamp(e.occurred)},
          {"event", e.event},
          {"resource", e.resource},
          {"related", e.related},
          {"payload", e.payload},
          {"id", e.id},
          {"follows", e.follows ? json::value(*e.follows) : json::value(nullptr)},
          {"received", core::format_timestamp(e.received)}};
}

}  // namespace praetor::events

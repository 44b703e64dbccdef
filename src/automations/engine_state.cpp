#include "automations/engine_state.h"

namespace praetor::automations {

namespace json = boost::json;

namespace {
std::string str(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}
}  // namespace

json::object firing_to_json(const Firing& f) {
  json::array children;
  for (const auto& c : f.triggering_firings) children.push_back(firing_to_json(c));
  return {{"id", f.id},
          {"automation_id", f.automation_id},
          {"trigger_id", f.trigger_id},
          {"triggered", core::format_timestamp(f.triggered)},
          {"triggering_labels", f.triggering_labels},
          {"triggering_event", f.triggering_event ? json::value(*f.triggering_event) : json::value(nullptr)},
          {"triggering_firings", std::move(children)}};
}

Firing firing_from_json(const json::object& o) {
  Firing f;
  f.id = str(o, "id");
  f.automation_id = str(o, "automation_id");
  f.trigger_id = str(o, "trigger_id");
  f.triggered = core::parse_timestamp(str(o, "triggered")).value_or(core::Timestamp{});
  if (auto it = o.find("triggering_labels"); it != o.end() && it->value().is_object())
    f.triggering_labels = it->value().get_object();
  if (auto it = o.find("triggering_event"); it != o.end() && it->value().is_object())
    f.triggering_event = std::make_shared<const boost::json::object>(it->value().get_object());
  if (auto it = o.find("triggering_firings"); it != o.end() && it->value().is_array()) {
    for (const auto& c : it->value().get_array()) {
      if (c.is_object()) f.triggering_firings.push_back(firing_from_json(c.get_object()));
    }
  }
  return f;
}

std::string EngineState::bucket_key(const std::string& automation_id, const std::string& trigger_id,
                                    const std::vector<std::string>& key) {
  json::array a;
  for (const auto& k : key) a.emplace_back(k);
  return automation_id + "|" + trigger_id + "|" + json::serialize(a);
}

std::string EngineState::child_firing_key(const std::string& automation_id, const std::string& parent_trigger_id,
                                          const std::string& child_trigger_id) {
  return automation_id + "|" + parent_trigger_id + "|" + child_trigger_id;
}

}  // namespace praetor::automations

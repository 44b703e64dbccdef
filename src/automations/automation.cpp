#include "automations/automation.h"

namespace praetor::automations {

namespace json = boost::json;

core::Result<Automation> parse_automation(const json::value& doc) {
  const json::object* o = doc.if_object();
  if (!o) return core::Error::invalid("an automation must be an object");
  Automation a;
  if (auto it = o->find("id"); it != o->end() && it->value().is_string()) a.id = std::string(it->value().get_string());
  if (auto it = o->find("name"); it != o->end() && it->value().is_string()) a.name = std::string(it->value().get_string());
  if (auto it = o->find("description"); it != o->end() && it->value().is_string())
    a.description = std::string(it->value().get_string());
  if (auto it = o->find("enabled"); it != o->end() && it->value().is_bool()) a.enabled = it->value().get_bool();
  auto trigger_it = o->find("trigger");
  if (trigger_it == o->end()) return core::Error::invalid("an automation needs a trigger");
  auto trigger = parse_trigger(trigger_it->value());
  if (!trigger) return trigger.error();
  a.trigger = std::move(*trigger);
  for (auto [key, target] : {std::pair{"actions", &a.actions}, std::pair{"actions_on_trigger", &a.actions_on_trigger},
                             std::pair{"actions_on_resolve", &a.actions_on_resolve}}) {
    if (auto it = o->find(key); it != o->end() && it->value().is_array()) *target = it->value().get_array();
  }
  return a;
}

TriggerIndex::TriggerIndex(std::vector<Automation> automations) {
  for (auto& a : automations) automations_.push_back(std::make_unique<Automation>(std::move(a)));
  for (const auto& a : automations_) add(a.get(), &a->trigger, nullptr);
}

void TriggerIndex::add(const Automation* a, const Trigger* t, const Trigger* parent) {
  Entry entry{a, t, parent};
  by_id_[{a->id, t->id}] = entry;
  if (t->kind == TriggerKind::kEvent) {
    event_triggers_.push_back(entry);
    return;
  }
  for (const auto& child : t->children) add(a, &child, t);
}

const TriggerIndex::Entry* TriggerIndex::find(const std::string& automation_id, const std::string& trigger_id) const {
  auto it = by_id_.find({automation_id, trigger_id});
  return it == by_id_.end() ? nullptr : &it->second;
}

}  // namespace praetor::automations

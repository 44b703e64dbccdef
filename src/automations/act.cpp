#include "automations/act.h"

#include "core/uuid.h"

namespace praetor::automations {

namespace json = boost::json;

Acted act(const Automation& automation, const Trigger& trigger, const Firing& firing, core::Timestamp now) {
  Acted out;
  events::Event triggered;
  triggered.id = core::new_uuid7();
  triggered.occurred = firing.triggered;
  triggered.received = now;
  triggered.event = "prefect.automation.triggered";
  triggered.resource = {{"prefect.resource.id", "prefect.automation." + automation.id},
                        {"prefect.resource.name", automation.name}};
  if (trigger.kind == TriggerKind::kEvent)
    triggered.resource["prefect.posture"] = trigger.posture == Posture::kReactive ? "Reactive" : "Proactive";
  if (firing.triggering_event) {
    auto id = firing.triggering_event->find("id");
    if (id != firing.triggering_event->end() && id->value().is_string()) {
      triggered.related.push_back(json::object{
          {"prefect.resource.id", "prefect.event." + std::string(id->value().get_string())},
          {"prefect.resource.role", "triggering-event"}});
    }
  }
  triggered.payload = {{"triggering_labels", firing.triggering_labels},
                       {"triggering_event", firing.triggering_event ? json::value(*firing.triggering_event)
                                                                    : json::value(nullptr)}};

  const std::string root_type(automation.trigger.type_name());
  json::value root_posture = nullptr;
  if (automation.trigger.kind == TriggerKind::kEvent)
    root_posture = automation.trigger.posture == Posture::kReactive ? "Reactive" : "Proactive";

  int64_t index = 0;
  auto add = [&](const json::array& actions, const json::value& triggering_event) {
    for (const auto& action : actions) {
      out.actions.push_back(json::object{{"id", core::new_uuid7()},
                                         {"automation_id", automation.id},
                                         {"automation_name", automation.name},
                                         {"automation_description", automation.description},
                                         {"trigger_type", root_type},
                                         {"posture", root_posture},
                                         {"action", action},
                                         {"action_index", index++},
                                         {"triggered", core::format_timestamp(firing.triggered)},
                                         {"triggering_labels", firing.triggering_labels},
                                         {"triggering_event", triggering_event},
                                         {"automation_triggered_event_id", triggered.id}});
    }
  };
  add(automation.actions, firing.triggering_event ? json::value(*firing.triggering_event) : json::value(nullptr));
  // A firing is always a Triggered state change (Prefect's event triggers never resolve).
  add(automation.actions_on_trigger, events::to_json(triggered));
  out.events.push_back(std::move(triggered));
  return out;
}

}  // namespace praetor::automations

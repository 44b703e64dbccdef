// What the trigger engine needs of an automation: its id, name, trigger tree and actions
// (kept as Prefect's JSON; the action runner reads them), parsed from the automation's
// JSON document as the API returns it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "automations/trigger.h"
#include "core/result.h"

namespace praetor::automations {

struct Automation {
  std::string id;
  std::string name;
  std::string description;  // templates print it as {{ automation.description }}
  bool enabled = true;
  Trigger trigger;
  boost::json::array actions;
  boost::json::array actions_on_trigger;
  boost::json::array actions_on_resolve;
};

core::Result<Automation> parse_automation(const boost::json::value& doc);

// Every event trigger in a set of automations, with its automation and parent (nullptr
// when the trigger is the automation's own). Holds the automations; pointers stay valid
// for the index's lifetime.
class TriggerIndex {
 public:
  explicit TriggerIndex(std::vector<Automation> automations);
  TriggerIndex(const TriggerIndex&) = delete;
  TriggerIndex& operator=(const TriggerIndex&) = delete;

  struct Entry {
    const Automation* automation;
    const Trigger* trigger;
    const Trigger* parent;  // nullptr: fires the automation
  };
  const std::vector<Entry>& event_triggers() const { return event_triggers_; }
  const Entry* find(const std::string& automation_id, const std::string& trigger_id) const;
  const std::vector<std::unique_ptr<Automation>>& automations() const { return automations_; }

 private:
  void add(const Automation* a, const Trigger* t, const Trigger* parent);

  std::vector<std::unique_ptr<Automation>> automations_;
  std::vector<Entry> event_triggers_;
  std::map<std::pair<std::string, std::string>, Entry> by_id_;  // every trigger, composite too
};

}  // namespace praetor::automations

// The trigger engine's durable state, as Prefect keeps it in automation_bucket and
// composite_trigger_child_firing: one open bucket per (automation, trigger, bucketing key)
// counting events in its window, and the child firings a composite trigger has collected.
// The engine marks what it changes so the service writes only that, in the transaction
// that also moves its cursor (engine_store.h).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"

namespace praetor::automations {

// An event's ReceivedEvent JSON, shared: one conversion per event serves every bucket and
// firing it touches (a busy proactive bucket takes each matching event as its last).
using EventJson = std::shared_ptr<const boost::json::object>;

struct Bucket {
  std::string automation_id;
  std::string trigger_id;
  std::vector<std::string> key;  // the for_each label values
  core::Timestamp start;
  core::Timestamp end;
  int64_t count = 0;
  EventJson last_event;  // null: none
};

// One instance of a trigger firing (Prefect's Firing).
struct Firing {
  std::string id;
  std::string automation_id;
  std::string trigger_id;
  core::Timestamp triggered;
  boost::json::object triggering_labels;
  EventJson triggering_event;  // null: none
  std::vector<Firing> triggering_firings;  // composite triggers: the children's firings
};

boost::json::object firing_to_json(const Firing& f);
Firing firing_from_json(const boost::json::object& o);

struct ChildFiring {
  std::string automation_id;
  std::string parent_trigger_id;
  std::string child_trigger_id;
  Firing firing;
};

struct EngineState {
  std::map<std::string, Bucket> buckets;             // by bucket_key()
  std::map<std::string, ChildFiring> child_firings;  // by child_firing_key()
  std::set<std::string> dirty_buckets;               // changed or removed since loaded/saved
  std::set<std::string> dirty_child_firings;

  static std::string bucket_key(const std::string& automation_id, const std::string& trigger_id,
                                const std::vector<std::string>& key);
  static std::string child_firing_key(const std::string& automation_id, const std::string& parent_trigger_id,
                                      const std::string& child_trigger_id);
};

}  // namespace praetor::automations

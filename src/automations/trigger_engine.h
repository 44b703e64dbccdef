// Evaluates automations' triggers against events and the passing of time, as Prefect's
// server/events/triggers.py does: reactive_evaluation per event, proactive_evaluation per
// proactive trigger, composite triggers collecting their children's firings. Pure: state
// in (EngineState), firings out; time comes from the events (reactive) or the caller
// (proactive, firing times). Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "automations/automation.h"
#include "automations/engine_state.h"
#include "events/event.h"

namespace praetor::automations {

// How far back a trigger's first bucket starts, so that events arriving slightly out of
// order still count (Prefect's PRECEDING_EVENT_LOOKBACK).
inline constexpr std::chrono::minutes kPrecedingEventLookback{15};

class TriggerEngine {
 public:
  static constexpr std::size_t kMaxCachedEventNames = 4096;

  // `now` gives firing times (wall clock); the engine keeps them strictly increasing so
  // a sequence trigger can order firings made in one pass.
  explicit TriggerEngine(std::function<core::Timestamp()> now) : now_(std::move(now)) {}

  void set_index(std::shared_ptr<const TriggerIndex> index) {
    index_ = std::move(index);
    candidates_.clear();
  }
  const TriggerIndex* index() const { return index_.get(); }
  EngineState& state() { return state_; }
  // Replaces the state (loaded from the database); proactive schedules restart.
  void reset_state(EngineState state);

  // Firings of automations (top-level triggers) this event causes, in order.
  std::vector<Firing> on_event(const events::Event& e);
  // Proactive triggers due at `as_of`: fires those whose windows closed short of their
  // threshold.
  std::vector<Firing> on_tick(core::Timestamp as_of);

 private:
  using Entry = TriggerIndex::Entry;
  // The event triggers whose expect/after patterns take events named `event_name`,
  // computed once per name (a stream has few distinct names, and most triggers look at
  // other ones): those that name the resource id they need, by that id, and the rest.
  struct Candidates {
    std::unordered_map<std::string, std::vector<const Entry*>> by_resource_id;  // `match`
    std::unordered_map<std::string, std::vector<const Entry*>> by_related_id;   // `match_related`
    std::vector<const Entry*> others;
  };
  const Candidates& candidates(const std::string& event_name);
  // The triggers that may cover `e`, in the index's order (the order firings are made in).
  std::vector<const Entry*> candidates_for(const events::Event& e);
  Bucket* find_bucket(const Entry& t, const std::vector<std::string>& key);
  // The event being evaluated, converted to its JSON only when a bucket or a firing keeps
  // it (most events only move counts): empty for a tick.
  class TriggeringEvent {
   public:
    TriggeringEvent() = default;
    explicit TriggeringEvent(const events::Event& e) : event_(&e) {}
    explicit operator bool() const { return event_ != nullptr; }
    const EventJson& json() const;
    const events::Event& event() const { return *event_; }

   private:
    const events::Event* event_ = nullptr;
    mutable EventJson json_;
  };
  Bucket& ensure_bucket(const Entry& t, const std::vector<std::string>& key, core::Timestamp start,
                        core::Timestamp end, const TriggeringEvent& last_event, int64_t initial_count = 0);
  Bucket& start_new_bucket(const Entry& t, const std::vector<std::string>& key, core::Timestamp start,
                           core::Timestamp end, int64_t count, EventJson last_event);
  void remove_bucket(const Entry& t, const std::vector<std::string>& key);
  // Prefect's evaluate(); returns the bucket left open, if any.
  Bucket* evaluate(const Entry& t, const std::vector<std::string>& key, core::Timestamp now,
                   const TriggeringEvent& triggering_event, std::vector<Firing>& out);
  void fire(const Entry& t, Firing firing, std::vector<Firing>& out);
  void evaluate_composite(const Entry& child, Firing firing, std::vector<Firing>& out);
  core::Timestamp firing_time();

  std::function<core::Timestamp()> now_;
  std::shared_ptr<const TriggerIndex> index_;
  std::unordered_map<std::string, Candidates> candidates_;  // by event name; of index_
  EngineState state_;
  std::map<std::pair<std::string, std::string>, core::Timestamp> next_proactive_runs_;
  core::Timestamp last_firing_time_{};
};

}  // namespace praetor::automations

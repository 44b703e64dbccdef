#include "automations/trigger_engine.h"

#include <algorithm>
#include <functional>

#include "core/uuid.h"

namespace praetor::automations {

namespace json = boost::json;

void TriggerEngine::reset_state(EngineState state) {
  state_ = std::move(state);
  next_proactive_runs_.clear();
}

core::Timestamp TriggerEngine::firing_time() {
  auto t = now_();
  if (t <= last_firing_time_) t = last_firing_time_ + std::chrono::microseconds(1);
  last_firing_time_ = t;
  return t;
}

Bucket* TriggerEngine::find_bucket(const Entry& t, const std::vector<std::string>& key) {
  auto it = state_.buckets.find(EngineState::bucket_key(t.automation->id, t.trigger->id, key));
  return it == state_.buckets.end() ? nullptr : &it->second;
}

const EventJson& TriggerEngine::TriggeringEvent::json() const {
  if (!json_ && event_) json_ = std::make_shared<const json::object>(events::to_json(*event_));
  return json_;
}

Bucket& TriggerEngine::ensure_bucket(const Entry& t, const std::vector<std::string>& key, core::Timestamp start,
                                     core::Timestamp end, const TriggeringEvent& last_event, int64_t initial_count) {
  if (Bucket* b = find_bucket(t, key)) return *b;
  // Only proactive buckets keep their last event (start_new_bucket).
  return start_new_bucket(t, key, start, end, initial_count,
                          t.trigger->posture == Posture::kProactive ? last_event.json() : nullptr);
}

Bucket& TriggerEngine::start_new_bucket(const Entry& t, const std::vector<std::string>& key, core::Timestamp start,
                                        core::Timestamp end, int64_t count, EventJson last_event) {
  auto k = EngineState::bucket_key(t.automation->id, t.trigger->id, key);
  state_.dirty_buckets.insert(k);
  Bucket& b = state_.buckets[k];
  // Only proactive firings (made by the clock, with no event at hand) read a bucket's last
  // event; reactive buckets do not keep it, so a busy bucket's write stays small.
  if (t.trigger->posture == Posture::kReactive) last_event.reset();
  b = Bucket{t.automation->id, t.trigger->id, key, start, end, count, std::move(last_event)};
  return b;
}

void TriggerEngine::remove_bucket(const Entry& t, const std::vector<std::string>& key) {
  auto k = EngineState::bucket_key(t.automation->id, t.trigger->id, key);
  state_.buckets.erase(k);
  state_.dirty_buckets.insert(k);
}

Bucket* TriggerEngine::evaluate(const Entry& t, const std::vector<std::string>& key, core::Timestamp now,
                                const TriggeringEvent& triggering_event, std::vector<Firing>& out) {
  const Trigger& trigger = *t.trigger;
  Bucket* bucket = find_bucket(t, key);
  if (!bucket) return nullptr;
  int64_t count = triggering_event ? 1 : 0;

  // An older, out-of-order event, or one for a reactive trigger that already fired in
  // this period: it does not touch the bucket.
  if (now < bucket->start) return bucket;

  // Only the proactive restart below reads it; a copy per event would cost every trigger.
  EventJson previous_last_event;
  if (trigger.posture == Posture::kProactive) previous_last_event = bucket->last_event;
  if (count && (trigger.immediate() || (bucket->start <= now && now < bucket->end))) {
    bucket->count += count;
    if (triggering_event && trigger.posture == Posture::kProactive) bucket->last_event = triggering_event.json();
    state_.dirty_buckets.insert(EngineState::bucket_key(t.automation->id, trigger.id, key));
    count = 0;
  }

  // Reactive triggers fire as soon as the threshold is met; proactive ones only once the
  // whole window has passed (a late event could still satisfy them).
  const bool ready_to_fire = trigger.posture == Posture::kReactive || bucket->end <= now;
  const bool meets = trigger.meets_threshold(bucket->count);
  const core::Timestamp old_end = bucket->end;

  if (ready_to_fire && meets) {
    Firing firing;
    firing.id = core::new_uuid7();
    firing.automation_id = t.automation->id;
    firing.trigger_id = trigger.id;
    firing.triggered = firing_time();
    for (std::size_t i = 0; i < trigger.for_each.size() && i < key.size(); ++i)
      firing.triggering_labels[trigger.for_each[i]] = key[i];
    firing.triggering_event = triggering_event ? triggering_event.json() : bucket->last_event;
    remove_bucket(t, key);  // before acting, as Prefect does, so a firing is never doubled
    bucket = nullptr;
    fire(t, std::move(firing), out);
  } else if (now < bucket->end) {
    // More time left in this window. A proactive trigger whose `after` and `expect` both
    // match this event starts a fresh window from it (heartbeat-style triggers).
    if (triggering_event && trigger.posture == Posture::kProactive && !meets) {
      const std::string_view name = triggering_event.event().event;
      if (trigger.starts_after(name) && trigger.expects(name)) {
        const std::optional<core::Timestamp> occurred = triggering_event.event().occurred;
        EventJson last_event = triggering_event.json();
        if (previous_last_event) {
          auto prev_name = json::value_to<std::string>(previous_last_event->at("event"));
          auto prev_occurred = core::parse_timestamp(json::value_to<std::string>(previous_last_event->at("occurred")));
          if (trigger.expects(prev_name) && !trigger.starts_after(prev_name) && prev_occurred && occurred &&
              *prev_occurred >= *occurred)
            last_event = previous_last_event;
        }
        remove_bucket(t, key);
        auto start = occurred.value_or(now);
        return &start_new_bucket(t, key, start, start + trigger.within, 0, std::move(last_event));
      }
    }
    return bucket;
  }

  // Outside the window, or just fired: open the next window (unless `after` must start it).
  if (!trigger.after.empty()) {
    remove_bucket(t, key);
    return nullptr;
  }
  if (trigger.within.count() == 0) return find_bucket(t, key);
  const core::Timestamp start = std::max(old_end, now);
  const core::Timestamp end = start + trigger.within;
  if (trigger.posture == Posture::kReactive && count > 0) {
    // An event past the closed window counts in the next one, and may fire it at once.
    start_new_bucket(t, key, start, end, 0, nullptr);
    return evaluate(t, key, now, triggering_event, out);
  }
  return &start_new_bucket(t, key, start, end, count, nullptr);
}

void TriggerEngine::fire(const Entry& t, Firing firing, std::vector<Firing>& out) {
  if (!t.parent) {
    out.push_back(std::move(firing));
    return;
  }
  evaluate_composite(t, std::move(firing), out);
}

void TriggerEngine::evaluate_composite(const Entry& child, Firing firing, std::vector<Firing>& out) {
  const Trigger& parent = *child.parent;
  const Entry* parent_entry = index_->find(child.automation->id, parent.id);
  if (!parent_entry) return;
  auto make_parent_firing = [&](std::vector<Firing> children, const EventJson& event) {
    Firing f;
    f.id = core::new_uuid7();
    f.automation_id = child.automation->id;
    f.trigger_id = parent.id;
    f.triggered = firing_time();
    f.triggering_firings = std::move(children);
    f.triggering_event = event;
    return f;
  };
  if (parent.num_expected_firings() == 1) {
    auto event = firing.triggering_event;
    fire(*parent_entry, make_parent_firing({std::move(firing)}, event), out);
    return;
  }
  const std::string prefix = child.automation->id + "|" + parent.id + "|";
  // Forget firings older than the composite window.
  if (parent.composite_within) {
    const auto horizon = firing.triggered - *parent.composite_within;
    for (auto it = state_.child_firings.lower_bound(prefix);
         it != state_.child_firings.end() && it->first.starts_with(prefix);) {
      if (it->second.firing.triggered < horizon) {
        state_.dirty_child_firings.insert(it->first);
        it = state_.child_firings.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto key = EngineState::child_firing_key(child.automation->id, parent.id, child.trigger->id);
  const auto event = firing.triggering_event;
  state_.child_firings[key] = ChildFiring{child.automation->id, parent.id, child.trigger->id, std::move(firing)};
  state_.dirty_child_firings.insert(key);

  std::vector<Firing> firings;
  for (auto it = state_.child_firings.lower_bound(prefix);
       it != state_.child_firings.end() && it->first.starts_with(prefix); ++it)
    firings.push_back(it->second.firing);

  bool ready = false;
  if (parent.kind == TriggerKind::kCompound) {
    ready = firings.size() >= parent.num_expected_firings();
  } else {
    std::sort(firings.begin(), firings.end(), [](const Firing& a, const Firing& b) { return a.triggered < b.triggered; });
    ready = firings.size() == parent.children.size();
    for (std::size_t i = 0; ready && i < firings.size(); ++i) ready = firings[i].trigger_id == parent.children[i].id;
  }
  if (!ready) return;
  for (auto it = state_.child_firings.lower_bound(prefix);
       it != state_.child_firings.end() && it->first.starts_with(prefix);) {
    state_.dirty_child_firings.insert(it->first);
    it = state_.child_firings.erase(it);
  }
  fire(*parent_entry, make_parent_firing(std::move(firings), event), out);
}

const TriggerEngine::Candidates& TriggerEngine::candidates(const std::string& event_name) {
  auto it = candidates_.find(event_name);
  if (it != candidates_.end()) return it->second;
  // Bounded: names that embed ids would otherwise grow the map without end.
  if (candidates_.size() >= kMaxCachedEventNames) candidates_.clear();
  Candidates found;
  for (const auto& entry : index_->event_triggers()) {
    if (!entry.trigger->covers_name(event_name)) continue;
    auto id = entry.trigger->required_resource_id();
    if (!id) {
      found.others.push_back(&entry);
    } else {
      (id->second ? found.by_resource_id : found.by_related_id)[id->first].push_back(&entry);
    }
  }
  return candidates_.emplace(event_name, std::move(found)).first->second;
}

std::vector<const TriggerEngine::Entry*> TriggerEngine::candidates_for(const events::Event& e) {
  const Candidates& c = candidates(e.event);
  std::vector<const Entry*> out = c.others;
  auto add = [&](const std::unordered_map<std::string, std::vector<const Entry*>>& by_id, const json::object& r) {
    auto id = r.find("prefect.resource.id");
    if (id == r.end() || !id->value().is_string()) return;
    auto hit = by_id.find(std::string(id->value().get_string()));
    if (hit != by_id.end()) out.insert(out.end(), hit->second.begin(), hit->second.end());
  };
  if (!c.by_resource_id.empty()) add(c.by_resource_id, e.resource);
  if (!c.by_related_id.empty()) {
    for (const auto& r : e.related) {
      if (const json::object* o = r.if_object()) add(c.by_related_id, *o);
    }
  }
  // Entries point into one vector: their addresses are the index's order.
  std::sort(out.begin(), out.end(), std::less<const Entry*>());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Firing> TriggerEngine::on_event(const events::Event& e) {
  std::vector<Firing> out;
  if (!index_) return out;
  const TriggeringEvent triggering(e);
  for (const Entry* candidate : candidates_for(e)) {
    const Entry& entry = *candidate;
    const Trigger& trigger = *entry.trigger;
    if (!trigger.covers_resources(e)) continue;
    const auto key = trigger.bucketing_key(e);
    Bucket* bucket = nullptr;
    if (!trigger.after.empty() && trigger.starts_after(e.event)) {
      // An event matching both after and expect starts the bucket at -1, so it does not
      // count towards the window it opens.
      const int64_t initial = trigger.expects(e.event) ? -1 : 0;
      bucket = &ensure_bucket(entry, key, e.occurred, e.occurred + trigger.within, triggering, initial);
    }
    if (!bucket && trigger.after.empty() && trigger.expects(e.event)) {
      // A first bucket reaches back, so events flowing slightly out of order still count.
      bucket = &ensure_bucket(entry, key, e.occurred - kPrecedingEventLookback, e.occurred + trigger.within,
                              triggering);
    }
    if (!trigger.expects(e.event)) continue;
    if (!bucket && !(bucket = find_bucket(entry, key))) continue;
    evaluate(entry, key, e.occurred, triggering, out);
  }
  return out;
}

std::vector<Firing> TriggerEngine::on_tick(core::Timestamp as_of) {
  std::vector<Firing> out;
  if (!index_) return out;
  for (const auto& entry : index_->event_triggers()) {
    const Trigger& trigger = *entry.trigger;
    if (trigger.posture != Posture::kProactive) continue;
    auto id = std::make_pair(entry.automation->id, trigger.id);
    auto next = next_proactive_runs_.find(id);
    if (next != next_proactive_runs_.end() && next->second > as_of) continue;

    core::Timestamp run_again_at = as_of + trigger.within;
    if (trigger.for_each.empty()) ensure_bucket(entry, {}, as_of, as_of + trigger.within, TriggeringEvent());
    // Buckets that already met their expectation cannot fire; drop them unevaluated.
    const std::string prefix = entry.automation->id + "|" + trigger.id + "|";
    std::vector<std::vector<std::string>> keys;
    for (auto it = state_.buckets.lower_bound(prefix); it != state_.buckets.end() && it->first.starts_with(prefix);) {
      if (it->second.count >= trigger.threshold) {
        state_.dirty_buckets.insert(it->first);
        it = state_.buckets.erase(it);
      } else {
        keys.push_back(it->second.key);
        ++it;
      }
    }
    for (const auto& key : keys) {
      Bucket* next_bucket = evaluate(entry, key, as_of, TriggeringEvent(), out);
      if (next_bucket && as_of < next_bucket->end && next_bucket->end < run_again_at) run_again_at = next_bucket->end;
    }
    next_proactive_runs_[id] = run_again_at;
  }
  return out;
}

}  // namespace praetor::automations

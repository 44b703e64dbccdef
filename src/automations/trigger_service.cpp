#include "automations/trigger_service.h"

#include <spdlog/spdlog.h>

#include "automations/act.h"
#include "automations/engine_store.h"
#include "core/json_util.h"
#include "events/event_persister.h"

namespace praetor::automations {

namespace json = boost::json;

TriggerService::TriggerService(store::Database& db, const core::Clock& clock, events::EventBus* bus,
                               AutomationSource source, ActionPorts ports, bool run_actions)
    : db_(db), clock_(clock), bus_(bus), source_(std::move(source)), ports_(std::move(ports)), run_actions_(run_actions),
      engine_([&clock] { return clock.now(); }),
      feed_(bus ? std::make_unique<BusFeed>(*bus, kFeedCapacity) : nullptr) {}

void TriggerService::run_once() {
  reload_automations_if_changed();
  // Catch up a backlog in one run_once, a batch per transaction; the actions a batch fired
  // run before the next batch is read, so a backlog does not hold them back.
  // A pass that reached kFiringsPerPass ends the run: its events wait for the next one.
  for (int i = 0; i < 20 && !stop_requested_; ++i) {
    const PassEnd end = evaluate_pass();
    if (run_actions_ && !stop_requested_) run_outbox();
    if (end != PassEnd::kMoreEvents) break;
  }
}

void TriggerService::reload_automations_if_changed() {
  auto snapshot = db_.read<std::string>([&](store::Connection& c) -> core::Result<std::string> { return source_.snapshot(c); });
  if (!snapshot) throw std::runtime_error(snapshot.error().message);
  if (snapshot_ && *snapshot_ == *snapshot) return;
  auto docs = db_.read<std::vector<json::object>>(
      [&](store::Connection& c) -> core::Result<std::vector<json::object>> { return source_.enabled(c); });
  if (!docs) throw std::runtime_error(docs.error().message);
  std::vector<Automation> automations;
  std::vector<std::string> ids;
  for (const auto& doc : *docs) {
    auto a = parse_automation(doc);
    if (!a) {
      auto id = doc.find("id");
      spdlog::warn("automation {} is not evaluated: {}",
                   id != doc.end() && id->value().is_string() ? std::string(id->value().get_string()) : "?",
                   a.error().message);
      continue;
    }
    if (!a->enabled) continue;
    ids.push_back(a->id);
    automations.push_back(std::move(*a));
  }
  // Buckets of automations deleted or disabled meanwhile go, as Prefect's cascade does.
  auto removed = db_.write<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
    remove_state_except(c, ids);
    return core::Ok{};
  });
  if (!removed) throw std::runtime_error(removed.error().message);
  spdlog::info("automations: evaluating {} automations", automations.size());
  engine_.set_index(std::make_shared<TriggerIndex>(std::move(automations)));
  generation_ = -1;  // the stored state changed under us
  snapshot_ = std::move(*snapshot);
}

TriggerService::PassEnd TriggerService::evaluate_pass() {
  const auto now = clock_.now();
  struct Read {
    std::optional<EventCursor> cursor;
    bool reloaded = false;  // the stored state was loaded: this process's memory is stale
    bool from_db = false;   // the new events were read from the database, not the feed
    std::vector<events::Event> events;  // late ones (behind the cursor) first
    std::size_t late_events = 0;
    std::optional<EngineState> state;
  };
  const auto sweep_interval = feed_ && !catching_up_ ? kFeedSweepInterval : kLateSweepInterval;
  const bool sweep = sweep_unfinished_ || now - last_sweep_ >= sweep_interval;
  // While catching up, what the feed delivered is dropped before the read (the read finds
  // what was stored; the sweeps find the rest), so the feed stays current for afterwards.
  if (feed_ && catching_up_) feed_->take();
  auto read = db_.read<Read>([&](store::Connection& c) -> core::Result<Read> {
    Read r;
    r.cursor = read_cursor(c);
    r.reloaded = !r.cursor || r.cursor->generation != generation_;
    r.from_db = !feed_ || catching_up_ || r.reloaded;
    if (r.cursor) {
      // With the feed, a sweep goes on to kFeedGrace ago: it also finds stored events the
      // feed did not give, and leaves the newest, which the feed is still giving, to it.
      const auto sweep_until = r.from_db ? r.cursor->received : std::max(r.cursor->received, now - kFeedGrace);
      if (sweep) r.events = read_unseen_events(c, r.cursor->received - kCommitLag, sweep_until, kEventBatch);
      r.late_events = r.events.size();
      if (r.from_db) {
        auto fresh = read_unseen_events(c, r.cursor->received, std::nullopt, kEventBatch - r.late_events);
        r.events.insert(r.events.end(), std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
      }
    }
    if (r.reloaded) r.state = load_engine_state(c);
    return r;
  });
  if (!read) throw std::runtime_error(read.error().message);
  if (sweep) {
    last_sweep_ = now;
    sweep_unfinished_ = static_cast<int64_t>(read->late_events) == kEventBatch;
  }
  // The first pass on a fresh database starts at now: earlier events are history.
  EventCursor cursor = read->cursor.value_or(EventCursor{now, 0});
  if (read->state) {
    engine_.reset_state(std::move(*read->state));
    evaluated_.clear();
    if (feed_) feed_->clear();
    catching_up_ = true;
  }
  std::vector<events::Event> events = std::move(read->events);
  for (const auto& e : events) evaluated_.add(e.id, e.received);
  const bool read_full = read->from_db && static_cast<int64_t>(events.size()) == kEventBatch;
  if (read->from_db) {
    if (feed_ && !read_full) catching_up_ = false;  // caught up: the feed gives the next events
  } else if (auto taken = feed_->take(); !taken.complete) {
    catching_up_ = true;  // the feed dropped events: read them from the database
  } else {
    // As the database read would: not `prefect.log.write`, not what the sweeps no longer see.
    const auto oldest = cursor.received - kCommitLag;
    for (auto& e : taken.events) {
      if (e.event == "prefect.log.write" || e.received < oldest || evaluated_.contains(e.id)) continue;
      evaluated_.add(e.id, e.received);
      events.push_back(std::move(e));
    }
  }

  std::vector<Firing> firings;
  std::vector<int> chain_lengths;  // of each firing's triggering event
  std::size_t evaluated = 0;       // events evaluated, in order; the rest wait for the next pass
  for (const auto& e : events) {
    if (stop_requested_) return PassEnd::kCaughtUp;
    if (firings.size() >= kFiringsPerPass) break;
    ++evaluated;
    if (e.received > cursor.received) cursor.received = e.received;
    const int chain = chains_.length(e);
    if (chain >= AutomationChains::kLongest) {
      chain_log_.log(spdlog::level::warn, "automation chain ended",
                     fmt::format("automations: {} is not evaluated: {} automation firings in a row made it (a trigger "
                                 "loop ends there; {})",
                                 e.event, chain, e.resource_id()));
      continue;
    }
    auto fired = engine_.on_event(e);
    chain_lengths.insert(chain_lengths.end(), fired.size(), chain);
    firings.insert(firings.end(), std::make_move_iterator(fired.begin()), std::make_move_iterator(fired.end()));
  }
  const bool limited = evaluated < events.size();
  if (limited) {
    // Those not evaluated are not marked seen: the next pass reads them from the database
    // (the feed's are stored by then, or found by a sweep), as after a dropped feed.
    events.resize(evaluated);
    catching_up_ = true;
    sweep_unfinished_ = sweep_unfinished_ || sweep;
    limit_log_.log(spdlog::level::warn, "automation firings limited",
                   fmt::format("automations: more than {} firings in a pass; the events after them wait for the next "
                               "pass (the trigger engine is behind)",
                               kFiringsPerPass));
  }
  if (now - last_tick_ >= kProactiveInterval) {
    last_tick_ = now;
    auto fired = engine_.on_tick(now);
    chain_lengths.insert(chain_lengths.end(), fired.size(), 0);
    firings.insert(firings.end(), std::make_move_iterator(fired.begin()), std::make_move_iterator(fired.end()));
  }

  std::vector<events::Event> emitted;
  std::vector<json::object> actions;
  for (std::size_t i = 0; i < firings.size(); ++i) {
    if (stop_requested_) return PassEnd::kCaughtUp;
    const auto& f = firings[i];
    const auto* entry = engine_.index()->find(f.automation_id, f.trigger_id);
    if (!entry) continue;
    spdlog::debug("automation {} triggered", f.automation_id);
    triggered_log_.log(spdlog::level::info, "automation triggered", fmt::format("automation {} triggered", f.automation_id));
    auto acted = act(*entry->automation, *entry->trigger, f, now);
    for (const auto& made : acted.events) chains_.record(made, chain_lengths[i] + 1);
    emitted.insert(emitted.end(), acted.events.begin(), acted.events.end());
    actions.insert(actions.end(), acted.actions.begin(), acted.actions.end());
  }

  EngineState& state = engine_.state();
  const bool changed = !read->cursor || !events.empty() || !state.dirty_buckets.empty() ||
                       !state.dirty_child_firings.empty() || !emitted.empty();
  if (!changed) return PassEnd::kCaughtUp;
  cursor.generation += 1;
  const std::optional<int64_t> read_generation =
      read->cursor ? std::optional<int64_t>(read->cursor->generation) : std::nullopt;
  // Background work: a bulk write, which waits behind the API's writes (store/database.h).
  auto written = db_.write_bulk<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
    // First, so a pass that lost the race to another replica writes nothing.
    if (!advance_cursor(c, cursor, read_generation))
      return core::Error::conflict("another replica evaluated events meanwhile; this pass is dropped");
    save_engine_state(c, state);
    mark_seen(c, events);
    prune_seen(c, cursor.received - 2 * kCommitLag);
    for (const auto& doc : actions) add_to_outbox(c, json::value_to<std::string>(doc.at("id")), now, doc);
    events::write_events(c, emitted);
    return core::Ok{};
  });
  if (!written) {
    // Nothing of this pass was committed: forget it and start again from the database.
    generation_ = -1;
    throw std::runtime_error(written.error().message);
  }
  generation_ = cursor.generation;
  evaluated_.forget_before(cursor.received - 2 * kCommitLag);
  chains_.forget_before(cursor.received - 2 * kCommitLag);
  if (bus_ && !emitted.empty()) bus_->publish(std::move(emitted));
  if (limited) return PassEnd::kFiringLimit;
  return read_full ? PassEnd::kMoreEvents : PassEnd::kCaughtUp;
}

void TriggerService::run_outbox() {
  auto pending = db_.read<std::vector<OutboxEntry>>(
      [&](store::Connection& c) -> core::Result<std::vector<OutboxEntry>> { return read_outbox(c, 100); });
  if (!pending) throw std::runtime_error(pending.error().message);
  // The actions run one after another; those done are removed, with the events they
  // reported, in one transaction per kActionCommitEvery (not one per action).
  std::vector<std::string> done;
  std::vector<events::Event> reported;
  auto commit = [&] {
    if (done.empty()) return;
    auto written = db_.write_bulk<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
      for (const auto& id : done) remove_from_outbox(c, id);
      events::write_events(c, reported);
      return core::Ok{};
    });
    if (!written) throw std::runtime_error(written.error().message);
    if (bus_) bus_->publish(std::move(reported));
    done.clear();
    reported.clear();
  };
  auto since_commit = std::chrono::steady_clock::now();
  for (const auto& entry : *pending) {
    if (stop_requested_) break;  // the rest stays in the outbox for the next start
    auto events = run_action(entry.doc, ports_, clock_);
    // An action's events are as far down the chain as its automation's triggered event.
    const int chain = chains_.length_of(core::string_at(entry.doc, "automation_triggered_event_id"));
    for (const auto& made : events) chains_.record(made, chain);
    done.push_back(entry.id);
    reported.insert(reported.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
    if (std::chrono::steady_clock::now() - since_commit >= kActionCommitEvery) {
      commit();
      since_commit = std::chrono::steady_clock::now();
    }
  }
  commit();
}

}  // namespace praetor::automations

#include "store/automation_repository.h"

namespace praetor::automations {

AutomationSource stored_automations() {
  AutomationSource source;
  source.snapshot = [](store::Connection& c) {
    auto& st = c.prepare("SELECT COALESCE(MAX(updated), 0), COUNT(*) FROM automation");
    if (!st.step()) return std::string();
    auto snapshot = std::to_string(st.column_int(0)) + "/" + std::to_string(st.column_int(1));
    st.reset();  // a statement left mid-result would keep the pooled reader's snapshot open
    return snapshot;
  };
  source.enabled = [](store::Connection& c) {
    std::vector<boost::json::object> out;
    for (auto& v : store::automations::list_enabled(c)) {
      if (v.is_object()) out.push_back(std::move(v.get_object()));
    }
    return out;
  };
  return source;
}

}  // namespace praetor::automations

// The trigger engine as a background service (Prefect's triggers and actions services in
// one). Each pass, on the replica holding the service's lease:
//   1. reloads the enabled automations when they changed;
//   2. reads the stored events past its cursor (events table, received order; every
//      kLateSweepInterval, or kFeedSweepInterval while the bus feed serves, also those of
//      the kCommitLag window behind it not yet evaluated), evaluates
//      them and the proactive windows, and in ONE write transaction saves the changed
//      buckets, the new cursor, the automation.triggered events and the fired actions
//      (an outbox) — so a crash or a hand-over neither loses nor repeats a firing;
//   3. runs the outbox's actions through the API and removes those done, with their
//      action.triggered/executed/failed events, in one transaction per kActionCommitEvery
//      of actions. An action interrupted before that commit runs again; a run-deployment's idempotency key (Prefect's) makes
//      its flow run once, the other actions set what is already set.
// The passes run every kPassInterval. Stored events are the source of truth; the in-process
// bus only makes a pass sooner: a pass evaluates the events the bus delivered since the last
// one (automations/bus_feed.h), with no wait for the persister, and its sweep of the stored
// events finds any the bus did not give. After a start, a hand-over or a dropped feed, a pass
// reads the stored events from the cursor until it has caught up.
#pragma once

#include <atomic>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "automations/action_runner.h"
#include "automations/automation_chains.h"
#include "automations/bus_feed.h"
#include "automations/evaluated_events.h"
#include "automations/trigger_engine.h"
#include "core/repeated_log.h"
#include "events/event_bus.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::automations {

// Where the engine reads automations (the automations table, owned by the CRUD routes).
struct AutomationSource {
  // A value that changes whenever any automation changes (e.g. max(updated) and count).
  std::function<std::string(store::Connection&)> snapshot;
  // Every enabled automation, as the API's JSON document.
  std::function<std::vector<boost::json::object>(store::Connection&)> enabled;
};

class TriggerService final : public services::Service {
 public:
  static constexpr std::chrono::milliseconds kPassInterval{100};
  static constexpr std::chrono::seconds kProactiveInterval{1};
  // Events per transaction: large enough that a firehose is read in few passes (a bucket
  // moved by many events is written once per pass), small enough that one step stays
  // short (and a stop prompt) even when every event fires many automations.
  static constexpr int64_t kEventBatch = 1000;
  // How often a pass also looks behind its cursor, over the whole kCommitLag window, for
  // events that committed after later-received ones. Reading only from the cursor
  // otherwise keeps a pass's read proportional to the new events, not to the window.
  static constexpr std::chrono::seconds kLateSweepInterval{1};
  // The same while the bus feed gives the events: its sweep is only a safety net (events
  // stored by another path, or missed by a replica's listener), and at a firehose's rate
  // each sweep reads the whole kCommitLag window, so it runs less often. Still well inside
  // kCommitLag, so every stored event falls within at least one sweep.
  static constexpr std::chrono::seconds kFeedSweepInterval{5};
  // How far back a sweep with the bus feed reads: newer events are the feed's to give.
  static constexpr std::chrono::seconds kFeedGrace{1};
  // Actions run for this long share one commit of their outbox removals and events.
  static constexpr std::chrono::milliseconds kActionCommitEvery{100};
  // Firings per pass, at most (a pass ends after the event that reaches it, and the run with
  // it): automations that match every event fire hundreds of times for each one, and each
  // firing is an event and its actions to write and run. Bounds the engine's writes to
  // about ten passes' worth a second, so the API's writes keep their turn and the database
  // grows at a bounded rate; a backlog waits in the events table and the engine works it
  // off when the burst ends.
  static constexpr std::size_t kFiringsPerPass = 100;
  // Events the bus feed holds between passes before it drops them all (and the engine
  // reads them back from the database instead).
  static constexpr std::size_t kFeedCapacity = 20000;

  // `db`, `clock` and `bus` (may be null) must outlive the service. The events the engine
  // stores are published on `bus` after their commit, for /events/out subscribers; the
  // bus's events feed the engine (null: every event is read back from the database).
  // With `run_actions` false (PREFECT_SERVER_SERVICES_ACTIONS_ENABLED=false) fired actions
  // stay in the outbox until a server that runs them starts.
  TriggerService(store::Database& db, const core::Clock& clock, events::EventBus* bus, AutomationSource source,
                 ActionPorts ports, bool run_actions = true);

  std::string_view name() const override { return "triggers"; }
  std::chrono::microseconds interval() const override { return kPassInterval; }
  void run_once() override;
  void request_stop() override { stop_requested_ = true; }

 private:
  void reload_automations_if_changed();
  enum class PassEnd {
    kCaughtUp,    // every event read was evaluated
    kMoreEvents,  // the read was full: more stored events wait
    kFiringLimit  // kFiringsPerPass reached: the rest wait for the next run
  };
  // Evaluates events and time, and commits what changed.
  PassEnd evaluate_pass();
  void run_outbox();

  store::Database& db_;
  const core::Clock& clock_;
  events::EventBus* bus_;
  AutomationSource source_;
  ActionPorts ports_;
  bool run_actions_;
  // Ends a long catch-up between steps, and abandons a pass before its write (its events are
  // evaluated again at the next start, as after a crash).
  std::atomic<bool> stop_requested_{false};
  // "automation … triggered": at most one line per 10 s, with the count left out (automations
  // that match every event fire thousands of times a second).
  core::RepeatedLog triggered_log_;
  TriggerEngine engine_;
  std::optional<std::string> snapshot_;
  int64_t generation_ = -1;  // of the in-memory state; -1: load it
  core::Timestamp last_tick_{};
  core::Timestamp last_sweep_{};  // the epoch: the first pass sweeps
  bool sweep_unfinished_ = false;  // the last sweep filled its batch: the next pass goes on
  std::unique_ptr<BusFeed> feed_;  // null without a bus
  bool catching_up_ = true;        // new events come from the database until it has caught up
  EvaluatedEvents evaluated_;
  AutomationChains chains_;
  // "… is not evaluated": at most one line per 10 s, with the count left out.
  core::RepeatedLog chain_log_;
  core::RepeatedLog limit_log_;  // "more than … firings in a pass", at most once per 10 s
};

}  // namespace praetor::automations

namespace praetor::automations {

// The automations table (store/automation_repository.h) as the engine's source.
AutomationSource stored_automations();

}  // namespace praetor::automations

// The trigger engine's tables (migration 0021): its state, its cursor over the stored
// events, the events it evaluated recently and its outbox of fired actions. Repository
// functions on a store::Connection; the service calls them inside one db.write per pass,
// so state, cursor and fired actions commit together.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "automations/engine_state.h"
#include "core/timestamp.h"
#include "events/event.h"
#include "store/connection.h"

namespace praetor::automations {

// How far behind the cursor the engine still looks for events: events are stored by
// several writers (and replicas), so one received earlier may commit a little later.
inline constexpr std::chrono::seconds kCommitLag{10};

struct EventCursor {
  core::Timestamp received;
  // Bumped by every pass that commits; a process whose in-memory state was loaded at
  // another generation reloads it (another replica ran the engine meanwhile).
  int64_t generation = 0;
};

EngineState load_engine_state(store::Connection& c);
// Writes what the engine marked dirty and clears the marks.
void save_engine_state(store::Connection& c, EngineState& state);

std::optional<EventCursor> read_cursor(store::Connection& c);
// Moves the cursor to `cursor` only if it is still at `expected_generation` (nullopt: there
// is no cursor yet); false when another process moved it meanwhile, e.g. a replica that took
// the lease while this one was still in a pass. The row lock it takes orders such passes.
bool advance_cursor(store::Connection& c, const EventCursor& cursor, std::optional<int64_t> expected_generation);

// Stored events received in [from, until) (no end when `until` is empty) and not yet
// evaluated, in received order; `prefect.log.write` events are skipped, as Prefect's
// triggers skip them. The service reads from its cursor on, and now and then the
// kCommitLag window behind it for events that committed after later-received ones (a
// sweep: it reads every event of the window).
std::vector<events::Event> read_unseen_events(store::Connection& c, core::Timestamp from,
                                              std::optional<core::Timestamp> until, int64_t limit);
void mark_seen(store::Connection& c, const std::vector<events::Event>& events);
void prune_seen(store::Connection& c, core::Timestamp before);

struct OutboxEntry {
  std::string id;
  boost::json::object doc;
};
void add_to_outbox(store::Connection& c, const std::string& id, core::Timestamp created, const boost::json::object& doc);
std::vector<OutboxEntry> read_outbox(store::Connection& c, int64_t limit);
void remove_from_outbox(store::Connection& c, const std::string& id);

// Forgets buckets and child firings of automations no longer loaded (deleted or
// disabled), as the cascade of Prefect's automation delete does.
void remove_state_except(store::Connection& c, const std::vector<std::string>& automation_ids);

}  // namespace praetor::automations

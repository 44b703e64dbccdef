// Global (v2) concurrency limits and their slot leases (Prefect's
// models/concurrency_limits_v2.py and concurrency/lease_storage). Functions take the
// Connection of a Database::read/write call and throw DatabaseError on database failure; a
// duplicate name surfaces as a constraint error (409).
//
// Slots decay: a limit with slot_decay_per_second > 0 (a rate limit) frees that many slots
// per second since `updated`; denied slots decay likewise (concurrency limits at
// 1 / clamped avg_slot_occupancy_seconds). Every read of active_slots applies the decay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::store::concurrency {

struct Limit {
  std::string id;
  core::Timestamp created;
  core::Timestamp updated;
  bool active = true;
  std::string name;
  int64_t limit = 0;
  int64_t active_slots = 0;  // as stored; see `decayed_active_slots`
  int64_t denied_slots = 0;
  double slot_decay_per_second = 0;
  double avg_slot_occupancy_seconds = 2.0;
  int64_t decayed_active_slots = 0;  // active_slots after decay at the read time
};

struct LimitUpdate {
  std::optional<bool> active;
  std::optional<std::string> name;
  std::optional<int64_t> limit;
  std::optional<int64_t> active_slots;
  std::optional<int64_t> denied_slots;
  std::optional<double> slot_decay_per_second;
};

void create(Connection& c, const Limit& limit);
// By id when `id_or_name` is a canonical UUID, else by name (as Prefect's routes do).
std::optional<Limit> read(Connection& c, const std::string& id_or_name, bool is_id, core::Timestamp now);
// The limit `id` as stored, without decay (decayed_active_slots == active_slots): what a
// deployment's global_concurrency_limit answers.
std::optional<Limit> read_stored(Connection& c, const std::string& id);
std::vector<Limit> list(Connection& c, int64_t limit, int64_t offset, core::Timestamp now);
// The active slots after decay at `now` of those limits among `ids` that exist, by id.
std::unordered_map<std::string, int64_t> decayed_active_slots(Connection& c, const std::vector<std::string>& ids,
                                                              core::Timestamp now);
// The limits named in `names` that exist, by name, rows locked until the write ends
// (PostgreSQL FOR UPDATE), with their decayed active slots.
std::vector<Limit> read_by_names(Connection& c, const std::vector<std::string>& names, core::Timestamp now);
bool update(Connection& c, const std::string& id_or_name, bool is_id, const LimitUpdate& update,
            core::Timestamp now);
bool remove(Connection& c, const std::string& id_or_name, bool is_id);

struct AcquireRequest {
  std::vector<std::string> names;
  int64_t slots = 1;
  bool rate_limit = false;                  // mode "rate_limit"
  std::optional<double> lease_seconds;      // set: create a lease on success
  boost::json::value holder;                // null or {"type","id"}, kept in the lease metadata
};

struct Acquired {
  std::vector<Limit> limits;  // every named limit that exists (active or not), by name
  std::optional<std::string> lease_id;
};
struct Locked {
  double average_retry_seconds;  // Prefect's average interval before jitter
};
struct Refused {
  std::string detail;  // a 422 {"detail"} message
};
using AcquireOutcome = std::variant<Acquired, Locked, Refused>;

// Takes `slots` on every active named limit, all or none, in the caller's one write.
// Names without a limit are skipped (no limits at all means "unlimited"). When a limit is
// full, records the denied slots and answers Locked. Expired leases are reclaimed first.
AcquireOutcome acquire(Connection& c, const AcquireRequest& request, core::Timestamp now);

// Frees `slots` on the active named limits; `occupancy_seconds` (> 0) updates the average
// occupancy. Returns the named limits that exist.
std::vector<Limit> release(Connection& c, const std::vector<std::string>& names, int64_t slots,
                           std::optional<double> occupancy_seconds, core::Timestamp now);

// Frees the lease's slots and deletes it; false when there is no such lease.
bool release_lease(Connection& c, const std::string& lease_id, core::Timestamp now);
// Extends an unexpired lease to now + seconds; false when missing or expired.
bool renew_lease(Connection& c, const std::string& lease_id, double seconds, core::Timestamp now);
// Ids of the leases expired by `now` (expiration <= now), oldest expiration first, at most
// `max_leases` (Prefect's read_expired_lease_ids).
std::vector<std::string> expired_lease_ids(Connection& c, core::Timestamp now, int max_leases = 100);
// Prefect's revoke_expired_lease: when the lease still exists and is still expired at `now`
// (it may have been renewed or released since it was listed), frees its slots on its
// limits, with its age as the occupancy sample, and deletes it; false otherwise.
bool reclaim_expired_lease(Connection& c, const std::string& lease_id, core::Timestamp now);
// Reclaims the leases expired by `now` (at most `max_leases`); returns how many.
int reclaim_expired_leases(Connection& c, core::Timestamp now, int max_leases = 100);

// ---- single-limit slot operations (deployment concurrency, driven by the flow-run policy)

// The limit `id` with its decayed active slots, its row locked until the write ends
// (PostgreSQL FOR UPDATE; SQLite's single writer serialises anyway); nullopt when missing.
std::optional<Limit> read_for_update(Connection& c, const std::string& id, core::Timestamp now);
// bulk_increment_active_slots on one active limit, as decided by the caller (no capacity
// check here), then a lease over it of `lease_seconds` with the caller's id and holder.
void take_slot_with_lease(Connection& c, const std::string& limit_id, const std::string& lease_id,
                          double lease_seconds, const boost::json::value& holder, core::Timestamp now);
// Prefect's bulk_increment_active_slots: `slots` more on every active limit among `ids` that
// has room for them after decay; true when every id was taken (the caller rolls the write
// back otherwise, which keeps it all or none).
bool take_slots(Connection& c, const std::vector<std::string>& ids, int64_t slots, core::Timestamp now);
// A lease over `resource_ids` holding `slots` each, expiring `lease_seconds` from now, with
// `holder` (null or {"type","id"}) in its metadata; returns its id. Takes no slots itself.
std::string create_lease(Connection& c, const std::vector<std::string>& resource_ids, int64_t slots,
                         double lease_seconds, const boost::json::value& holder, core::Timestamp now);
// bulk_decrement_active_slots: `slots` off the active limits among `ids` (never below 0).
void free_slots(Connection& c, const std::vector<std::string>& ids, int64_t slots, core::Timestamp now);
// Deletes the lease without freeing its slots (revoke_lease); false when missing.
bool revoke_lease(Connection& c, const std::string& lease_id);
// True when the lease exists and has not expired by `now`.
bool lease_is_live(Connection& c, const std::string& lease_id, core::Timestamp now);

}  // namespace praetor::store::concurrency

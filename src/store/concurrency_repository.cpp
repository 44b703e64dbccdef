#include "store/concurrency_repository.h"

#include <algorithm>

#include "core/uuid.h"
#include "store/dialect.h"

namespace praetor::store::concurrency {

namespace json = boost::json;

namespace {

// Prefect's server.concurrency.maximum_concurrency_slot_wait_seconds and
// server.tasks.tag_concurrency_slot_wait_seconds (both default to 30 s).
constexpr double kMaxSlotWaitSeconds = 30.0;
// models/concurrency_limits_v2.py MINIMUM_OCCUPANCY_SECONDS_PER_SLOT and
// OCCUPANCY_SAMPLES_MULTIPLIER.
constexpr double kMinOccupancySecondsPerSlot = 0.1;

// ?1 is always `now` in microseconds.
std::string elapsed_seconds(Dialect d) { return sql::greatest(d, "0.0", "(?1 - updated) / 1e6"); }

// The rate the decay arithmetic uses: 0 stays 0, any other rate is held within
// [1e-9, 1e9] slots per second. PostgreSQL raises an error on a double product or quotient
// that overflows or underflows (a rate of 1e308 times the seconds elapsed, or of 5e-324),
// and one such stored limit would then fail every read of every limit. Within these
// bounds the products below stay finite and non-zero; outside them the decay is the same
// to the microsecond (faster) or to the decade (slower).
std::string bounded_rate(Dialect d, const std::string& rate) {
  return "(CASE WHEN " + rate + " > 0 THEN " + sql::greatest(d, "1e-9", sql::least(d, rate, "1e9")) + " ELSE 0.0 END)";
}

// `count` less `rate` slots per second since `updated`, not below 0.
std::string decayed_sql(Dialect d, const std::string& count, const std::string& rate) {
  std::string decayed = "(" + bounded_rate(d, rate) + " * " + elapsed_seconds(d) + ")";
  return "(CASE WHEN " + decayed + " >= " + count + " THEN 0 ELSE " +
         sql::greatest(d, "0", count + " - " + sql::truncate_to_integer(d, decayed)) + " END)";
}

std::string decayed_active_sql(Dialect d) { return decayed_sql(d, "active_slots", "slot_decay_per_second"); }

std::string decayed_denied_sql(Dialect d) {
  std::string rate = "(CASE WHEN slot_decay_per_second > 0 THEN slot_decay_per_second ELSE 1.0 / " +
                     sql::greatest(d, "0.1", sql::least(d, "avg_slot_occupancy_seconds", "30.0")) + " END)";
  return decayed_sql(d, "denied_slots", rate);
}

std::string columns(Dialect d) {
  return "id, created, updated, active, name, \"limit\", active_slots, denied_slots, slot_decay_per_second, "
         "avg_slot_occupancy_seconds, " +
         decayed_active_sql(d);
}

Limit limit_from_row(Statement& st) {
  Limit l;
  l.id = st.column_text(0);
  l.created = core::from_micros(st.column_int(1));
  l.updated = core::from_micros(st.column_int(2));
  l.active = st.column_int(3) != 0;
  l.name = st.column_text(4);
  l.limit = st.column_int(5);
  l.active_slots = st.column_int(6);
  l.denied_slots = st.column_int(7);
  l.slot_decay_per_second = st.column_double(8);
  l.avg_slot_occupancy_seconds = st.column_double(9);
  l.decayed_active_slots = st.column_int(10);
  return l;
}

std::string json_list(const std::vector<std::string>& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return json::serialize(a);
}

// bulk_decrement_active_slots: active limits among `ids` lose `slots` (never below 0).
void decrement(Connection& c, const std::vector<std::string>& ids, int64_t slots,
               std::optional<double> occupancy_seconds, core::Timestamp now) {
  std::optional<double> per_slot;
  if (occupancy_seconds && *occupancy_seconds > 0 && slots > 0) {
    per_slot = std::max(*occupancy_seconds / static_cast<double>(slots), kMinOccupancySecondsPerSlot);
  }
  // Without an occupancy sample the average stays (a NULL parameter would also leave its
  // type undeterminable for PostgreSQL).
  std::string average = per_slot ? ", avg_slot_occupancy_seconds = CASE WHEN \"limit\" <= 0 THEN avg_slot_occupancy_seconds "
                                   "ELSE avg_slot_occupancy_seconds + ?4 / (\"limit\" * 2.0) - avg_slot_occupancy_seconds / "
                                   "(\"limit\" * 2.0) END"
                                 : "";
  auto& st = c.prepare(
      "UPDATE concurrency_limit_v2 SET active_slots = " + sql::greatest(c.dialect(), "0", decayed_active_sql(c.dialect()) + " - ?2") +
      ", denied_slots = " + decayed_denied_sql(c.dialect()) + average +
      ", updated = ?1 WHERE id IN (SELECT value FROM json_each(?3)) AND active = 1");
  st.bind(1, core::to_micros(now)).bind(2, slots).bind(3, json_list(ids));
  if (per_slot) st.bind(4, *per_slot);
  st.run();
}

// Inserts the lease row `lease_id`; the metadata carries the slots and a non-null holder.
void create_lease(Connection& c, const std::vector<std::string>& resource_ids, int64_t slots, double lease_seconds,
                  const json::value& holder, core::Timestamp now, const std::string& lease_id) {
  const int64_t now_us = core::to_micros(now);
  json::object metadata{{"slots", slots}};
  if (!holder.is_null()) metadata["holder"] = holder;
  auto& ins = c.prepare(
      "INSERT INTO concurrency_lease(id, created, expiration, resource_ids, slots, metadata) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  ins.bind(1, lease_id)
      .bind(2, now_us)
      .bind(3, now_us + static_cast<int64_t>(lease_seconds * 1e6))
      .bind(4, json_list(resource_ids))
      .bind(5, slots)
      .bind(6, json::serialize(metadata))
      .run();
}

const char* where_id_or_name(bool is_id) { return is_id ? "id = ?2" : "name = ?2"; }

std::string python_repr(const std::string& s) {
  bool single = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  return single ? "\"" + s + "\"" : "'" + s + "'";
}

}  // namespace

void create(Connection& c, const Limit& l) {
  auto& st = c.prepare(
      "INSERT INTO concurrency_limit_v2(id, created, updated, active, name, \"limit\", active_slots, denied_slots, "
      "slot_decay_per_second, avg_slot_occupancy_seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  st.bind(1, l.id)
      .bind(2, core::to_micros(l.created))
      .bind(3, core::to_micros(l.updated))
      .bind(4, l.active)
      .bind(5, l.name)
      .bind(6, l.limit)
      .bind(7, l.active_slots)
      .bind(8, l.denied_slots)
      .bind(9, l.slot_decay_per_second)
      .bind(10, l.avg_slot_occupancy_seconds)
      .run();
}

std::optional<Limit> read(Connection& c, const std::string& id_or_name, bool is_id, core::Timestamp now) {
  auto& st = c.prepare("SELECT " + columns(c.dialect()) + " FROM concurrency_limit_v2 WHERE " + where_id_or_name(is_id));
  st.bind(1, core::to_micros(now)).bind(2, id_or_name);
  if (!st.step()) return std::nullopt;
  Limit l = limit_from_row(st);
  st.reset();
  return l;
}

std::optional<Limit> read_stored(Connection& c, const std::string& id) {
  // At time 0 no time has elapsed since `updated`, so nothing decays.
  return read(c, id, true, core::Timestamp{});
}

std::vector<Limit> list(Connection& c, int64_t limit, int64_t offset, core::Timestamp now) {
  auto& st = c.prepare("SELECT " + columns(c.dialect()) + " FROM concurrency_limit_v2 ORDER BY name LIMIT ?2 OFFSET ?3");
  st.bind(1, core::to_micros(now)).bind(2, limit).bind(3, offset);
  std::vector<Limit> out;
  while (st.step()) out.push_back(limit_from_row(st));
  return out;
}

std::unordered_map<std::string, int64_t> decayed_active_slots(Connection& c, const std::vector<std::string>& ids,
                                                              core::Timestamp now) {
  std::unordered_map<std::string, int64_t> out;
  if (ids.empty()) return out;
  auto& st = c.prepare("SELECT id, " + decayed_active_sql(c.dialect()) +
                       " FROM concurrency_limit_v2 WHERE id IN (SELECT value FROM json_each(?2))");
  st.bind(1, core::to_micros(now)).bind(2, json_list(ids));
  while (st.step()) out.emplace(st.column_text(0), st.column_int(1));
  return out;
}

bool update(Connection& c, const std::string& id_or_name, bool is_id, const LimitUpdate& u, core::Timestamp now) {
  auto& st = c.prepare(std::string("UPDATE concurrency_limit_v2 SET active = COALESCE(?3, active), name = COALESCE(?4, "
                                   "name), \"limit\" = COALESCE(?5, \"limit\"), active_slots = COALESCE(?6, "
                                   "active_slots), denied_slots = COALESCE(?7, denied_slots), slot_decay_per_second = "
                                   "COALESCE(?8, slot_decay_per_second), updated = ?1 WHERE ") +
                       where_id_or_name(is_id));
  st.bind(1, core::to_micros(now)).bind(2, id_or_name);
  if (u.active) st.bind(3, *u.active); else st.bind(3, nullptr);
  st.bind(4, u.name).bind(5, u.limit).bind(6, u.active_slots).bind(7, u.denied_slots).bind(8, u.slot_decay_per_second);
  st.run();
  return c.changes() > 0;
}

bool remove(Connection& c, const std::string& id_or_name, bool is_id) {
  auto& st = c.prepare(std::string("DELETE FROM concurrency_limit_v2 WHERE ") + where_id_or_name(is_id));
  st.bind(2, id_or_name).run();
  return c.changes() > 0;
}

std::vector<Limit> read_by_names(Connection& c, const std::vector<std::string>& names, core::Timestamp now) {
  auto& st = c.prepare("SELECT " + columns(c.dialect()) +
                       " FROM concurrency_limit_v2 WHERE name IN (SELECT value FROM json_each(?2)) ORDER BY name" +
                       sql::for_update(c.dialect()));
  st.bind(1, core::to_micros(now)).bind(2, json_list(names));
  std::vector<Limit> out;
  while (st.step()) out.push_back(limit_from_row(st));
  return out;
}

AcquireOutcome acquire(Connection& c, const AcquireRequest& request, core::Timestamp now) {
  reclaim_expired_leases(c, now);
  std::vector<Limit> limits = read_by_names(c, request.names, now);
  std::vector<const Limit*> active;
  for (const auto& l : limits) {
    if (l.active) active.push_back(&l);
  }
  for (const Limit* l : active) {
    if (l->limit < request.slots) return Refused{"Slots requested is greater than the limit"};
  }
  if (request.rate_limit) {
    std::string non_decaying;
    for (const Limit* l : active) {
      if (l->slot_decay_per_second == 0.0) non_decaying += (non_decaying.empty() ? "" : ",") + l->name;
    }
    if (!non_decaying.empty()) {
      return Refused{
          "Only concurrency limits with slot decay can be used for rate limiting. The following limits do not have a "
          "decay configured: " +
          python_repr(non_decaying)};
    }
  }

  std::vector<std::string> active_ids;
  bool fits = true;
  for (const Limit* l : active) {
    active_ids.push_back(l->id);
    if (l->decayed_active_slots + request.slots > l->limit) fits = false;
  }
  const int64_t now_us = core::to_micros(now);

  if (!fits) {
    // bulk_update_denied_slots, then the Retry-After of the most blocking limit
    // (_generate_concurrency_locked_response), from the values read before the update.
    auto& st = c.prepare("UPDATE concurrency_limit_v2 SET denied_slots = " + decayed_denied_sql(c.dialect()) +
                         " + ?2, updated = ?1 WHERE id IN (SELECT value FROM json_each(?3)) AND active = 1");
    st.bind(1, now_us).bind(2, request.slots).bind(3, json_list(active_ids)).run();
    auto blocking_slots = [&](const Limit* l) {
      double waiting = static_cast<double>(request.slots + l->denied_slots);
      return l->slot_decay_per_second > 0 ? waiting : waiting / static_cast<double>(l->limit);
    };
    const Limit* blocking = *std::max_element(
        active.begin(), active.end(), [&](const Limit* a, const Limit* b) { return blocking_slots(a) < blocking_slots(b); });
    double slots_ahead = blocking_slots(blocking);
    double average;
    if (blocking->slot_decay_per_second == 0.0) {
      double per_slot = std::min(blocking->avg_slot_occupancy_seconds, kMaxSlotWaitSeconds);
      average = std::min(per_slot * slots_ahead, kMaxSlotWaitSeconds);
    } else {
      average = slots_ahead / blocking->slot_decay_per_second;
    }
    return Locked{average};
  }

  if (!active_ids.empty()) {
    auto& st = c.prepare("UPDATE concurrency_limit_v2 SET active_slots = " + decayed_active_sql(c.dialect()) +
                         " + ?2, denied_slots = " + decayed_denied_sql(c.dialect()) +
                         ", updated = ?1 WHERE id IN (SELECT value FROM json_each(?3)) AND active = 1");
    st.bind(1, now_us).bind(2, request.slots).bind(3, json_list(active_ids)).run();
  }
  Acquired out{std::move(limits), std::nullopt};
  if (request.lease_seconds) {
    std::vector<std::string> resource_ids;
    for (const auto& l : out.limits) resource_ids.push_back(l.id);
    std::string lease_id = create_lease(c, resource_ids, request.slots, *request.lease_seconds, request.holder, now);
    out.lease_id = std::move(lease_id);
  }
  return out;
}

std::vector<Limit> release(Connection& c, const std::vector<std::string>& names, int64_t slots,
                           std::optional<double> occupancy_seconds, core::Timestamp now) {
  std::vector<Limit> limits = read_by_names(c, names, now);
  if (limits.empty()) return limits;
  std::vector<std::string> ids;
  for (const auto& l : limits) {
    if (l.active) ids.push_back(l.id);
  }
  decrement(c, ids, slots, occupancy_seconds, now);
  return limits;
}

namespace {

std::vector<std::string> ids_from_json(const std::string& text) {
  std::vector<std::string> ids;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (!ec && parsed.is_array()) {
    for (const auto& v : parsed.get_array()) {
      if (v.is_string()) ids.emplace_back(v.get_string());
    }
  }
  return ids;
}

// Frees the slots of the lease row `lease_id` when `only_expired_by` is unset or the lease
// expired by then. On PostgreSQL the lease's limits are locked first (by name, as acquire
// does; the flow-run path also locks a limit before its lease), then the lease row, so two
// writers releasing one lease neither both free its slots nor deadlock.
bool release_lease_row(Connection& c, const std::string& lease_id, std::optional<core::Timestamp> only_expired_by,
                       core::Timestamp now) {
  if (c.dialect() == Dialect::kPostgres) {
    auto& peek = c.prepare("SELECT resource_ids FROM concurrency_lease WHERE id = ?1");
    peek.bind(1, lease_id);
    if (!peek.step()) return false;
    std::string resources = peek.column_text(0);
    peek.reset();
    auto& lock = c.prepare("SELECT id FROM concurrency_limit_v2 WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY name" +
                           std::string(sql::for_update(c.dialect())));
    lock.bind(1, resources).run();
  }
  auto& st = c.prepare(std::string("SELECT resource_ids, slots, created, expiration FROM concurrency_lease WHERE id = ?1") +
                       sql::for_update(c.dialect()));
  st.bind(1, lease_id);
  if (!st.step()) return false;
  std::string resource_text = st.column_text(0);
  int64_t slots = st.column_int(1);
  int64_t created = st.column_int(2);
  int64_t expiration = st.column_int(3);
  st.reset();
  if (only_expired_by && expiration > core::to_micros(*only_expired_by)) return false;
  std::vector<std::string> ids = ids_from_json(resource_text);
  double occupancy = static_cast<double>(core::to_micros(now) - created) / 1e6;
  if (!ids.empty()) decrement(c, ids, slots, occupancy, now);
  auto& del = c.prepare("DELETE FROM concurrency_lease WHERE id = ?1");
  del.bind(1, lease_id).run();
  return true;
}

}  // namespace

bool release_lease(Connection& c, const std::string& lease_id, core::Timestamp now) {
  return release_lease_row(c, lease_id, std::nullopt, now);
}

bool renew_lease(Connection& c, const std::string& lease_id, double seconds, core::Timestamp now) {
  auto& st = c.prepare("UPDATE concurrency_lease SET expiration = ?2 WHERE id = ?1 AND expiration > ?3");
  int64_t now_us = core::to_micros(now);
  st.bind(1, lease_id).bind(2, now_us + static_cast<int64_t>(seconds * 1e6)).bind(3, now_us).run();
  return c.changes() > 0;
}

std::vector<std::string> expired_lease_ids(Connection& c, core::Timestamp now, int max_leases) {
  auto& st = c.prepare("SELECT id FROM concurrency_lease WHERE expiration <= ?1 ORDER BY expiration, id LIMIT ?2");
  st.bind(1, core::to_micros(now)).bind(2, max_leases);
  std::vector<std::string> expired;
  while (st.step()) expired.push_back(st.column_text(0));
  st.reset();
  return expired;
}

bool reclaim_expired_lease(Connection& c, const std::string& lease_id, core::Timestamp now) {
  return release_lease_row(c, lease_id, now, now);
}

int reclaim_expired_leases(Connection& c, core::Timestamp now, int max_leases) {
  int reclaimed = 0;
  for (const auto& id : expired_lease_ids(c, now, max_leases)) {
    if (reclaim_expired_lease(c, id, now)) ++reclaimed;
  }
  return reclaimed;
}

std::optional<Limit> read_for_update(Connection& c, const std::string& id, core::Timestamp now) {
  auto& st = c.prepare("SELECT " + columns(c.dialect()) + " FROM concurrency_limit_v2 WHERE id = ?2" +
                       sql::for_update(c.dialect()));
  st.bind(1, core::to_micros(now)).bind(2, id);
  if (!st.step()) return std::nullopt;
  Limit l = limit_from_row(st);
  st.reset();
  return l;
}

void take_slot_with_lease(Connection& c, const std::string& limit_id, const std::string& lease_id,
                          double lease_seconds, const json::value& holder, core::Timestamp now) {
  const int64_t now_us = core::to_micros(now);
  auto& st = c.prepare("UPDATE concurrency_limit_v2 SET active_slots = " + decayed_active_sql(c.dialect()) +
                       " + 1, denied_slots = " + decayed_denied_sql(c.dialect()) +
                       ", updated = ?1 WHERE id = ?2 AND active = 1");
  st.bind(1, now_us).bind(2, limit_id).run();
  create_lease(c, {limit_id}, 1, lease_seconds, holder, now, lease_id);
}

bool take_slots(Connection& c, const std::vector<std::string>& ids, int64_t slots, core::Timestamp now) {
  auto& st = c.prepare("UPDATE concurrency_limit_v2 SET active_slots = " + decayed_active_sql(c.dialect()) +
                       " + ?2, denied_slots = " + decayed_denied_sql(c.dialect()) +
                       ", updated = ?1 WHERE id IN (SELECT value FROM json_each(?3)) AND active = 1 AND " +
                       decayed_active_sql(c.dialect()) + " + ?2 <= \"limit\"");
  st.bind(1, core::to_micros(now)).bind(2, slots).bind(3, json_list(ids)).run();
  return c.changes() == static_cast<int64_t>(ids.size());
}

std::string create_lease(Connection& c, const std::vector<std::string>& resource_ids, int64_t slots,
                         double lease_seconds, const json::value& holder, core::Timestamp now) {
  std::string lease_id = core::new_uuid4();
  create_lease(c, resource_ids, slots, lease_seconds, holder, now, lease_id);
  return lease_id;
}

void free_slots(Connection& c, const std::vector<std::string>& ids, int64_t slots, core::Timestamp now) {
  decrement(c, ids, slots, std::nullopt, now);
}

bool revoke_lease(Connection& c, const std::string& lease_id) {
  auto& del = c.prepare("DELETE FROM concurrency_lease WHERE id = ?1");
  del.bind(1, lease_id).run();
  return c.changes() > 0;
}

bool lease_is_live(Connection& c, const std::string& lease_id, core::Timestamp now) {
  auto& st = c.prepare("SELECT 1 FROM concurrency_lease WHERE id = ?1 AND expiration > ?2");
  st.bind(1, lease_id).bind(2, core::to_micros(now));
  bool live = st.step();
  st.reset();
  return live;
}

}  // namespace praetor::store::concurrency

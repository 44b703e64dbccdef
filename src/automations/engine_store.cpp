#include "store/bulk_insert.h"
#include "automations/engine_store.h"

#include <limits>
#include <set>

#include <spdlog/spdlog.h>

namespace praetor::automations {

namespace json = boost::json;

namespace {
constexpr const char* kCursorName = "triggers";

std::optional<events::Event> event_from_doc(const std::string& doc, int64_t received) {
  json::error_code ec;
  auto v = json::parse(doc, ec);
  if (ec) return std::nullopt;
  auto e = events::parse_event(v, core::from_micros(received));
  if (!e) return std::nullopt;
  return std::move(*e);
}
}  // namespace

EngineState load_engine_state(store::Connection& c) {
  EngineState state;
  auto& b = c.prepare(
      "SELECT automation_id, trigger_id, bucketing_key, start_time, end_time, count, last_event FROM automation_bucket");
  while (b.step()) {
    Bucket bucket;
    bucket.automation_id = b.column_text(0);
    bucket.trigger_id = b.column_text(1);
    auto key = json::parse(b.column_text(2));
    if (key.is_array()) {
      for (const auto& k : key.get_array()) bucket.key.emplace_back(k.is_string() ? k.get_string() : "");
    }
    bucket.start = core::from_micros(b.column_int(3));
    bucket.end = core::from_micros(b.column_int(4));
    bucket.count = b.column_int(5);
    if (auto last = b.column_optional_text(6)) {
      auto v = json::parse(*last);
      if (v.is_object()) bucket.last_event = std::make_shared<const json::object>(std::move(v.get_object()));
    }
    state.buckets[EngineState::bucket_key(bucket.automation_id, bucket.trigger_id, bucket.key)] = std::move(bucket);
  }
  auto& f = c.prepare("SELECT automation_id, parent_trigger_id, child_trigger_id, firing FROM automation_child_firing");
  while (f.step()) {
    ChildFiring cf{f.column_text(0), f.column_text(1), f.column_text(2), {}};
    auto v = json::parse(f.column_text(3));
    if (v.is_object()) cf.firing = firing_from_json(v.get_object());
    state.child_firings[EngineState::child_firing_key(cf.automation_id, cf.parent_trigger_id, cf.child_trigger_id)] =
        std::move(cf);
  }
  return state;
}

void save_engine_state(store::Connection& c, EngineState& state) {
  for (const auto& key : state.dirty_buckets) {
    auto it = state.buckets.find(key);
    if (it == state.buckets.end()) {
      // The key is "automation|trigger|json-key"; ids hold no '|'.
      auto first = key.find('|');
      auto second = key.find('|', first + 1);
      c.prepare("DELETE FROM automation_bucket WHERE automation_id = ?1 AND trigger_id = ?2 AND bucketing_key = ?3")
          .bind(1, key.substr(0, first))
          .bind(2, key.substr(first + 1, second - first - 1))
          .bind(3, key.substr(second + 1))
          .run();
      continue;
    }
    const Bucket& b = it->second;
    json::array k;
    for (const auto& v : b.key) k.emplace_back(v);
    std::optional<std::string> last;
    if (b.last_event) last = json::serialize(*b.last_event);
    c.prepare(
         "INSERT INTO automation_bucket (automation_id, trigger_id, bucketing_key, start_time, end_time, count, "
         "last_event) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (automation_id, trigger_id, bucketing_key) DO "
         "UPDATE SET start_time = excluded.start_time, end_time = excluded.end_time, count = excluded.count, "
         "last_event = excluded.last_event")
        .bind(1, b.automation_id)
        .bind(2, b.trigger_id)
        .bind(3, json::serialize(k))
        .bind(4, core::to_micros(b.start))
        .bind(5, core::to_micros(b.end))
        .bind(6, b.count)
        .bind(7, last)
        .run();
  }
  for (const auto& key : state.dirty_child_firings) {
    auto it = state.child_firings.find(key);
    auto first = key.find('|');
    auto second = key.find('|', first + 1);
    if (it == state.child_firings.end()) {
      c.prepare(
           "DELETE FROM automation_child_firing WHERE automation_id = ?1 AND parent_trigger_id = ?2 AND "
           "child_trigger_id = ?3")
          .bind(1, key.substr(0, first))
          .bind(2, key.substr(first + 1, second - first - 1))
          .bind(3, key.substr(second + 1))
          .run();
      continue;
    }
    const ChildFiring& cf = it->second;
    c.prepare(
         "INSERT INTO automation_child_firing (automation_id, parent_trigger_id, child_trigger_id, triggered, firing) "
         "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (automation_id, parent_trigger_id, child_trigger_id) DO UPDATE SET "
         "triggered = excluded.triggered, firing = excluded.firing")
        .bind(1, cf.automation_id)
        .bind(2, cf.parent_trigger_id)
        .bind(3, cf.child_trigger_id)
        .bind(4, core::to_micros(cf.firing.triggered))
        .bind(5, json::serialize(firing_to_json(cf.firing)))
        .run();
  }
  state.dirty_buckets.clear();
  state.dirty_child_firings.clear();
}

std::optional<EventCursor> read_cursor(store::Connection& c) {
  auto& st = c.prepare("SELECT received, generation FROM automation_event_cursor WHERE name = ?1");
  st.bind(1, kCursorName);
  if (!st.step()) return std::nullopt;
  EventCursor cursor{core::from_micros(st.column_int(0)), st.column_int(1)};
  st.reset();  // a statement left mid-result would keep the pooled reader's snapshot open
  return cursor;
}

bool advance_cursor(store::Connection& c, const EventCursor& cursor, std::optional<int64_t> expected_generation) {
  if (!expected_generation) {
    auto& st = c.prepare(
        "INSERT INTO automation_event_cursor (name, received, generation) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO "
        "NOTHING");
    st.bind(1, kCursorName).bind(2, core::to_micros(cursor.received)).bind(3, cursor.generation).run();
    return c.changes() == 1;
  }
  auto& st = c.prepare(
      "UPDATE automation_event_cursor SET received = ?2, generation = ?3 WHERE name = ?1 AND generation = ?4");
  st.bind(1, kCursorName)
      .bind(2, core::to_micros(cursor.received))
      .bind(3, cursor.generation)
      .bind(4, *expected_generation)
      .run();
  return c.changes() == 1;
}

// In `received` order only, which ix_event_received gives without a sort, so a page costs
// its rows however far behind the cursor is. Events received at the same moment (a pass's
// own events share one) come in any order: a page cut among them is finished by the next
// read, which starts at that moment again and skips what was seen.
std::vector<events::Event> read_unseen_events(store::Connection& c, core::Timestamp from,
                                              std::optional<core::Timestamp> until, int64_t limit) {
  auto& st = c.prepare(
      "SELECT e.doc, e.received FROM event e WHERE e.received >= ?1 AND e.received < ?2 AND "
      "e.event <> 'prefect.log.write' AND NOT EXISTS (SELECT 1 FROM automation_seen_event s WHERE s.event_id = e.id) "
      "ORDER BY e.received LIMIT ?3");
  st.bind(1, core::to_micros(from))
      .bind(2, until ? core::to_micros(*until) : std::numeric_limits<int64_t>::max())
      .bind(3, limit);
  std::vector<events::Event> out;
  while (st.step()) {
    auto e = event_from_doc(st.column_text(0), st.column_int(1));
    if (e) {
      out.push_back(std::move(*e));
    } else {
      spdlog::warn("automations: a stored event could not be read; skipped");
    }
  }
  return out;
}

void mark_seen(store::Connection& c, const std::vector<events::Event>& events) {
  store::BulkInsert rows("automation_seen_event", {"event_id", "received"}, "ON CONFLICT (event_id) DO NOTHING");
  for (const auto& e : events) rows.add({e.id, core::to_micros(e.received)});
  rows.run(c);
}

void prune_seen(store::Connection& c, core::Timestamp before) {
  c.prepare("DELETE FROM automation_seen_event WHERE received < ?1").bind(1, core::to_micros(before)).run();
}

void add_to_outbox(store::Connection& c, const std::string& id, core::Timestamp created, const json::object& doc) {
  c.prepare("INSERT INTO automation_action_outbox (id, created, doc) VALUES (?1, ?2, ?3)")
      .bind(1, id)
      .bind(2, core::to_micros(created))
      .bind(3, json::serialize(doc))
      .run();
}

std::vector<OutboxEntry> read_outbox(store::Connection& c, int64_t limit) {
  auto& st = c.prepare("SELECT id, doc FROM automation_action_outbox ORDER BY created, id LIMIT ?1");
  st.bind(1, limit);
  std::vector<OutboxEntry> out;
  while (st.step()) {
    auto v = json::parse(st.column_text(1));
    if (v.is_object()) out.push_back({st.column_text(0), v.get_object()});
  }
  return out;
}

void remove_from_outbox(store::Connection& c, const std::string& id) {
  c.prepare("DELETE FROM automation_action_outbox WHERE id = ?1").bind(1, id).run();
}

void remove_state_except(store::Connection& c, const std::vector<std::string>& automation_ids) {
  std::set<std::string> keep(automation_ids.begin(), automation_ids.end());
  std::vector<std::string> gone;
  auto& st = c.prepare(
      "SELECT DISTINCT automation_id FROM automation_bucket UNION SELECT DISTINCT automation_id FROM "
      "automation_child_firing");
  while (st.step()) {
    auto id = st.column_text(0);
    if (!keep.count(id)) gone.push_back(std::move(id));
  }
  for (const auto& id : gone) {
    c.prepare("DELETE FROM automation_bucket WHERE automation_id = ?1").bind(1, id).run();
    c.prepare("DELETE FROM automation_child_firing WHERE automation_id = ?1").bind(1, id).run();
  }
}

}  // namespace praetor::automations

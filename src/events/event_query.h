// Reads stored events through an EventFilter (Prefect's server/events/storage/database.py
// and counting.py). Repository functions on a store::Connection; callers run them inside
// db.read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "events/event_filter.h"
#include "store/connection.h"

namespace praetor::events {

// Matching events as ReceivedEvent JSON, ordered by occurred (then id) in the filter's
// order.
std::vector<boost::json::object> read_events(store::Connection& c, const EventFilter& f, int64_t limit,
                                             int64_t offset);
int64_t count_events(store::Connection& c, const EventFilter& f);

// Where a page of events ended: the last event's occurred time and id (the sort key).
struct EventCursor {
  int64_t occurred;  // microseconds since the epoch
  std::string id;
};
struct EventPage {
  std::vector<boost::json::object> events;
  std::optional<EventCursor> last;  // nullopt when the page is empty
};
// Up to `limit` matching events strictly after `after` (nullopt: from the first) in the
// filter's order. A keyset page: each read starts at its cursor in the occurred index, so
// it stays short however deep into the results it is (an OFFSET re-reads every earlier row,
// and a long read pins SQLite's WAL).
EventPage read_events_page(store::Connection& c, const EventFilter& f, int64_t limit,
                           const std::optional<EventCursor>& after);

enum class Countable { kDay, kTime, kEvent, kResource };
enum class TimeUnit { kWeek, kDay, kHour, kMinute, kSecond };

std::optional<Countable> parse_countable(std::string_view s);
std::optional<TimeUnit> parse_time_unit(std::string_view s);

// EventCount objects {value, label, count, start_time, end_time}. For kDay/kTime every
// bucket between since and until appears, empty ones with count 0 (buckets are counted
// from Prefect's pivot, 2024-04-01T00:00Z). A range of more than 1000 buckets is a 422.
core::Result<boost::json::array> count_events_by(store::Connection& c, const EventFilter& f, Countable countable,
                                                 TimeUnit unit, double interval, core::Timestamp now);

}  // namespace praetor::events

#include "events/replica_feed.h"

#include <spdlog/spdlog.h>

namespace praetor::events {

namespace json = boost::json;

std::vector<std::string> event_notification_payloads(const std::string& replica_id, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  std::string current;
  for (const auto& id : ids) {
    if (!current.empty() && current.size() + 1 + id.size() > store::kMaxNotificationPayload) {
      out.push_back(std::move(current));
      current.clear();
    }
    current += current.empty() ? replica_id + " " : ",";
    current += id;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::optional<EventNotification> parse_event_notification(std::string_view payload) {
  auto space = payload.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  EventNotification n;
  n.replica_id = std::string(payload.substr(0, space));
  std::string_view rest = payload.substr(space + 1);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto id = rest.substr(0, comma);
    if (!id.empty()) n.ids.emplace_back(id);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return n;
}

void notify_new_events(store::Connection& c, const std::string& replica_id, const std::vector<std::string>& ids) {
  if (c.dialect() != store::Dialect::kPostgres) return;
  for (const auto& payload : event_notification_payloads(replica_id, ids)) store::notify(c, kEventsChannel, payload);
}

core::Result<std::vector<Event>> load_events(store::Connection& c, const std::vector<std::string>& ids,
                                             core::Timestamp now) {
  std::vector<Event> out;
  constexpr std::size_t kChunk = 100;
  for (std::size_t start = 0; start < ids.size(); start += kChunk) {
    std::size_t end = std::min(ids.size(), start + kChunk);
    std::string sql = "SELECT doc FROM event WHERE id IN (";
    for (std::size_t i = start; i < end; ++i) sql += (i > start ? ",?" : "?") + std::to_string(i - start + 1);
    sql += ") ORDER BY occurred, id";
    auto& st = c.prepare(sql);
    for (std::size_t i = start; i < end; ++i) st.bind(static_cast<int>(i - start + 1), ids[i]);
    while (st.step()) {
      boost::system::error_code ec;
      json::value doc = json::parse(st.column_text(0), ec);
      if (ec) continue;
      auto e = parse_event(doc, now);
      if (!e) continue;
      if (const json::object* o = doc.if_object()) {
        if (auto it = o->find("received"); it != o->end() && it->value().is_string()) {
          if (auto received = core::parse_timestamp(it->value().get_string())) e->received = *received;
        }
      }
      out.push_back(std::move(*e));
    }
  }
  return out;
}

ReplicaEventFeed::ReplicaEventFeed(std::unique_ptr<store::NotificationListener> listener, store::Database& db,
                                   EventBus& bus, const core::Clock& clock, std::string replica_id)
    : listener_(std::move(listener)),
      db_(db),
      bus_(bus),
      clock_(clock),
      replica_id_(std::move(replica_id)),
      thread_([this] { run(); }) {}

ReplicaEventFeed::~ReplicaEventFeed() {
  stopping_ = true;
  thread_.join();
}

void ReplicaEventFeed::run() {
  while (!stopping_) {
    std::vector<std::string> ids;
    for (const auto& payload : listener_->wait(250)) {
      auto n = parse_event_notification(payload);
      if (!n || n->replica_id == replica_id_) continue;  // our own events went out locally
      ids.insert(ids.end(), n->ids.begin(), n->ids.end());
    }
    if (ids.empty()) continue;
    auto loaded = db_.read<std::vector<Event>>(
        [&](store::Connection& c) { return load_events(c, ids, clock_.now()); });
    if (!loaded) {
      spdlog::warn("events from other replicas: could not load {} events: {}", ids.size(), loaded.error().message);
      continue;
    }
    bus_.publish(std::move(*loaded), EventBus::Origin::kRemote);
  }
}

}  // namespace praetor::events

// /api/events routes (Prefect's server/api/events.py and server/utilities/subscriptions.py):
// the /events/in and /events/out websockets, POST /events, /events/filter (+ /next) and
// /events/count-by/{countable}.
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "api/authenticated_socket.h"
#include "api/event_stream.h"
#include "api/routes.h"
#include "api/security.h"
#include "core/json_util.h"
#include "events/event_query.h"
#include "events/ingest_buffer.h"
#include "events/recent_ids.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

constexpr int64_t kPageSize = 50;  // Prefect's INTERACTIVE_PAGE_SIZE
constexpr auto kMaximumBackfill = std::chrono::minutes(15);  // PREFECT_EVENTS_MAXIMUM_WEBSOCKET_BACKFILL
constexpr std::size_t kRecentIds = 100'000;
// Events held while the database is not ready (a migration window); beyond this the socket
// is closed with 1013 and the client resends later.
constexpr std::size_t kIngestCapacity = 50'000;

bool database_ready(store::Database& db) {
  return db
      .read<int>([](store::Connection& c) -> core::Result<int> {
        c.prepare("SELECT 1").run();
        return 1;
      })
      .ok();
}
// Events from /events/in allowed to wait for the bus's subscribers before the sockets stop
// reading (TCP back-pressure; no event is dropped).
constexpr std::size_t kMaxInboundBacklog = 1000;

struct EventsState {
  EventsState(ApiContext& c)
      : ctx(c), stream(c.events, c.db), ingest(c.events, [&db = c.db] { return database_ready(db); }, kIngestCapacity) {}
  ApiContext& ctx;
  events::RecentIds recent{kRecentIds};
  EventStream stream;
  events::IngestBuffer ingest;

  // Drops ids seen recently and publishes the rest (held until the database is ready).
  // False when the buffer is full: nothing of the batch was taken.
  bool accept(std::vector<events::Event> batch) {
    std::vector<events::Event> fresh;
    for (auto& e : batch) {
      if (recent.insert(e.id)) fresh.push_back(std::move(e));
    }
    std::vector<std::string> ids;
    for (const auto& e : fresh) ids.push_back(e.id);
    if (ingest.accept(std::move(fresh)) == events::IngestBuffer::Admission::kFull) {
      for (const auto& id : ids) recent.forget(id);
      return false;
    }
    return true;
  }
};

// ----- base64 for page tokens -----

constexpr const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char ch : in) {
    acc = (acc << 8) | ch;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kBase64[(acc << (6 - bits)) & 0x3F];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// Lenient as Python's b64decode: characters outside the alphabet are skipped, except that a
// space stands for the '+' a query-string decoder turned into one.
std::string base64_decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == ' ') ch = '+';
    const char* pos = std::strchr(kBase64, ch);
    if (ch == '\0' || pos == nullptr) continue;
    acc = (acc << 6) | static_cast<uint32_t>(pos - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// ----- EventPage -----

std::string base_url(const Request& req) {
  return "http://" + req.header("host").value_or("localhost") + "/";
}

json::value next_page_link(const Request& req, const events::EventFilter& f, int64_t total, int64_t page_size,
                           int64_t offset) {
  if (offset + page_size >= total) return nullptr;
  json::object token{{"filter", events::to_json(f)}, {"count", total}, {"page_size", page_size},
                     {"offset", offset + page_size}};
  return json::value(base_url(req) + "api/events/filter/next?page-token=" + base64_encode(json::serialize(token)));
}

core::Result<Response> event_page(EventsState& s, const Request& req, const events::EventFilter& f, int64_t total,
                                  int64_t page_size, int64_t offset) {
  auto page = s.ctx.db.read<std::vector<json::object>>([&](store::Connection& c) -> core::Result<std::vector<json::object>> {
    return events::read_events(c, f, page_size, offset);
  });
  if (!page) return page.error();
  json::array list;
  for (auto& e : *page) list.emplace_back(std::move(e));
  return json_response(200, json::object{{"events", std::move(list)},
                                         {"total", total},
                                         {"next_page", next_page_link(req, f, total, page_size, offset)}});
}

core::Result<Response> read_events_first_page(EventsState& s, const Request& req) {
  json::value body = json::object{};
  if (!req.body.empty()) {
    auto parsed = core::parse_body(req.body);
    if (!parsed) return parsed.error();
    body = std::move(*parsed);
  }
  if (!body.is_object()) return core::validation_error({"body"}, "model_type", "Input should be a valid dictionary", body);
  core::FieldReader r(body, json::array{"body"});
  int64_t limit = r.integer("limit").value_or(kPageSize);
  if (r.ok() && limit < 0) {
    r.add_error("limit", "greater_than_equal", "Input should be greater than or equal to 0", limit);
  } else if (r.ok() && limit > kPageSize) {
    r.add_error("limit", "less_than_equal", "Input should be less than or equal to 50", limit);
  }
  if (!r.ok()) return r.error();
  auto f = events::parse_event_filter(r.raw("filter"), s.ctx.clock.now(), json::array{"body", "filter"});
  if (!f) return f.error();
  auto total = s.ctx.db.read<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return events::count_events(c, *f); });
  if (!total) return total.error();
  return event_page(s, req, *f, *total, limit, 0);
}

Response forbidden() { return json_response(403, json::object{{"detail", "Forbidden"}}); }

core::Result<Response> read_events_next_page(EventsState& s, const Request& req) {
  auto token = req.query_param("page-token");
  if (!token) {
    return core::validation_error({"query", "page-token"}, "missing", "Field required", nullptr);
  }
  std::string decoded = base64_decode(*token);
  if (decoded.empty()) return forbidden();
  boost::system::error_code ec;
  json::value v = json::parse(decoded, ec);
  if (ec || !v.is_object()) return forbidden();
  const json::object& o = v.get_object();
  auto int_field = [&](const char* key) -> std::optional<int64_t> {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_int64()) return std::nullopt;
    return it->value().get_int64();
  };
  auto count = int_field("count"), page_size = int_field("page_size"), offset = int_field("offset");
  if (!count || !page_size || !offset || *page_size < 0 || *offset < 0 || *page_size > kPageSize * 20) return forbidden();
  auto f = events::parse_event_filter(o.if_contains("filter"), s.ctx.clock.now(), json::array{"query", "page-token"});
  if (!f) return forbidden();
  return event_page(s, req, *f, *count, *page_size, *offset);
}

core::Result<Response> count_events_by(EventsState& s, const Request& req, const std::string& countable_text) {
  auto countable = events::parse_countable(countable_text);
  if (!countable) {
    return core::validation_error({"path", "countable"}, "enum", "Input should be 'day', 'time', 'event' or 'resource'",
                                  json::value(countable_text));
  }
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  if (!r.is_object()) return core::validation_error({"body"}, "model_type", "Input should be a valid dictionary", *body);
  events::TimeUnit unit = events::TimeUnit::kDay;
  if (auto u = r.string("time_unit")) {
    if (auto parsed = events::parse_time_unit(*u)) {
      unit = *parsed;
    } else {
      r.add_error("time_unit", "enum", "Input should be 'week', 'day', 'hour', 'minute' or 'second'", json::value(*u));
    }
  }
  double interval = r.number("time_interval").value_or(1.0);
  if (r.ok() && interval < 0.01) {
    r.add_error("time_interval", "greater_than_equal", "Input should be greater than or equal to 0.01", interval);
  }
  if (!r.has("filter")) r.add_error("filter", "missing", "Field required", *body);
  if (!r.ok()) return r.error();
  auto f = events::parse_event_filter(r.raw("filter"), s.ctx.clock.now(), json::array{"body", "filter"});
  if (!f) return f.error();
  auto now = s.ctx.clock.now();
  auto counts = s.ctx.db.read<json::array>([&](store::Connection& c) -> core::Result<json::array> {
    return events::count_events_by(c, *f, *countable, unit, interval, now);
  });
  if (!counts) return counts.error();
  return json_response(200, *counts);
}

core::Result<Response> create_events(EventsState& s, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  const json::array* list = body->if_array();
  if (!list) return core::validation_error({"body"}, "list_type", "Input should be a valid list", *body);
  auto now = s.ctx.clock.now();
  std::vector<events::Event> batch;
  for (const auto& item : *list) {
    auto e = events::parse_event(item, now);
    if (!e) return e.error();
    batch.push_back(std::move(*e));
  }
  if (!s.accept(std::move(batch))) {
    return core::Error::unavailable("events are held until the database is ready, and the buffer is full");
  }
  return no_content();
}

// ----- websockets -----

// "type at loc" for each entry of a 422's detail, without the offending input values.
std::string error_reasons(const core::Error& error) {
  if (!error.detail.is_array()) return error.message.substr(0, 200);
  std::string out;
  for (const auto& entry : error.detail.get_array()) {
    const json::object* o = entry.if_object();
    if (!o) continue;
    if (!out.empty()) out += "; ";
    const json::value* type = o->if_contains("type");
    out += type && type->is_string() ? std::string(type->get_string()) : std::string("invalid");
    out += " at ";
    std::string loc;
    if (const json::value* l = o->if_contains("loc"); l && l->is_array()) {
      for (const auto& part : l->get_array()) {
        if (!loc.empty()) loc += ".";
        loc += part.is_string() ? std::string(part.get_string()) : json::serialize(part);
      }
    }
    out += loc.substr(0, 100);
    if (out.size() > 500) break;
  }
  return out;
}

// /events/in: one event per text frame. Prefect ends the connection on an invalid event;
// we log and skip it, so one bad frame does not cost the events after it.
class EventsInSocket final : public AuthenticatedSocket {
 public:
  EventsInSocket(std::shared_ptr<EventsState> state, const Request& upgrade, std::shared_ptr<WebSocketPeer> peer)
      : AuthenticatedSocket(upgrade, std::move(peer), state->ctx.settings.auth_string), state_(std::move(state)) {}

 private:
  const char* kind() const override { return "/events/in"; }
  void on_message(std::string_view message) override {
    if (closed_) return;  // frames after a refusal are resent by the client
    boost::system::error_code ec;
    json::value v = json::parse(message, ec);
    if (ec) {
      spdlog::warn("events/in: skipped a frame that is not JSON ({} bytes)", message.size());
      return;
    }
    auto e = events::parse_event(v, state_->ctx.clock.now());
    if (!e) {
      // By size and reason only: an event's values may hold secrets (an api_key in a payload).
      spdlog::warn("events/in: skipped an invalid event ({} bytes): {}", message.size(), error_reasons(e.error()));
      return;
    }
    std::vector<events::Event> batch;
    batch.push_back(std::move(*e));
    if (!state_->accept(std::move(batch))) {
      // 1013 "try again later": the client reconnects and resends the events no pong
      // confirmed, this one included.
      spdlog::warn("events/in: the database is not ready and the event buffer is full; closing with 1013");
      closed_ = true;
      peer_->close(1013, "Database not ready; try again later");
      return;
    }
    // Back-pressure: with the bus's backlog full, stop reading this socket until it drains.
    if (state_->ctx.events.backlog() >= kMaxInboundBacklog) {
      peer_->pause_reading();
      state_->ctx.events.when_backlog_below(kMaxInboundBacklog / 2, [peer = peer_] { peer->resume_reading(); });
    }
  }

  bool closed_ = false;

  std::shared_ptr<EventsState> state_;
};

// /events/out: after the handshake, one {"type":"filter","filter":…,"backfill":…} message,
// then stored events (at most 15 minutes back, ascending) and live events.
class EventsOutSocket final : public AuthenticatedSocket {
 public:
  EventsOutSocket(std::shared_ptr<EventsState> state, const Request& upgrade, std::shared_ptr<WebSocketPeer> peer)
      : AuthenticatedSocket(upgrade, std::move(peer), state->ctx.settings.auth_string), state_(std::move(state)) {}
  ~EventsOutSocket() override { on_closed(); }

  void on_closed() override {
    if (subscription_) state_->stream.close(subscription_);
    subscription_.reset();
  }

 private:
  const char* kind() const override { return "/events/out"; }
  void on_message(std::string_view message) override {
    if (subscription_ || closing_) return;  // later messages are ignored
    auto o = parse_object(message);
    if (!o || type_of(*o) != "filter") {
      closing_ = true;
      return peer_->close(1002, "Expected 'filter' message");
    }
    auto now = state_->ctx.clock.now();
    auto f = events::parse_event_filter(o->if_contains("filter"), now, json::array{"filter"});
    if (!f) {
      closing_ = true;
      // A close frame's reason is at most 123 bytes.
      return peer_->close(1002, ("Invalid filter: " + f.error().message).substr(0, 120));
    }
    f->since = std::max(f->since, now - std::chrono::duration_cast<std::chrono::microseconds>(kMaximumBackfill));
    f->ascending = true;
    bool backfill = true;
    if (const json::value* b = o->if_contains("backfill")) backfill = b->is_bool() ? b->get_bool() : !b->is_null();
    subscription_ = std::make_shared<EventSubscription>(peer_, std::move(*f));
    state_->stream.open(subscription_, backfill);
  }

  std::shared_ptr<EventsState> state_;
  std::shared_ptr<EventSubscription> subscription_;
  bool closing_ = false;
};

}  // namespace

void register_event_routes(Router& router, ApiContext& ctx) {
  auto state = std::make_shared<EventsState>(ctx);
  router.add_websocket("/api/events/in", [state](const Request& upgrade, std::shared_ptr<WebSocketPeer> peer) {
    return std::make_unique<EventsInSocket>(state, upgrade, std::move(peer));
  });
  router.add_websocket("/api/events/out", [state](const Request& upgrade, std::shared_ptr<WebSocketPeer> peer) {
    return std::make_unique<EventsOutSocket>(state, upgrade, std::move(peer));
  });
  router.add("POST", "/api/events", [state](const Request& req, const PathParams&) { return create_events(*state, req); });
  router.add("POST", "/api/events/filter",
             [state](const Request& req, const PathParams&) { return read_events_first_page(*state, req); });
  router.add("GET", "/api/events/filter/next",
             [state](const Request& req, const PathParams&) { return read_events_next_page(*state, req); });
  router.add("POST", "/api/events/count-by/{countable}", [state](const Request& req, const PathParams& p) {
    return count_events_by(*state, req, p.at("countable"));
  });
}

}  // namespace praetor::api

#include "api/resource_routes.h"

#include <memory>

#include "api/list_routes.h"
#include "api/model_filter.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
namespace op = resource_op;
namespace rows = store::model_rows;
using store::Connection;

namespace {

using Spec = std::shared_ptr<const ResourceRoutes>;

// The by-id or by-name key a route addresses the object with.
struct Key {
  std::string_view column;
  std::string value;
};
Key by_id(const PathParams& p) { return {"id", p.at("id")}; }
Key by_name(const Spec& s, const PathParams& p) { return {s->name_field, p.at("name")}; }

core::Error not_found(const ResourceRoutes& s, std::string_view addressed) {
  std::string detail = s.not_found;
  if (auto at = detail.find("{key}"); at != std::string::npos) detail.replace(at, 5, addressed);
  return core::Error::not_found(detail);
}

void publish_lifecycle(ApiContext& ctx, const ResourceRoutes& s, std::string_view action, const json::object& object) {
  if (s.lifecycle_kind.empty()) return;
  events::Event e;
  e.id = core::new_uuid7();
  e.occurred = e.received = ctx.clock.now();
  e.event = "prefect." + std::string(s.lifecycle_kind) + "." + std::string(action);
  std::string id = object.at("id").get_string().c_str();
  e.resource = json::object{{"prefect.resource.id", "prefect." + std::string(s.lifecycle_kind) + "." + id}};
  if (const json::value* name = object.if_contains(s.name_field); name && name->is_string()) {
    e.resource["prefect.resource.name"] = *name;
  }
  for (auto field : s.event_payload_fields) {
    const json::value* v = object.if_contains(field);
    e.payload[field] = v ? *v : json::value();
  }
  ctx.events.publish(std::vector<events::Event>{std::move(e)});
}

// After a write commits: its lifecycle event, then the spec's hook.
void committed(ApiContext& ctx, const ResourceRoutes& s, const ResourceRoutes::Committed& write) {
  publish_lifecycle(ctx, s, write.action, write.object);
  if (s.on_committed) s.on_committed(write);
}

// The read and list routes' bodies of stored objects.
json::array read_bodies(Connection& c, const ResourceRoutes& s, json::array stored) {
  if (s.read_view) return s.read_view(c, std::move(stored));
  for (auto& object : stored) object = core::to_response(*s.model, object.get_object());
  return stored;
}

// The create and upsert routes' body of the object written, in the write's transaction.
json::value written_body(Connection& c, const ResourceRoutes& s, const json::object& object) {
  if (!s.write_answers_read_view || !s.read_view) return core::to_response(*s.model, object);
  json::array one;
  one.emplace_back(object);
  return std::move(read_bodies(c, s, std::move(one)).at(0));
}

const json::object& sent_object(const json::value& body) {
  static const json::object kNone;
  return body.is_object() ? body.get_object() : kNone;
}

core::Result<Response> create(ApiContext& ctx, const Spec& s, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto object = core::read_create(*s->model, *body);
  if (!object) return object.error();
  if (s->prepare_create) {
    if (auto ok = s->prepare_create(*object); !ok) return ok.error();
  }
  auto now = core::format_timestamp(ctx.clock.now());
  (*object)["id"] = core::new_uuid4();
  (*object)["created"] = now;
  (*object)["updated"] = now;
  auto written = ctx.db.write<json::value>([&](Connection& c) -> core::Result<json::value> {
    rows::insert(c, *s->model, *object);
    if (s->on_created) s->on_created(c, *object);
    return written_body(c, *s, *object);
  });
  if (!written) {
    if (written.error().kind == core::ErrorKind::kConflict && s->conflict) {
      return core::Error::conflict(s->conflict(*object));
    }
    return written.error();
  }
  committed(ctx, *s, {"created", *object, nullptr, sent_object(*body)});
  return json_response(201, std::move(*written));
}

core::Result<Response> upsert(ApiContext& ctx, const Spec& s, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto proposed = core::read_create(*s->model, *body);
  if (!proposed) return proposed.error();
  auto now = core::format_timestamp(ctx.clock.now());
  struct Upserted {
    json::object object;
    bool created;
    json::value body;
    json::object before;  // when found
  };
  auto written = ctx.db.write<Upserted>([&](Connection& c) -> core::Result<Upserted> {
    const json::value& name = proposed->at(s->name_field);
    auto existing = name.is_string() ? rows::find(c, *s->model, s->name_field, name.get_string()) : std::nullopt;
    if (existing) {
      json::object before = *existing;
      // `updated` stays: Prefect's upsert (INSERT … ON CONFLICT DO UPDATE) bypasses the ORM's onupdate.
      for (auto& [field, value] : *proposed) (*existing)[field] = value;
      rows::replace(c, *s->model, *existing);
      if (s->on_updated) s->on_updated(c, *existing, sent_object(*body));
      auto answer = written_body(c, *s, *existing);
      return Upserted{std::move(*existing), false, std::move(answer), std::move(before)};
    }
    json::object object = *proposed;
    object["id"] = core::new_uuid4();
    object["created"] = now;
    object["updated"] = now;
    rows::insert(c, *s->model, object);
    if (s->on_created) s->on_created(c, object);
    auto answer = written_body(c, *s, object);
    return Upserted{std::move(object), true, std::move(answer), {}};
  });
  if (!written) return written.error();
  committed(ctx, *s,
            {written->created ? "created" : "updated", written->object, written->created ? nullptr : &written->before,
             sent_object(*body)});
  return json_response(written->created ? 201 : 200, std::move(written->body));
}

core::Result<Response> read(ApiContext& ctx, const Spec& s, const Key& key) {
  auto found = ctx.db.read<std::optional<json::value>>([&](Connection& c) -> core::Result<std::optional<json::value>> {
    auto object = rows::find(c, *s->model, key.column, key.value);
    if (!object) return std::optional<json::value>();
    json::array one;
    one.emplace_back(std::move(*object));
    return std::optional<json::value>(std::move(read_bodies(c, *s, std::move(one)).at(0)));
  });
  if (!found) return found.error();
  if (!*found) return not_found(*s, key.value);
  return json_response(200, **found);
}

core::Result<Response> update(ApiContext& ctx, const Spec& s, const Request& req, const Key& key) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  auto changes = core::read_update(*s->model, *body);
  if (!changes) return changes.error();
  const json::object& sent = sent_object(*body);
  if (s->prepare_update) {
    if (auto ok = s->prepare_update(key.value, sent, *changes); !ok) return ok.error();
  }
  auto now = core::format_timestamp(ctx.clock.now());
  struct Updated {
    json::object before;
    json::object after;
  };
  auto updated = ctx.db.write<std::optional<Updated>>([&](Connection& c) -> core::Result<std::optional<Updated>> {
    auto object = rows::find(c, *s->model, key.column, key.value);
    if (!object) return std::optional<Updated>();
    Updated u{*object, std::move(*object)};
    for (auto& [field, value] : *changes) u.after[field] = value;
    u.after["updated"] = now;
    rows::replace(c, *s->model, u.after);
    if (s->on_updated) s->on_updated(c, u.after, sent);
    return std::optional<Updated>(std::move(u));
  });
  if (!updated) return updated.error();
  if (!*updated) return not_found(*s, key.value);
  committed(ctx, *s, {"updated", (*updated)->after, &(*updated)->before, sent});
  return no_content();
}

core::Result<Response> remove(ApiContext& ctx, const Spec& s, const Key& key) {
  if (s->prepare_delete) {
    if (auto ok = s->prepare_delete(key.value); !ok) return ok.error();
  }
  auto removed = ctx.db.write<std::optional<json::object>>(
      [&](Connection& c) -> core::Result<std::optional<json::object>> {
        auto existing = rows::find(c, *s->model, key.column, key.value);
        if (!existing) return existing;
        if (s->on_deleting) s->on_deleting(c, *existing);
        rows::erase(c, *s->model, existing->at("id").get_string());
        return existing;
      });
  if (!removed) return removed.error();
  if (!*removed) return not_found(*s, key.value);
  const json::object nothing_sent;
  committed(ctx, *s, {"deleted", **removed, nullptr, nothing_sent});
  return no_content();
}

// The list routes' source: the spec's query (by default the model's filter family with the
// spec's relations), rows as response objects.
ListSource list_source(const Spec& s) {
  return {s->list_query.where ? s->list_query : model_query(*s->model, s->relations),
          [s](Connection& c, const store::SqlCondition& where, const std::string& order_by,
              const Pagination& page) {
            return read_bodies(c, *s, rows::list(c, *s->model, where, order_by, page.limit, page.offset));
          },
          [s](Connection& c, const store::SqlCondition& where) { return rows::count(c, *s->model, where); }};
}

}  // namespace

void add_resource_routes(Router& router, ApiContext& ctx, ResourceRoutes routes) {
  auto s = std::make_shared<const ResourceRoutes>(std::move(routes));
  const std::string& base = s->base;
  const std::string id_path = base + "/{id:uuid}";
  const std::string name_path = s->name_path.empty() ? base + "/name/{name}" : s->name_path;
  ApiContext* c = &ctx;
  if (s->ops & op::kCreate) {
    router.add("POST", base + "/", [c, s](const Request& req, const PathParams&) { return create(*c, s, req); });
  }
  if (s->ops & op::kUpsert) {
    router.add("PUT", base + "/", [c, s](const Request& req, const PathParams&) { return upsert(*c, s, req); });
  }
  if (s->ops & op::kRead) {
    router.add("GET", id_path, [c, s](const Request&, const PathParams& p) { return read(*c, s, by_id(p)); });
  }
  if (s->ops & op::kReadByName) {
    router.add("GET", name_path, [c, s](const Request&, const PathParams& p) { return read(*c, s, by_name(s, p)); });
  }
  if (s->ops & op::kUpdate) {
    router.add("PATCH", id_path,
               [c, s](const Request& req, const PathParams& p) { return update(*c, s, req, by_id(p)); });
  }
  if (s->ops & op::kUpdateByName) {
    router.add("PATCH", name_path,
               [c, s](const Request& req, const PathParams& p) { return update(*c, s, req, by_name(s, p)); });
  }
  if (s->ops & op::kDelete) {
    router.add("DELETE", id_path, [c, s](const Request&, const PathParams& p) { return remove(*c, s, by_id(p)); });
  }
  if (s->ops & op::kDeleteByName) {
    router.add("DELETE", name_path,
               [c, s](const Request&, const PathParams& p) { return remove(*c, s, by_name(s, p)); });
  }
  auto list = std::make_shared<const ListSource>(list_source(s));
  if (s->ops & op::kFilter) {
    router.add("POST", base + "/filter",
               [c, list](const Request& req, const PathParams&) { return filter_response(*c, req, *list); });
  }
  if (s->ops & op::kCount) {
    router.add("POST", base + "/count",
               [c, list](const Request& req, const PathParams&) { return count_response(*c, req, *list); });
  }
  if (s->ops & op::kPaginate) {
    router.add("POST", base + "/paginate",
               [c, list](const Request& req, const PathParams&) { return paginate_response(*c, req, *list); });
  }
}

}  // namespace praetor::api

#include "api/work_queue_view.h"

#include <map>
#include <string>

#include "store/work_pool_repository.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

json::object body_of(store::Connection& c, const json::object& q, std::map<std::string, std::string>& pool_names) {
  const std::string pool_id(q.at("work_pool_id").get_string());
  auto name = pool_names.find(pool_id);
  if (name == pool_names.end()) {
    auto pool = store::work_pools::read(c, pool_id);
    name = pool_names.emplace(pool_id, pool ? pool->name : std::string()).first;
  }
  bool paused = q.at("is_paused").as_bool();
  json::value active_slots;
  if (!q.at("concurrency_limit").is_null()) {
    active_slots = store::work_pools::queue_active_runs(c, std::string(q.at("id").get_string()));
  }
  return json::object{{"id", q.at("id")},
                      {"created", q.at("created")},
                      {"updated", q.at("updated")},
                      {"name", q.at("name")},
                      {"description", q.at("description")},
                      {"is_paused", paused},
                      {"concurrency_limit", q.at("concurrency_limit")},
                      {"priority", q.at("priority")},
                      {"work_pool_id", q.at("work_pool_id")},
                      {"filter", nullptr},
                      {"last_polled", q.at("last_polled")},
                      {"work_pool_name", name->second},
                      {"status", paused ? json::value("PAUSED") : q.at("status")},
                      {"active_slots", std::move(active_slots)}};
}

}  // namespace

json::array work_queue_bodies(store::Connection& c, json::array stored) {
  std::map<std::string, std::string> pool_names;
  for (auto& q : stored) q = body_of(c, q.as_object(), pool_names);
  return stored;
}

json::object work_queue_body(store::Connection& c, const json::object& stored) {
  std::map<std::string, std::string> pool_names;
  return body_of(c, stored, pool_names);
}

}  // namespace praetor::api

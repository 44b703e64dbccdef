#include "store/automation_repository.h"

#include "core/automation.h"
#include "store/model_table.h"

#include <algorithm>
#include <limits>

namespace praetor::store::automations {

namespace json = boost::json;
namespace rows = model_rows;

namespace {

constexpr int64_t kAll = std::numeric_limits<int64_t>::max();

const core::Model& model() { return core::automation_model(); }

// Prefect's _sync_automation_related_resources: the deployments the `actions` list's
// run-deployment actions select ("source": "selected").
std::vector<std::string> selected_deployments(const json::object& automation) {
  std::vector<std::string> out;
  const json::value* actions = automation.if_contains("actions");
  if (!actions || !actions->is_array()) return out;
  for (const auto& a : actions->get_array()) {
    if (!a.is_object()) continue;
    const auto& action = a.get_object();
    const json::value* type = action.if_contains("type");
    const json::value* source = action.if_contains("source");
    const json::value* id = action.if_contains("deployment_id");
    if (!type || *type != "run-deployment" || !source || *source != "selected" || !id || !id->is_string()) continue;
    std::string resource = "prefect.deployment." + std::string(id->get_string());
    if (std::find(out.begin(), out.end(), resource) == out.end()) out.push_back(std::move(resource));
  }
  return out;
}

// Adds a related resource; an existing row (an owner, say) is kept as it is.
void relate(Connection& c, std::string_view automation_id, const std::string& resource_id, bool owned,
            core::Timestamp now) {
  c.prepare(
       "INSERT INTO automation_related_resource (automation_id, resource_id, owned_by_resource, created) "
       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (automation_id, resource_id) DO UPDATE SET owned_by_resource = "
       "CASE WHEN excluded.owned_by_resource = 1 THEN 1 ELSE automation_related_resource.owned_by_resource END")
      .bind(1, automation_id)
      .bind(2, resource_id)
      .bind(3, owned)
      .bind(4, core::to_micros(now))
      .run();
}

void relate_selected_deployments(Connection& c, const json::object& automation, core::Timestamp now) {
  std::string_view id = automation.at("id").get_string();
  c.prepare(
       "DELETE FROM automation_related_resource WHERE automation_id = ?1 AND owned_by_resource = 0 "
       "AND resource_id LIKE 'prefect.deployment.%'")
      .bind(1, id)
      .run();
  for (const auto& resource : selected_deployments(automation)) relate(c, id, resource, false, now);
}

// The automations whose ids the subquery `ids_sql` (one '?' parameter: `value`) yields.
json::array list_where_id_in(Connection& c, const std::string& ids_sql, std::string_view value) {
  SqlCondition where{"automation.id IN (" + ids_sql + ")", {std::string(value)}};
  return rows::list(c, model(), where, "ORDER BY automation.name ASC, automation.id ASC", kAll, 0);
}

}  // namespace

json::array list_enabled(Connection& c) {
  return rows::list(c, model(), SqlCondition{"automation.enabled = 1", {}},
                    "ORDER BY automation.created ASC, automation.id ASC", kAll, 0);
}

std::optional<json::object> find(Connection& c, std::string_view id) { return rows::find(c, model(), "id", id); }

std::optional<json::object> set_enabled(Connection& c, std::string_view id, bool enabled, core::Timestamp now) {
  c.prepare("UPDATE automation SET enabled = ?1, updated = ?2 WHERE id = ?3")
      .bind(1, enabled)
      .bind(2, core::to_micros(now))
      .bind(3, id)
      .run();
  if (c.changes() == 0) return std::nullopt;
  return find(c, id);
}

void insert(Connection& c, const json::object& automation, const std::optional<std::string>& owner_resource,
            core::Timestamp now) {
  rows::insert(c, model(), automation);
  if (owner_resource) relate(c, automation.at("id").get_string(), *owner_resource, true, now);
  relate_selected_deployments(c, automation, now);
}

bool replace(Connection& c, const json::object& automation, core::Timestamp now) {
  auto existing = find(c, automation.at("id").get_string());
  if (!existing) return false;
  json::object merged = automation;
  merged["created"] = existing->at("created");
  rows::replace(c, model(), merged);
  relate_selected_deployments(c, merged, now);
  return true;
}

std::optional<json::object> remove(Connection& c, std::string_view id) {
  c.prepare("DELETE FROM automation_related_resource WHERE automation_id = ?1").bind(1, id).run();
  return rows::remove(c, model(), "id", id);
}

json::array related_to(Connection& c, std::string_view resource_id) {
  return list_where_id_in(c, "SELECT automation_id FROM automation_related_resource WHERE resource_id = ?",
                          resource_id);
}

std::vector<json::object> remove_owned_by(Connection& c, std::string_view resource_id,
                                          core::Timestamp created_before) {
  json::array owned = list_where_id_in(
      c, "SELECT automation_id FROM automation_related_resource WHERE resource_id = ? AND owned_by_resource = 1",
      resource_id);
  std::vector<json::object> out;
  for (auto& a : owned) {
    auto& automation = a.get_object();
    auto created = core::parse_timestamp(automation.at("created").get_string());
    if (created && *created > created_before) continue;
    if (auto removed = remove(c, automation.at("id").get_string())) out.push_back(std::move(*removed));
  }
  return out;
}

}  // namespace praetor::store::automations

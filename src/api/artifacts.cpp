// /api/artifacts routes (Prefect's api/artifacts.py), declared through the route kit. The
// latest artifact of each key lives in its own table (artifact_collection), kept in step by
// the hooks below inside each write's transaction, as Prefect's models/artifacts.py does.
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/artifact.h"
#include "core/uuid.h"
#include "store/model_table.h"

namespace praetor::api {

namespace json = boost::json;
namespace rows = store::model_rows;
using store::Connection;

namespace {

// The fields a collection row copies from the artifact it points at.
constexpr std::string_view kMirrored[] = {"type", "description", "data", "metadata_", "flow_run_id", "task_run_id"};

void mirror(json::object& collection, const json::object& artifact) {
  for (auto field : kMirrored) collection[field] = artifact.at(field);
  collection["latest_id"] = artifact.at("id");
  collection["updated"] = artifact.at("updated");
}

// A keyed artifact becomes its key's latest.
void on_created(Connection& c, const json::object& artifact) {
  const json::value& key = artifact.at("key");
  if (!key.is_string()) return;
  const auto& model = core::artifact_collection_model();
  if (auto existing = rows::find(c, model, "key", key.get_string())) {
    mirror(*existing, artifact);
    rows::replace(c, model, *existing);
    return;
  }
  json::object collection{{"id", core::new_uuid4()}, {"created", artifact.at("updated")}, {"key", key}};
  mirror(collection, artifact);
  rows::insert(c, model, collection);
}

// An update of the latest artifact shows in its collection row.
void on_updated(Connection& c, const json::object& artifact, const json::object& /*sent*/) {
  const auto& model = core::artifact_collection_model();
  if (auto existing = rows::find(c, model, "latest_id", artifact.at("id").get_string())) {
    mirror(*existing, artifact);
    rows::replace(c, model, *existing);
  }
}

// Deleting the latest artifact of a key points its collection row at the next newest one
// of that key, or removes the row when none is left.
void on_deleting(Connection& c, const json::object& artifact) {
  const auto& model = core::artifact_collection_model();
  auto existing = rows::find(c, model, "latest_id", artifact.at("id").get_string());
  if (!existing) return;
  store::SqlCondition others{"artifact.key = ? AND artifact.id <> ?",
                             {std::string(artifact.at("key").get_string()), std::string(artifact.at("id").get_string())}};
  auto next = rows::list(c, core::artifact_model(), others, "ORDER BY artifact.created DESC", 1, 0);
  if (next.empty()) {
    rows::erase(c, model, existing->at("id").get_string());
    return;
  }
  mirror(*existing, next[0].get_object());
  rows::replace(c, model, *existing);
}

// Artifacts are also filtered by their flow run (with its flow and deployment) and task run.
std::vector<FilterRelation> run_relations() {
  return {{.column = "flow_run_id", .table = "flow_run", .root = FilterRoot::kFlowRun,
           .keys = {"flow_runs", "flows", "deployments"}},
          {.column = "task_run_id", .table = "task_run", .root = FilterRoot::kTaskRun, .keys = {"task_runs"}}};
}

}  // namespace

void register_artifact_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  add_resource_routes(router, ctx,
                      {.model = &core::artifact_model(),
                       .base = "/api/artifacts",
                       .ops = op::kCreate | op::kRead | op::kUpdate | op::kDelete | op::kFilter | op::kCount,
                       .not_found = "Artifact not found.",
                       .relations = run_relations(),
                       .on_created = on_created,
                       .on_updated = on_updated,
                       .on_deleting = on_deleting});
  add_resource_routes(router, ctx,
                      {.model = &core::artifact_collection_model(),
                       .base = "/api/artifacts/latest",
                       .ops = op::kReadByName | op::kFilter | op::kCount,
                       .not_found = "Artifact not found.",
                       .name_field = "key",
                       .name_path = "/api/artifacts/{name}/latest",
                       .relations = run_relations()});
}

}  // namespace praetor::api

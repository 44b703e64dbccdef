// The import's steps for resources described by a core::Model whose Prefect table has a
// column per field under the same name (flows, variables, saved searches, flow run inputs, artifacts
// and their per-key collections): the columns, their kinds and the objects come from the model.
#include "core/artifact.h"
#include "core/flow.h"
#include "core/flow_run_input.h"
#include "core/saved_search.h"
#include "core/variable.h"
#include "importer/import_steps.h"
#include "importer/source_table.h"
#include "store/model_table.h"

namespace praetor::importer {

namespace json = boost::json;
using core::FieldType;

namespace {

ColumnKind kind_of(FieldType type) {
  switch (type) {
    case FieldType::kTimestamp: return ColumnKind::kTimestamp;
    case FieldType::kBoolean: return ColumnKind::kBool;
    case FieldType::kInteger:
    case FieldType::kNumber: return ColumnKind::kNumber;
    case FieldType::kStringList:
    case FieldType::kList:
    case FieldType::kDict:
    case FieldType::kAny: return ColumnKind::kJson;
    default: return ColumnKind::kText;
  }
}

json::value value_of(const SourceRow& r, const core::Field& f) {
  if (f.type == FieldType::kAny) return r.json(f.name);
  // NULL (e.g. the labels of a flow stored before Prefect had labels) takes the field's default.
  if (!r.text(f.name)) return json::parse(f.default_json);
  switch (f.type) {
    case FieldType::kTimestamp: return json::value(core::format_timestamp(r.time_or_epoch(f.name)));
    case FieldType::kBoolean: return json::value(r.flag(f.name));
    case FieldType::kInteger: return json::value(*r.integer(f.name));
    case FieldType::kNumber: return json::value(r.number(f.name));
    case FieldType::kStringList:
    case FieldType::kList:
    case FieldType::kDict: return r.json(f.name);
    default: return json::value(*r.text(f.name));
  }
}

// One row through model_rows::insert; a unique name or key Praetor already holds under
// another id leaves the row out (rolled back to its savepoint), named.
RowOutcome insert_row(store::Connection& c, const core::Model& model, const json::object& object) {
  const std::string id(object.at("id").as_string());
  c.exec("SAVEPOINT import_row");
  try {
    store::model_rows::insert(c, model, object);
    c.exec("RELEASE import_row");
    return RowOutcome::copied();
  } catch (const store::DatabaseError& e) {
    if (!e.is_constraint()) throw;
    c.exec("ROLLBACK TO import_row");
    c.exec("RELEASE import_row");
    return RowOutcome::not_copied(std::string(model.name) + " " + id +
                                  ": Praetor holds another with the same unique name or key");
  }
}

core::Result<TableOutcome> import_model(PrefectSource& source, store::Database& db, const core::Model& model) {
  SourceTable<json::object> table{
      .table = std::string(model.table),
      .praetor_table = std::string(model.table),
      .columns = {},
      .write = [&model](store::Connection& c, const json::object& o) { return insert_row(c, model, o); }};
  const auto prefect_columns = source.columns(table.table);
  for (const auto& f : model.fields) {
    if (std::find(prefect_columns.begin(), prefect_columns.end(), f.name) == prefect_columns.end()) continue;
    table.columns.push_back(column<json::object>(
        std::string(f.name), kind_of(f.type),
        [&f](const SourceRow& r, std::string_view, json::object& o) { o[f.name] = value_of(r, f); }));
  }
  return import_table(source, db, table);
}

}  // namespace

core::Result<TableOutcome> import_flows(PrefectSource& source, store::Database& db) {
  return import_model(source, db, core::flow_model());
}

core::Result<TableOutcome> import_variables(PrefectSource& source, store::Database& db) {
  return import_model(source, db, core::variable_model());
}

core::Result<TableOutcome> import_saved_searches(PrefectSource& source, store::Database& db) {
  return import_model(source, db, core::saved_search_model());
}

core::Result<TableOutcome> import_flow_run_inputs(PrefectSource& source, store::Database& db) {
  return import_model(source, db, core::flow_run_input_model());
}

// Artifacts, results included (Prefect lists them too), with Prefect's latest-per-key rows
// as they are (what Praetor's artifact routes keep in step on each write).
core::Result<TableOutcome> import_artifacts(PrefectSource& source, store::Database& db) {
  return import_model(source, db, core::artifact_model());
}

core::Result<TableOutcome> import_artifact_collections(PrefectSource& source, store::Database& db) {
  return import_model(source, db, core::artifact_collection_model());
}

}  // namespace praetor::importer

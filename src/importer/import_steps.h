// The import's steps, one per Prefect resource (import_resources.cpp, import_runs.cpp), and
// what they share: each reads its Prefect table(s) and writes the rows through Praetor's
// repositories in batches, one write transaction per batch.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "importer/importer.h"

namespace praetor::importer {

// What writing one row did.
struct RowOutcome {
  enum Kind { kCopied, kAlreadyThere, kNotCopied };
  Kind kind = kCopied;
  std::string why;  // kNotCopied: the row and the reason
  static RowOutcome copied() { return {}; }
  static RowOutcome already_there() { return {kAlreadyThere, {}}; }
  static RowOutcome not_copied(std::string why) { return {kNotCopied, std::move(why)}; }
};

// Reports a table's outcome so far to the running import's progress callback (importer.cpp
// installs it for the duration of import_prefect_database; a no-op outside one).
void report_progress(const TableOutcome& so_far);

// Whether Praetor's `table` holds a row with this id.
bool row_exists(store::Connection& c, const std::string& table, const std::string& id);

// Which of `ids` Praetor's `table` holds, in one query.
std::set<std::string> rows_present(store::Connection& c, const std::string& table, const std::vector<std::string>& ids);

// Items that carry Prefect's id: a row (`id`), a run with its states (`run.id`), a JSON object.
template <class T>
concept ImportItem = std::is_same_v<T, boost::json::object> || requires(const T& t) { t.run.id; } ||
                     requires(const T& t) { t.id; };

template <ImportItem T>
std::string id_of(const T& item) {
  if constexpr (std::is_same_v<T, boost::json::object>) {
    return std::string(item.at("id").as_string());
  } else if constexpr (requires { item.run.id; }) {
    return item.run.id;
  } else {
    return item.id;
  }
}

// Writes the rows of a batch that Praetor does not hold yet, inside the batch's
// transaction: one outcome per row, in order (a table whose repository inserts many rows
// at once, in multi-row statements).
template <class T>
using BatchWriter = std::function<std::vector<RowOutcome>(store::Connection&, const std::vector<const T*>&)>;

// Writes `items`, `batch` per transaction, through `write_many`, counting into `out`. With
// `praetor_table`, an item whose id that table already holds is counted as already there
// and not given to `write_many` (what makes a second run copy nothing twice), checked for
// a whole batch in one query.
template <class T>
core::Status write_in_batches(store::Database& db, const std::vector<T>& items, size_t batch, TableOutcome& out,
                              const BatchWriter<T>& write_many, const std::string& praetor_table = {}) {
  for (size_t start = 0; start < items.size(); start += batch) {
    size_t end = std::min(items.size(), start + batch);
    auto outcomes = db.write<std::vector<RowOutcome>>([&](store::Connection& c)
                                                          -> core::Result<std::vector<RowOutcome>> {
      std::set<std::string> present;
      if constexpr (ImportItem<T>) {
        if (!praetor_table.empty()) {
          std::vector<std::string> ids;
          for (size_t i = start; i < end; ++i) ids.push_back(id_of(items[i]));
          present = rows_present(c, praetor_table, ids);
        }
      }
      std::vector<const T*> missing;
      std::vector<RowOutcome> done;
      for (size_t i = start; i < end; ++i) {
        bool there = false;
        if constexpr (ImportItem<T>) there = present.count(id_of(items[i])) > 0;
        if (there) done.push_back(RowOutcome::already_there());
        else missing.push_back(&items[i]);
      }
      for (auto& o : write_many(c, missing)) done.push_back(std::move(o));
      return done;
    });
    if (!outcomes) return outcomes.error();
    for (auto& o : *outcomes) {
      if (o.kind == RowOutcome::kCopied) ++out.copied;
      if (o.kind == RowOutcome::kAlreadyThere) ++out.already_there;
      if (o.kind == RowOutcome::kNotCopied) out.not_copied.push_back(std::move(o.why));
    }
    report_progress(out);
  }
  return core::Ok{};
}

// The same, writing one row at a time through `write_one`.
template <class T>
core::Status write_in_batches(store::Database& db, const std::vector<T>& items, size_t batch, TableOutcome& out,
                              const std::function<RowOutcome(store::Connection&, const T&)>& write_one,
                              const std::string& praetor_table = {}) {
  BatchWriter<T> write_many = [&write_one](store::Connection& c, const std::vector<const T*>& rows) {
    std::vector<RowOutcome> done;
    for (const T* row : rows) done.push_back(write_one(c, *row));
    return done;
  };
  return write_in_batches<T>(db, items, batch, out, write_many, praetor_table);
}

core::Result<TableOutcome> import_flows(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_work_pools(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_work_queues(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_variables(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_global_limits(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_tag_limits(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_deployments(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_deployment_schedules(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_flow_runs(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_task_runs(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_logs(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_block_types(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_block_schemas(PrefectSource& source, store::Database& db);
// Documents are sealed with `cipher` (Praetor's block key).
core::Result<TableOutcome> import_block_documents(PrefectSource& source, store::Database& db,
                                                  const store::BlockCipher* cipher);
core::Result<TableOutcome> import_block_document_references(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_automations(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_events(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_saved_searches(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_flow_run_inputs(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_artifacts(PrefectSource& source, store::Database& db);
core::Result<TableOutcome> import_artifact_collections(PrefectSource& source, store::Database& db);

}  // namespace praetor::importer

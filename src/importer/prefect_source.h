// A Prefect server's database, opened only to be read (`praetor server database import`):
// SQLite read-only without pragmas, PostgreSQL in a read-only repeatable-read transaction,
// so the whole import reads one consistent snapshot and cannot write. Rows come back with
// Prefect's values normalised across its two dialects (timestamps, intervals, JSON,
// booleans), read by column name.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "config/settings.h"
#include "core/result.h"
#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::importer {

// How a Prefect column is stored, so both dialects read it alike.
enum class ColumnKind { kText, kTimestamp, kInterval, kJson, kBool, kNumber };

struct SourceColumn {
  std::string name;
  ColumnKind kind = ColumnKind::kText;
};

// One row of a PrefectSource::select, its columns by name.
class SourceRow {
 public:
  SourceRow(const std::vector<SourceColumn>& columns, std::vector<std::optional<std::string>> values)
      : columns_(&columns), values_(std::move(values)) {}

  std::optional<std::string> text(std::string_view column) const;
  std::string text_or_empty(std::string_view column) const { return text(column).value_or(""); }
  std::optional<core::Timestamp> time(std::string_view column) const;
  core::Timestamp time_or_epoch(std::string_view column) const;
  std::chrono::microseconds interval(std::string_view column) const;  // zero when NULL
  boost::json::value json(std::string_view column) const;             // null when NULL
  boost::json::object object(std::string_view column) const;          // {} when NULL or not an object
  std::vector<std::string> strings(std::string_view column) const;    // a JSON list of strings
  bool flag(std::string_view column) const;                           // false when NULL
  std::optional<int64_t> integer(std::string_view column) const;
  double number(std::string_view column) const;                       // 0 when NULL

 private:
  const std::optional<std::string>& value(std::string_view column) const;
  const std::vector<SourceColumn>* columns_;
  std::vector<std::optional<std::string>> values_;
};

// The rows of one select, read one at a time. On PostgreSQL the select is a server-side
// cursor read `kFetchRows` at a time (libpq would otherwise hold a whole table's result in
// memory); on SQLite the statement steps through the rows itself.
class SourceCursor {
 public:
  static constexpr int kFetchRows = 5000;
  // SQLite: `statement` is the select.
  SourceCursor(store::Statement& statement, const std::vector<SourceColumn>& columns)
      : statement_(statement), columns_(columns) {}
  // PostgreSQL: `fetch` reads the next rows of the declared cursor `cursor_name` of
  // `connection`, which the destructor closes.
  SourceCursor(store::Connection& connection, std::string cursor_name, store::Statement& fetch,
               const std::vector<SourceColumn>& columns)
      : statement_(fetch), columns_(columns), connection_(&connection), cursor_name_(std::move(cursor_name)) {}
  ~SourceCursor();
  SourceCursor(const SourceCursor&) = delete;
  SourceCursor& operator=(const SourceCursor&) = delete;
  std::optional<SourceRow> next();

 private:
  store::Statement& statement_;
  const std::vector<SourceColumn>& columns_;
  store::Connection* connection_ = nullptr;  // set for a PostgreSQL cursor
  std::string cursor_name_;
  int fetched_ = 0;  // rows of the current FETCH read so far
};

class PrefectSource {
 public:
  // Opens the database `url` names, read-only, and checks that it holds Prefect's schema at
  // a revision this binary knows (kKnownSqliteRevisions, kKnownPostgresRevisions); otherwise an error saying what it holds.
  static core::Result<std::unique_ptr<PrefectSource>> open(const config::DatabaseUrl& url);
  ~PrefectSource();

  const std::string& revision() const { return revision_; }
  const std::string& describe() const { return description_; }
  // Prefect's tables, sorted.
  const std::vector<std::string>& tables() const { return tables_; }
  int64_t count(const std::string& table);
  // The columns of Prefect's `table`.
  std::vector<std::string> columns(const std::string& table);
  // The rows of `table` with `columns`, in `order_by` (comma-separated column names, each
  // ascending), optionally filtered by a condition without parameters.
  std::unique_ptr<SourceCursor> select(const std::string& table, const std::vector<SourceColumn>& columns,
                                       const std::string& order_by, const std::string& where = "");

 private:
  PrefectSource(std::unique_ptr<store::Connection> connection, std::string description);
  std::unique_ptr<store::Connection> connection_;
  std::string description_;
  std::string revision_;
  std::vector<std::string> tables_;
  std::map<std::string, std::vector<std::string>> columns_;  // per table, read once
  int64_t cursors_ = 0;  // PostgreSQL cursors declared, for their names
};

// The alembic revisions whose schema the import reads, oldest first: those of prefect
// 3.2.15's head (the oldest client Praetor is tested with) to the pinned 3.9.1's, on SQLite
// and on PostgreSQL. A column an older revision lacks reads as NULL.
extern const std::vector<std::string> kKnownSqliteRevisions;
extern const std::vector<std::string> kKnownPostgresRevisions;

}  // namespace praetor::importer

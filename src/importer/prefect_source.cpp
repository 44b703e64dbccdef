#include "importer/prefect_source.h"

#include <algorithm>
#include <filesystem>

#include "store/foreign_schema.h"
#include "store/postgres_connection.h"
#include "store/postgres_database.h"
#include "store/sqlite_connection.h"

namespace praetor::importer {

namespace json = boost::json;

// The `revision` of each file of prefect 3.9.1's server/database/_migrations/versions/
// {sqlite,postgresql}/, in file-name (date) order, from prefect 3.2.15's head on.
const std::vector<std::string> kKnownSqliteRevisions = {
    "bbca16f6f218", "7655f31c5157", "3c841a1800a1", "bb2345678901", "8bb517bae6f9",
    "9e83011d1f2a", "a1b2c3d4e5f7", "4dfa692e02a7", "2095de406cbe", "79e7a60e43d8",
    "14806cb26270", "f416ea180ae1", "a3b9c7d2e5f1", "8f5eda7c1dd7", "27d8f4e1a6c9"};
const std::vector<std::string> kKnownPostgresRevisions = {
    "06b7c293bc69", "7a73514ca2d6", "4160a4841eed", "1c9bb7f78263", "aa1234567890", "3b86c5ea017a",
    "9e83011d1f2a", "a1b2c3d4e5f6", "09a9e091e578", "7218aad17905", "bad1e352c597", "50737cdaee36",
    "9e9dadc36797", "c8d5f2a71b3e", "d4a7e1c93f52", "e7f54680bce3", "91e2b8f3d6a4"};

namespace {

// The select expression that reads `column` as text the same way on both dialects:
// timestamps "YYYY-MM-DD HH:MM:SS.ffffff" (UTC), intervals as seconds on PostgreSQL (SQLite
// stores them as a datetime after the epoch), JSON as its text, booleans 0/1.
std::string expression(store::Dialect dialect, const SourceColumn& c) {
  const std::string quoted = "\"" + c.name + "\"";
  if (dialect == store::Dialect::kSqlite) return quoted;
  switch (c.kind) {
    case ColumnKind::kTimestamp:
      return "to_char(" + quoted + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')";
    case ColumnKind::kInterval:
      return "EXTRACT(EPOCH FROM " + quoted + ")::text";
    case ColumnKind::kBool:
      return "(" + quoted + ")::int::text";
    default:
      return quoted + "::text";
  }
}

std::unique_ptr<store::Connection> connect(const config::DatabaseUrl& url) {
  if (url.dialect == config::DatabaseUrl::Dialect::kPostgres) {
    auto c = std::make_unique<store::PostgresConnection>(store::postgres_conninfo(url, 10), 0);
    c->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return c;
  }
  if (!std::filesystem::is_regular_file(url.sqlite_path)) {
    throw store::DatabaseError(store::DatabaseError::Kind::kOther, "no such file: " + url.sqlite_path);
  }
  std::error_code ec;
  bool immutable = !std::filesystem::exists(url.sqlite_path + "-wal", ec);
  auto c = std::make_unique<store::SqliteConnection>(url.sqlite_path, store::SqliteConnection::ReadOnly{immutable});
  c->exec("BEGIN");
  return c;
}

}  // namespace

const std::optional<std::string>& SourceRow::value(std::string_view column) const {
  for (size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i].name == column) return values_[i];
  }
  throw std::logic_error("column " + std::string(column) + " was not selected");
}

std::optional<std::string> SourceRow::text(std::string_view column) const { return value(column); }

std::optional<core::Timestamp> SourceRow::time(std::string_view column) const {
  const auto& v = value(column);
  if (!v) return std::nullopt;
  return core::parse_timestamp(*v);
}

core::Timestamp SourceRow::time_or_epoch(std::string_view column) const {
  return time(column).value_or(core::Timestamp{});
}

std::chrono::microseconds SourceRow::interval(std::string_view column) const {
  const auto& v = value(column);
  if (!v || v->empty()) return std::chrono::microseconds{0};
  if (v->find('-') != std::string::npos) {  // SQLite: a datetime after the epoch
    auto t = core::parse_timestamp(*v);
    return t ? std::chrono::microseconds(core::to_micros(*t)) : std::chrono::microseconds{0};
  }
  return std::chrono::microseconds(static_cast<int64_t>(std::llround(std::stod(*v) * 1e6)));
}

json::value SourceRow::json(std::string_view column) const {
  const auto& v = value(column);
  if (!v) return nullptr;
  boost::system::error_code ec;
  json::value parsed = json::parse(*v, ec);
  if (ec) return json::value(*v);  // a bare string SQLite stored without quotes
  return parsed;
}

json::object SourceRow::object(std::string_view column) const {
  json::value v = json(column);
  return v.is_object() ? v.as_object() : json::object{};
}

std::vector<std::string> SourceRow::strings(std::string_view column) const {
  std::vector<std::string> out;
  json::value v = json(column);
  if (!v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

bool SourceRow::flag(std::string_view column) const {
  const auto& v = value(column);
  return v && (*v == "1" || *v == "t" || *v == "true");
}

std::optional<int64_t> SourceRow::integer(std::string_view column) const {
  const auto& v = value(column);
  if (!v || v->empty()) return std::nullopt;
  return static_cast<int64_t>(std::llround(std::stod(*v)));
}

double SourceRow::number(std::string_view column) const {
  const auto& v = value(column);
  return v && !v->empty() ? std::stod(*v) : 0.0;
}

SourceCursor::~SourceCursor() {
  statement_.reset();
  if (!connection_) return;
  try {
    connection_->exec("CLOSE " + cursor_name_);
  } catch (const std::exception&) {
    // The read-only transaction ends with the source, closing what is left open.
  }
}

std::optional<SourceRow> SourceCursor::next() {
  if (!statement_.step()) {
    // A PostgreSQL FETCH that filled up may have more rows behind it.
    if (!connection_ || fetched_ < kFetchRows) return std::nullopt;
    statement_.reset();
    fetched_ = 0;
    if (!statement_.step()) return std::nullopt;
  }
  ++fetched_;
  std::vector<std::optional<std::string>> values;
  values.reserve(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) values.push_back(statement_.column_optional_text(static_cast<int>(i)));
  return SourceRow(columns_, std::move(values));
}

PrefectSource::PrefectSource(std::unique_ptr<store::Connection> connection, std::string description)
    : connection_(std::move(connection)), description_(std::move(description)) {}

PrefectSource::~PrefectSource() {
  try {
    connection_->exec("ROLLBACK");  // a read-only transaction: nothing to keep
  } catch (const std::exception&) {
  }
}

core::Result<std::unique_ptr<PrefectSource>> PrefectSource::open(const config::DatabaseUrl& url) {
  std::unique_ptr<PrefectSource> source;
  try {
    source.reset(new PrefectSource(connect(url), url.redacted()));
    auto found = store::find_foreign_schema(*source->connection_);
    if (!found || !found->prefect_revision) {
      return core::Error::invalid("database " + url.redacted() +
                                  " does not hold Prefect's schema (no alembic_version beside flow and flow_run)");
    }
    source->revision_ = *found->prefect_revision;
    auto& st = source->connection_->prepare(
        url.dialect == config::DatabaseUrl::Dialect::kPostgres
            ? "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1");
    while (st.step()) source->tables_.push_back(st.column_text(0));
    st.reset();
  } catch (const std::exception& e) {
    return core::Error::invalid("cannot read the Prefect database " + url.redacted() + ": " + e.what());
  }
  const auto& known = url.dialect == config::DatabaseUrl::Dialect::kPostgres ? kKnownPostgresRevisions
                                                                              : kKnownSqliteRevisions;
  if (std::find(known.begin(), known.end(), source->revision_) == known.end()) {
    return core::Error::invalid(
        "the Prefect database " + url.redacted() + " is at alembic revision " + source->revision_ +
        ", which this praetor does not read (it reads the schemas of prefect 3.2.15 to 3.9.1, revisions " +
        known.front() + " to " + known.back() + "); upgrade a copy of it with prefect 3.9.1 first: "
        "PREFECT_SERVER_DATABASE_CONNECTION_URL=<copy> prefect server database upgrade -y");
  }
  return source;
}

int64_t PrefectSource::count(const std::string& table) {
  auto& st = connection_->prepare("SELECT count(*) FROM \"" + table + "\"");
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

std::vector<std::string> PrefectSource::columns(const std::string& table) {
  auto& st = connection_->prepare(connection_->dialect() == store::Dialect::kPostgres
                                      ? "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                        "current_schema() AND table_name = ?1"
                                      : "SELECT name FROM pragma_table_info(?1)");
  st.bind(1, table);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.column_text(0));
  st.reset();
  return out;
}

std::unique_ptr<SourceCursor> PrefectSource::select(const std::string& table, const std::vector<SourceColumn>& columns,
                                                    const std::string& order_by, const std::string& where) {
  // A column an older Prefect schema lacks reads as NULL.
  auto known = columns_.find(table);
  if (known == columns_.end()) known = columns_.emplace(table, this->columns(table)).first;
  const auto& present = known->second;
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) {
    bool exists = std::find(present.begin(), present.end(), columns[i].name) != present.end();
    sql += (i ? ", " : "") + (exists ? expression(connection_->dialect(), columns[i]) : std::string("NULL"));
  }
  sql += " FROM \"" + table + "\"";
  if (!where.empty()) sql += " WHERE " + where;
  // Ordered by the stored columns, not by their text (PostgreSQL would sort the text of a
  // uuid in the database's collation, and the merges in import_runs.cpp need byte order).
  for (size_t i = 0, start = 0; start < order_by.size(); ++i) {
    size_t end = order_by.find(',', start);
    if (end == std::string::npos) end = order_by.size();
    std::string column = order_by.substr(start, end - start);
    column.erase(0, column.find_first_not_of(' '));
    column.erase(column.find_last_not_of(' ') + 1);
    sql += (i ? ", \"" : " ORDER BY \"") + table + "\".\"" + column + "\"";
    start = end + 1;
  }
  if (connection_->dialect() == store::Dialect::kPostgres) {
    std::string name = "import_cursor_" + std::to_string(++cursors_);
    connection_->exec("DECLARE " + name + " NO SCROLL CURSOR FOR " + sql);
    auto& fetch = connection_->prepare("FETCH FORWARD " + std::to_string(SourceCursor::kFetchRows) + " FROM " + name);
    return std::make_unique<SourceCursor>(*connection_, name, fetch, columns);
  }
  return std::make_unique<SourceCursor>(connection_->prepare(sql), columns);
}

}  // namespace praetor::importer

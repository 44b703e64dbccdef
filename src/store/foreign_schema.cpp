#include "store/foreign_schema.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "store/migrations.h"
#include "store/sqlite_connection.h"

namespace praetor::store {

namespace {

constexpr const char* kVersionTable = "praetor_schema_version";

// Prefect's schema: alembic's bookkeeping beside the tables every Prefect release has.
bool looks_like_prefect(const std::set<std::string>& tables) {
  return tables.count("alembic_version") && tables.count("flow") && tables.count("flow_run");
}

std::vector<std::string> list_tables(Connection& c) {
  auto& st = c.prepare(c.dialect() == Dialect::kPostgres
                           ? "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                             "ORDER BY tablename"
                           : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                             "ESCAPE '\\' ORDER BY name");
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.column_text(0));
  st.reset();
  return out;
}

std::string alembic_revision(Connection& c) {
  auto& st = c.prepare("SELECT version_num FROM alembic_version");
  std::string revisions;
  while (st.step()) revisions += (revisions.empty() ? "" : ", ") + st.column_text(0);
  st.reset();
  return revisions.empty() ? "none recorded" : revisions;
}

// "a, b, c and 12 more"
std::string some_of(const std::vector<std::string>& names, size_t shown) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

// A SQLite path as Prefect's database setting spells it.
std::string sqlite_url(const std::string& path) { return "sqlite+aiosqlite:///" + path; }

// Whether anything may be stored at `path`: a non-empty file or a WAL file beside it.
bool holds_data(const std::string& path) {
  if (path == ":memory:") return false;
  std::error_code ec;
  if (std::filesystem::exists(path + "-wal", ec)) return true;
  auto size = std::filesystem::file_size(path, ec);
  return !ec && size > 0;
}

// Without a WAL file the main file is the whole database: it is read as immutable, so that
// nothing, not even SQLite's -shm file, is created beside it. A WAL file (a Prefect server
// running, or one that stopped uncleanly) must be read through, which SQLite does with the
// -wal and -shm files already there.
std::unique_ptr<SqliteConnection> open_to_read(const std::string& path) {
  std::error_code ec;
  bool immutable = !std::filesystem::exists(path + "-wal", ec);
  return std::make_unique<SqliteConnection>(path, SqliteConnection::ReadOnly{immutable});
}

}  // namespace

const std::vector<std::string>& praetor_tables(Dialect dialect) {
  static const auto collect = [](Dialect d) {
    static const std::regex create_table(R"(CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][A-Za-z0-9_]*))",
                                         std::regex::icase);
    std::set<std::string> names{kVersionTable};
    for (const auto& m : embedded_migrations(d)) {
      for (std::sregex_iterator it(m.sql.begin(), m.sql.end(), create_table), end; it != end; ++it) {
        std::string name = (*it)[2];
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
        names.insert(name);
      }
    }
    return std::vector<std::string>(names.begin(), names.end());
  };
  static const std::vector<std::string> sqlite = collect(Dialect::kSqlite);
  static const std::vector<std::string> postgres = collect(Dialect::kPostgres);
  return dialect == Dialect::kPostgres ? postgres : sqlite;
}

std::optional<ForeignSchema> find_foreign_schema(Connection& c) {
  if (current_schema_version(c) > 0) return std::nullopt;
  const auto& ours = praetor_tables(c.dialect());
  std::vector<std::string> all = list_tables(c);
  ForeignSchema found;
  for (const auto& t : all) {
    if (!std::binary_search(ours.begin(), ours.end(), t)) found.tables.push_back(t);
  }
  if (found.tables.empty()) return std::nullopt;
  found.table_count = all.size();
  if (looks_like_prefect(std::set<std::string>(all.begin(), all.end()))) found.prefect_revision = alembic_revision(c);
  return found;
}

core::Status refuse_foreign_schema(Connection& c, const std::string& where) {
  auto found = find_foreign_schema(c);
  if (!found) return core::Ok{};
  const std::string import = "`praetor server database import --from " + where + "`";
  std::string what;
  if (found->prefect_revision) {
    what = "holds Prefect's schema (alembic revision " + *found->prefect_revision + "; " +
           std::to_string(found->table_count) + " tables, among them alembic_version, flow and flow_run)";
  } else {
    what = "holds " + std::to_string(found->tables.size()) + " table(s) that are not Praetor's (" +
           some_of(found->tables, 8) + ") and no Praetor schema version";
  }
  std::string advice =
      found->prefect_revision
          ? "To move its data to Praetor, point PREFECT_SERVER_DATABASE_CONNECTION_URL at a new database for Praetor "
            "and run " + import + " (it only reads this one; docs/importing.md)"
          : "Point PREFECT_SERVER_DATABASE_CONNECTION_URL at an empty database or one of Praetor's; if this is a "
            "Prefect database, " + import + " copies its data into Praetor's (docs/importing.md)";
  return core::Error::invalid("database " + where + " " + what +
                              ": Praetor refuses to use it and has written nothing to it. " + advice);
}

core::Status refuse_foreign_sqlite_file(const std::string& path) {
  if (!holds_data(path)) return core::Ok{};
  auto c = open_to_read(path);
  return refuse_foreign_schema(*c, sqlite_url(path));
}

bool sqlite_file_has_no_tables(const std::string& path) {
  if (!holds_data(path)) return true;
  auto c = open_to_read(path);
  auto& st = c->prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  st.step();
  bool empty = st.column_int(0) == 0;
  st.reset();
  return empty;
}

}  // namespace praetor::store

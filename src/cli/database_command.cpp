#include "cli/database_command.h"

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "config/settings.h"
#include "store/migrations.h"
#include "store/postgres_connection.h"
#include "store/postgres_database.h"
#include "store/sqlite_backup.h"
#include "store/sqlite_connection.h"

namespace praetor::cli {

namespace {

struct Target {
  config::Settings settings;
  store::Dialect dialect;
};

std::optional<Target> load_target() {
  auto settings = config::load_settings();
  if (!settings) {
    spdlog::error("configuration error: {}", settings.error().message);
    return std::nullopt;
  }
  bool pg = settings->database.dialect == config::DatabaseUrl::Dialect::kPostgres;
  return Target{*settings, pg ? store::Dialect::kPostgres : store::Dialect::kSqlite};
}

// A direct connection (no migration); throws DatabaseError when the database cannot be reached.
std::unique_ptr<store::Connection> connect(const Target& t) {
  if (t.dialect == store::Dialect::kPostgres) {
    return std::make_unique<store::PostgresConnection>(
        store::postgres_conninfo(t.settings.database, t.settings.database_tuning.connect_timeout_seconds), 0);
  }
  return std::make_unique<store::SqliteConnection>(t.settings.database.sqlite_path, true);
}

// version → applied_at of the versions recorded in the database.
std::map<int, std::string> applied_versions(store::Connection& c) {
  std::map<int, std::string> out;
  if (store::current_schema_version(c) == 0) return out;
  auto& st = c.prepare("SELECT version, applied_at FROM praetor_schema_version ORDER BY version");
  while (st.step()) out[static_cast<int>(st.column_int(0))] = st.column_text(1);
  st.reset();
  return out;
}

template <class Fn>
int guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace

int run_database_current() {
  auto t = load_target();
  if (!t) return 2;
  return guarded([&] {
    auto c = connect(*t);
    const auto& ms = store::embedded_migrations(t->dialect);
    int current = store::current_schema_version(*c);
    int newest = ms.empty() ? 0 : ms.back().version;
    std::printf("database: %s\ncurrent schema version: %d\nthis binary's schema version: %d\n%s\n",
                t->settings.database.redacted().c_str(), current, newest,
                current == newest ? "up to date"
                : current < newest ? "behind: run `praetor server database upgrade`"
                                   : "NEWER than this binary: run a newer praetor");
    return 0;
  });
}

int run_database_history() {
  auto t = load_target();
  if (!t) return 2;
  return guarded([&] {
    auto c = connect(*t);
    auto applied = applied_versions(*c);
    for (const auto& m : store::embedded_migrations(t->dialect)) {
      auto it = applied.find(m.version);
      std::printf("%04d  %-32s %s\n", m.version, m.name.c_str(),
                  it == applied.end() ? "pending" : ("applied " + it->second).c_str());
      if (it != applied.end()) applied.erase(it);
    }
    for (const auto& [version, at] : applied) std::printf("%04d  %-32s applied %s (unknown to this binary)\n", version, "?", at.c_str());
    return 0;
  });
}

int run_database_upgrade(const DatabaseCommandOptions& options) {
  auto t = load_target();
  if (!t) return 2;
  return guarded([&] {
    auto c = connect(*t);
    std::vector<store::Migration> ms;
    for (const auto& m : store::embedded_migrations(t->dialect)) {
      if (!options.revision || m.version <= *options.revision) ms.push_back(m);
    }
    int current = store::current_schema_version(*c);
    std::vector<const store::Migration*> pending;
    for (const auto& m : ms) {
      if (m.version > current) pending.push_back(&m);
    }
    if (pending.empty()) {
      std::printf("database %s is at schema version %d: nothing to upgrade\n", t->settings.database.redacted().c_str(), current);
      return 0;
    }
    if (options.dry_run) {
      for (const auto* m : pending) std::printf("-- migration %d (%s)\n%s\n", m->version, m->name.c_str(), m->sql.c_str());
      return 0;
    }
    if (!options.yes) {
      std::printf("Upgrade %s from schema version %d to %d? [y/N] ", t->settings.database.redacted().c_str(), current,
                  pending.back()->version);
      std::fflush(stdout);
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "Y" && answer != "yes") {
        std::printf("aborted\n");
        return 1;
      }
    }
    if (t->dialect == store::Dialect::kSqlite && current > 0) {
      auto backup = store::backup_sqlite(static_cast<store::SqliteConnection&>(*c),
                                         store::sqlite_backup_path(t->settings.database.sqlite_path, current));
      if (!backup) {
        spdlog::error("{}", backup.error().message);
        return 1;
      }
      std::printf("backed up the database (schema version %d) to %s\n", current, backup->c_str());
    }
    auto version = store::apply_migrations(*c, ms);
    if (!version) {
      spdlog::error("{}", version.error().message);
      return 1;
    }
    std::printf("database %s upgraded to schema version %d\n", t->settings.database.redacted().c_str(), *version);
    return 0;
  });
}

int run_database_backup() {
  auto t = load_target();
  if (!t) return 2;
  if (t->dialect != store::Dialect::kSqlite) {
    spdlog::error("praetor server database backup supports SQLite only so far; use pg_dump for PostgreSQL");
    return 1;
  }
  return guarded([&] {
    auto c = connect(*t);
    int current = store::current_schema_version(*c);
    auto backup = store::backup_sqlite(static_cast<store::SqliteConnection&>(*c),
                                       store::sqlite_backup_path(t->settings.database.sqlite_path, current));
    if (!backup) {
      spdlog::error("{}", backup.error().message);
      return 1;
    }
    std::printf("%s\n", backup->c_str());
    return 0;
  });
}

}  // namespace praetor::cli

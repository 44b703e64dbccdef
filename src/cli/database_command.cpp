#include "cli/database_command.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "config/settings.h"
#include "store/backup.h"
#include "store/foreign_schema.h"
#include "store/migrations.h"
#include "store/postgres_connection.h"
#include "store/postgres_database.h"
#include "store/sqlite_connection.h"

namespace praetor::cli {

namespace {

struct Target {
  config::Settings settings;
  store::Dialect dialect;
  std::string where() const { return settings.database.redacted(); }
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

// A direct connection (no migration) to a database that is empty or Praetor's; throws
// DatabaseError when the database cannot be reached, and returns the refusal of a foreign
// one (store/foreign_schema.h) having written nothing to it.
core::Result<std::unique_ptr<store::Connection>> connect(const Target& t) {
  if (t.dialect == store::Dialect::kPostgres) {
    auto c = std::make_unique<store::PostgresConnection>(
        store::postgres_conninfo(t.settings.database, t.settings.database_tuning.connect_timeout_seconds), 0);
    if (auto st = store::refuse_foreign_schema(*c, t.where()); !st) return st.error();
    return std::unique_ptr<store::Connection>(std::move(c));
  }
  if (auto st = store::refuse_foreign_sqlite_file(t.settings.database.sqlite_path); !st) return st.error();
  return std::unique_ptr<store::Connection>(
      std::make_unique<store::SqliteConnection>(t.settings.database.sqlite_path, true));
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

// Loads the settings, connects and returns fn(target, connection): exit status 2 for a
// configuration error, 1 when the database fails (the error is logged).
template <class Fn>
int with_database(Fn&& fn) {
  auto t = load_target();
  if (!t) return 2;
  try {
    auto c = connect(*t);
    if (!c) {
      spdlog::error("{}", c.error().message);
      return 1;
    }
    return fn(*t, **c);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

// -y given, or a "y" typed on a terminal. Without a terminal it refuses, saying to pass -y.
bool confirmed(const std::string& question, const std::string& action, bool yes) {
  if (yes) return true;
  if (!::isatty(STDIN_FILENO)) {
    spdlog::error("refusing to {} without confirmation: stdin is not a terminal; pass -y/--yes to confirm", action);
    return false;
  }
  std::printf("%s [y/N] ", question.c_str());
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "y" || answer == "Y" || answer == "yes") return true;
  std::printf("aborted\n");
  return false;
}

// Backs up a non-empty database before its schema changes, printing where (the CLI's hook).
store::BeforeMigrating backup_and_say_where(const Target& t) {
  return [&t](store::Connection& c, int from, int to) -> core::Status {
    if (from == 0) return core::Ok{};
    if (!t.settings.database_tuning.backup_enabled) {
      std::printf("no backup taken (PRAETOR_SERVER_DATABASE_BACKUP_ENABLED=false)\n");
      return core::Ok{};
    }
    auto path = store::backup_database(c, t.settings.database, t.settings.database_tuning, from);
    if (!path) return path.error();
    std::printf("backed up the database (schema version %d) to %s\n", from, path->c_str());
    std::fflush(stdout);
    (void)to;
    return core::Ok{};
  };
}

int report(const core::Result<int>& version, const Target& t, const char* done) {
  if (!version) {
    spdlog::error("{}", version.error().message);
    return 1;
  }
  std::printf("database %s %s schema version %d\n", t.where().c_str(), done, *version);
  return 0;
}

void print_down_steps(const std::vector<store::Migration>& ms, int from, int to) {
  for (auto it = ms.rbegin(); it != ms.rend(); ++it) {
    if (it->version <= from && it->version > to) {
      std::printf("-- down step of migration %d (%s)\n%s\n", it->version, it->name.c_str(), it->down_sql.c_str());
    }
  }
}

void print_up_steps(const std::vector<store::Migration>& ms, int from, int to) {
  for (const auto& m : ms) {
    if (m.version > from && m.version <= to) {
      std::printf("-- migration %d (%s)\n%s\n", m.version, m.name.c_str(), m.sql.c_str());
    }
  }
}

}  // namespace

std::optional<int> resolve_revision(const std::string& revision, int current, int newest) {
  if (revision == "head" || revision == "heads") return newest;
  if (revision == "base") return 0;
  if (revision.empty()) return std::nullopt;
  size_t start = (revision[0] == '+' || revision[0] == '-') ? 1 : 0;
  if (start == revision.size() || revision.find_first_not_of("0123456789", start) != std::string::npos) {
    return std::nullopt;
  }
  int n = 0;
  try {
    n = std::stoi(revision.substr(start));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (revision[0] == '+') return current + n;
  if (revision[0] == '-') return current - n;
  return n;
}

int run_database_current() {
  return with_database([&](const Target& t, store::Connection& c) {
    const auto& ms = store::embedded_migrations(t.dialect);
    auto state = store::read_schema_state(c);
    int newest = store::newest_version(ms);
    std::string verdict = state.version == newest ? "up to date"
                          : state.version < newest ? "behind: run `praetor server database upgrade`"
                          : state.compatible_from <= newest
                              ? "newer than this binary, which still serves it (expand-only migrations since)"
                              : "NEWER than this binary, which refuses it: run a newer praetor";
    std::printf(
        "database: %s\ncurrent schema version: %d\nserves binaries of schema version: %d or newer\n"
        "this binary's schema version: %d\n%s\n",
        t.where().c_str(), state.version, state.compatible_from, newest, verdict.c_str());
    return 0;
  });
}

int run_database_history() {
  return with_database([&](const Target& t, store::Connection& c) {
    auto applied = applied_versions(c);
    for (const auto& m : store::embedded_migrations(t.dialect)) {
      auto it = applied.find(m.version);
      std::printf("%04d  %-32s %-8s %s\n", m.version, m.name.c_str(), m.contract ? "contract" : "expand",
                  it == applied.end() ? "pending" : ("applied " + it->second).c_str());
      if (it != applied.end()) applied.erase(it);
    }
    for (const auto& [version, at] : applied) {
      std::printf("%04d  %-32s %-8s applied %s (unknown to this binary)\n", version, "?", "?", at.c_str());
    }
    return 0;
  });
}

int run_database_upgrade(const DatabaseCommandOptions& options) {
  return with_database([&](const Target& t, store::Connection& c) {
    const auto& all = store::embedded_migrations(t.dialect);
    int current = store::current_schema_version(c);
    auto target = resolve_revision(options.revision.value_or("head"), current, store::newest_version(all));
    if (!target || *target < 0 || *target > store::newest_version(all)) {
      spdlog::error("--revision {}: not a version this binary can upgrade to (0..{}, head, +k)",
                    options.revision.value_or("head"), store::newest_version(all));
      return 2;
    }
    if (*target <= current) {
      std::printf("database %s is at schema version %d: nothing to upgrade\n", t.where().c_str(), current);
      return 0;
    }
    if (options.dry_run) {
      print_up_steps(all, current, *target);
      return 0;
    }
    if (!confirmed("Upgrade " + t.where() + " from schema version " + std::to_string(current) + " to " +
                       std::to_string(*target) + "?",
                   "upgrade the database", options.yes)) {
      return 1;
    }
    std::vector<store::Migration> ms;
    for (const auto& m : all) {
      if (m.version <= *target) ms.push_back(m);
    }
    return report(store::apply_migrations(c, ms, backup_and_say_where(t)), t, "upgraded to");
  });
}

int run_database_downgrade(const DatabaseCommandOptions& options) {
  return with_database([&](const Target& t, store::Connection& c) {
    const auto& ms = store::embedded_migrations(t.dialect);
    int current = store::current_schema_version(c);
    auto target = resolve_revision(*options.revision, current, store::newest_version(ms));
    if (!target || *target < 0) {
      spdlog::error("--revision {}: not a version to downgrade to (N, base, -k; here 0..{})", *options.revision,
                    current);
      return 2;
    }
    if (*target >= current) {
      std::printf("database %s is at schema version %d: nothing to downgrade\n", t.where().c_str(), current);
      return 0;
    }
    if (options.dry_run) {
      print_down_steps(ms, current, *target);
      return 0;
    }
    if (!confirmed("Downgrade " + t.where() + " from schema version " + std::to_string(current) + " to " +
                       std::to_string(*target) + "? Data in what the reverted migrations created is dropped.",
                   "downgrade the database", options.yes)) {
      return 1;
    }
    return report(store::revert_migrations(c, ms, *target, backup_and_say_where(t)), t, "downgraded to");
  });
}

int run_database_reset(const DatabaseCommandOptions& options) {
  return with_database([&](const Target& t, store::Connection& c) {
    const auto& ms = store::embedded_migrations(t.dialect);
    int current = store::current_schema_version(c);
    if (options.dry_run) {
      print_down_steps(ms, current, 0);
      print_up_steps(ms, 0, store::newest_version(ms));
      return 0;
    }
    if (!confirmed("Reset " + t.where() + "? Every table is dropped and created again, empty.", "reset the database",
                   options.yes)) {
      return 1;
    }
    auto down = store::revert_migrations(c, ms, 0, backup_and_say_where(t));
    if (!down) return report(down, t, "reset to");
    return report(store::apply_migrations(c, ms), t, "reset to");
  });
}

int run_database_stamp(const DatabaseCommandOptions& options) {
  return with_database([&](const Target& t, store::Connection& c) {
    const auto& ms = store::embedded_migrations(t.dialect);
    auto target = resolve_revision(*options.revision, store::current_schema_version(c), store::newest_version(ms));
    if (!target) {
      spdlog::error("--revision {}: not a version (N, head, base, +k, -k)", *options.revision);
      return 2;
    }
    return report(store::stamp_schema(c, ms, *target), t, "stamped as");
  });
}

int run_database_backup() {
  return with_database([&](const Target& t, store::Connection& c) {
    int current = store::current_schema_version(c);
    auto backup = store::backup_database(c, t.settings.database, t.settings.database_tuning, current);
    if (!backup) {
      spdlog::error("{}", backup.error().message);
      return 1;
    }
    std::printf("%s\n", backup->c_str());
    return 0;
  });
}

}  // namespace praetor::cli

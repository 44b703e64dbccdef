#include "store/backup.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <spdlog/spdlog.h>

#include "store/sqlite_backup.h"
#include "store/sqlite_connection.h"

extern char** environ;

namespace praetor::store {

namespace {
constexpr const char* kSkipHint = "set PRAETOR_SERVER_DATABASE_BACKUP_ENABLED=false to migrate without a backup";

std::string utc_stamp() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return stamp;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string percent_encode(const std::string& v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : v) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

// The libpq URL of `url` (PRAETOR_DATABASE_URL for dump commands that take one).
std::string libpq_url(const config::DatabaseUrl& url) {
  std::string out = "postgresql://";
  if (!url.user.empty()) {
    out += percent_encode(url.user);
    if (!url.password.empty()) out += ":" + percent_encode(url.password);
    out += "@";
  }
  out += url.host;
  if (!url.port.empty()) out += ":" + url.port;
  return out + "/" + percent_encode(url.name);
}

std::string read_tail(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max) text = "…" + text.substr(text.size() - max);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

core::Result<std::string> dump_postgres(const config::DatabaseUrl& url, const config::DatabaseTuning& tuning,
                                        int version) {
  std::string command = tuning.backup_command;
  if (command.empty()) {
    if (!on_path("pg_dump")) {
      return core::Error::internal(
          "cannot back up the PostgreSQL database before changing its schema: pg_dump is not on PATH; install the "
          "PostgreSQL client, set PRAETOR_SERVER_DATABASE_BACKUP_COMMAND to a command that writes a dump to its "
          "stdout, or " + std::string(kSkipHint));
    }
    command = "pg_dump --format=custom";
  }
  std::string dir = tuning.backup_dir.empty() ? "backups" : tuning.backup_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::Error::internal("cannot create the backup folder " + dir + ": " + ec.message() + "; " + kSkipHint);
  std::string base = dir + "/" + (url.name.empty() ? "praetor" : url.name) + "-v" + std::to_string(version) + "-" +
                     utc_stamp();
  std::string target = base + ".dump";
  for (int n = 2; std::filesystem::exists(target, ec); ++n) target = base + "-" + std::to_string(n) + ".dump";
  std::string errors = target + ".stderr";

  // Environment: the process's own, with the connection's parts overriding any PG* there.
  std::vector<std::string> env_strings;
  auto set = [&](const std::string& key, const std::string& value) {
    if (!value.empty()) env_strings.push_back(key + "=" + value);
  };
  set("PGHOST", url.host);
  set("PGPORT", url.port);
  set("PGUSER", url.user);
  set("PGPASSWORD", url.password);
  set("PGDATABASE", url.name);
  set("PRAETOR_DATABASE_URL", libpq_url(url));
  set("PRAETOR_BACKUP_FILE", target);
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    bool overridden = false;
    for (const auto& own : env_strings) overridden = overridden || own.compare(0, key.size() + 1, key + "=") == 0;
    if (!overridden) env_strings.push_back(kv);
  }
  std::vector<char*> envp;
  for (auto& kv : env_strings) envp.push_back(kv.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string sh = "/bin/sh", dash_c = "-c";
  char* argv[] = {sh.data(), dash_c.data(), command.data(), nullptr};
  pid_t pid = 0;
  spdlog::info("backing up the database (schema version {}) with `{}` to {}", version, command, target);
  int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::filesystem::remove(target, ec);
    std::filesystem::remove(errors, ec);
    return core::Error::internal("cannot run the backup command `" + command + "`: " + std::strerror(rc) + "; " + kSkipHint);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string stderr_text = read_tail(errors, 2000);
  std::filesystem::remove(errors, ec);
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  auto size = std::filesystem::file_size(target, ec);
  if (!ok || ec || size == 0) {
    std::filesystem::remove(target, ec);
    std::string how = !WIFEXITED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                      : !ok               ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                          : std::string("wrote nothing");
    return core::Error::internal("the backup command `" + command + "` " + how +
                                 (stderr_text.empty() ? "" : ": " + stderr_text) +
                                 "; the schema was not changed. Fix the command (PRAETOR_SERVER_DATABASE_BACKUP_COMMAND) "
                                 "or " + kSkipHint);
  }
  return target;
}
}  // namespace

core::Result<std::string> backup_database(Connection& c, const config::DatabaseUrl& url,
                                          const config::DatabaseTuning& tuning, int version) {
  if (c.dialect() == Dialect::kPostgres) return dump_postgres(url, tuning, version);
  auto* lite = dynamic_cast<SqliteConnection*>(&c);
  if (!lite) return core::Error::internal("SQLite backup needs a SQLite connection");
  std::string path = sqlite_backup_path(url.sqlite_path, version);
  if (tuning.backup_dir_configured) {
    std::error_code ec;
    std::filesystem::create_directories(tuning.backup_dir, ec);
    path = sqlite_backup_path(tuning.backup_dir + "/" + std::filesystem::path(url.sqlite_path).filename().string(),
                              version);
  }
  auto out = backup_sqlite(*lite, path);
  if (!out) return core::Error::internal(out.error().message + "; the schema was not changed; " + kSkipHint);
  return out;
}

BeforeMigrating backup_before_migrating(const config::DatabaseUrl& url, const config::DatabaseTuning& tuning) {
  return [url, tuning](Connection& c, int from, int to) -> core::Status {
    if (from == 0) return core::Ok{};  // an empty database has nothing to lose
    if (!tuning.backup_enabled) {
      spdlog::warn("changing the schema from version {} to {} without a backup (PRAETOR_SERVER_DATABASE_BACKUP_ENABLED=false)",
                   from, to);
      return core::Ok{};
    }
    auto path = backup_database(c, url, tuning, from);
    if (!path) return path.error();
    spdlog::info("backed up the database (schema version {}) to {} before migrating", from, *path);
    return core::Ok{};
  };
}

}  // namespace praetor::store

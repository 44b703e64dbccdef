#include "config/settings.h"

#include <gtest/gtest.h>

#include <map>

namespace praetor::config {
namespace {

Getenv env_of(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

// Verifies the defaults: loopback, port 4200, praetor.db under PREFECT_HOME.
TEST(Settings, Defaults) {
  auto s = load_settings(env_of({{"HOME", "/home/u"}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->host, "127.0.0.1");
  EXPECT_EQ(s->port, 4200);
  EXPECT_EQ(s->home, "/home/u/.prefect");
  EXPECT_EQ(s->database.sqlite_path, "/home/u/.prefect/praetor.db");
}

// Verifies Prefect's variable names are honoured.
TEST(Settings, PrefectNames) {
  auto s = load_settings(env_of({{"PREFECT_SERVER_API_HOST", "0.0.0.0"},
                                 {"PREFECT_SERVER_API_PORT", "4300"},
                                 {"PREFECT_HOME", "/srv/p"},
                                 {"PREFECT_SERVER_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:////data/x.db"}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->host, "0.0.0.0");
  EXPECT_EQ(s->port, 4300);
  EXPECT_EQ(s->database.sqlite_path, "/data/x.db");
}

// Verifies the cancellation-cleanup and pause-expiration services read Prefect's names
// (and the legacy PREFECT_API_SERVICES_ ones), with Prefect's defaults otherwise.
TEST(Settings, CancellationCleanupAndPauseExpirationNames) {
  auto d = load_settings(env_of({}));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->services.cancellation_cleanup_enabled);
  EXPECT_EQ(d->services.cancellation_cleanup_loop_seconds, 20);
  EXPECT_EQ(d->services.cancellation_cleanup_cancelling_timeout_seconds, 300);
  EXPECT_TRUE(d->services.pause_expirations_enabled);
  EXPECT_EQ(d->services.pause_expirations_loop_seconds, 5);
  auto s = load_settings(env_of({{"PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED", "false"},
                                 {"PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_LOOP_SECONDS", "2.5"},
                                 {"PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS", "60"},
                                 {"PREFECT_API_SERVICES_PAUSE_EXPIRATIONS_ENABLED", "false"},
                                 {"PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_LOOP_SECONDS", "1"}}));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->services.cancellation_cleanup_enabled);
  EXPECT_EQ(s->services.cancellation_cleanup_loop_seconds, 2.5);
  EXPECT_EQ(s->services.cancellation_cleanup_cancelling_timeout_seconds, 60);
  EXPECT_FALSE(s->services.pause_expirations_enabled);
  EXPECT_EQ(s->services.pause_expirations_loop_seconds, 1);
  EXPECT_FALSE(load_settings(env_of({{"PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS", "0"}})));
}

// Verifies the repossessor reads PREFECT_SERVER_SERVICES_REPOSSESSOR_{ENABLED,LOOP_SECONDS}
// (Prefect's defaults: on, every 15 s) and, as upstream, no legacy PREFECT_API_ name.
TEST(Settings, RepossessorNames) {
  auto d = load_settings(env_of({}));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->services.repossessor_enabled);
  EXPECT_EQ(d->services.repossessor_loop_seconds, 15);
  auto s = load_settings(env_of({{"PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED", "false"},
                                 {"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS", "0.5"}}));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->services.repossessor_enabled);
  EXPECT_EQ(s->services.repossessor_loop_seconds, 0.5);
  auto legacy = load_settings(env_of({{"PREFECT_API_SERVICES_REPOSSESSOR_ENABLED", "false"},
                                      {"PREFECT_API_SERVICES_REPOSSESSOR_LOOP_SECONDS", "1"}}));
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(legacy->services.repossessor_enabled);
  EXPECT_EQ(legacy->services.repossessor_loop_seconds, 15);
  EXPECT_FALSE(load_settings(env_of({{"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS", "soon"}})));
}

// Verifies a bad value is refused with the variable's name in the message.
TEST(Settings, BadPortNamesVariable) {
  auto s = load_settings(env_of({{"PREFECT_SERVER_API_PORT", "http"}}));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("PREFECT_SERVER_API_PORT"), std::string::npos);
}

// Verifies the block encryption key is base64 of 32 bytes, and a bad value is refused by the
// setting's name without echoing it.
TEST(Settings, BlocksEncryptionKey) {
  auto s = load_settings(env_of({{"PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY", std::string(43, 'A') + "="}}));
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->blocks_encryption_key);
  EXPECT_EQ(s->blocks_encryption_key->size(), 32u);
  for (const std::string& bad : std::vector<std::string>{"c2VjcmV0", "not base64 at all!!", std::string(44, '*')}) {
    auto r = load_settings(env_of({{"PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY", bad}}));
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("PRAETOR_SERVER_BLOCKS_ENCRYPTION_KEY"), std::string::npos);
    EXPECT_EQ(r.error().message.find(bad), std::string::npos);
  }
}

// Verifies PREFECT_SERVER_LOGGING_LEVEL takes Prefect's upper-case names (spdlog would read
// an unknown name as "off", silencing the server) and refuses a name that is no level.
TEST(Settings, LoggingLevelTakesPrefectNames) {
  auto s = load_settings(env_of({{"PREFECT_SERVER_LOGGING_LEVEL", "DEBUG"}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->log_level, "debug");
  auto w = load_settings(env_of({{"PREFECT_SERVER_LOGGING_LEVEL", "Warning"}}));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->log_level, "warning");
  auto bad = load_settings(env_of({{"PREFECT_SERVER_LOGGING_LEVEL", "LOUD"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("PREFECT_SERVER_LOGGING_LEVEL"), std::string::npos);
}

// Verifies Prefect's second name for the server level, PREFECT_LOGGING_SERVER_LEVEL.
TEST(Settings, LoggingLevelTakesPrefectsAlias) {
  auto s = load_settings(env_of({{"PREFECT_LOGGING_SERVER_LEVEL", "ERROR"}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->log_level, "error");
}

// Verifies the access-log level (debug by default, "off" allowed) and the log format
// (text or json), each refused by name when it is not one of those.
TEST(Settings, AccessLogLevelAndLogFormat) {
  auto d = load_settings(env_of({}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->access_log_level, "debug");
  EXPECT_EQ(d->log_format, "text");
  auto s = load_settings(env_of({{"PRAETOR_ACCESS_LOG_LEVEL", "INFO"}, {"PRAETOR_LOG_FORMAT", "JSON"}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->access_log_level, "info");
  EXPECT_EQ(s->log_format, "json");
  auto off = load_settings(env_of({{"PRAETOR_ACCESS_LOG_LEVEL", "off"}}));
  ASSERT_TRUE(off);
  EXPECT_EQ(off->access_log_level, "off");
  auto bad_level = load_settings(env_of({{"PRAETOR_ACCESS_LOG_LEVEL", "chatty"}}));
  ASSERT_FALSE(bad_level);
  EXPECT_NE(bad_level.error().message.find("PRAETOR_ACCESS_LOG_LEVEL"), std::string::npos);
  auto bad_format = load_settings(env_of({{"PRAETOR_LOG_FORMAT", "xml"}}));
  ASSERT_FALSE(bad_format);
  EXPECT_NE(bad_format.error().message.find("PRAETOR_LOG_FORMAT"), std::string::npos);
}

// Verifies Prefect's two names for serving metrics, off by default, parsed as pydantic
// booleans.
TEST(Settings, MetricsEnabledUnderPrefectsNames) {
  auto d = load_settings(env_of({}));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->metrics_enabled);
  auto a = load_settings(env_of({{"PREFECT_SERVER_METRICS_ENABLED", "true"}}));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->metrics_enabled);
  auto b = load_settings(env_of({{"PREFECT_API_ENABLE_METRICS", "1"}}));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->metrics_enabled);
  auto bad = load_settings(env_of({{"PREFECT_SERVER_METRICS_ENABLED", "maybe"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("PREFECT_SERVER_METRICS_ENABLED"), std::string::npos);
}

// Verifies the deployment-concurrency settings: defaults, Prefect's names (the legacy
// alias too), and the lease duration's 30..3600 range.
TEST(Settings, DeploymentConcurrency) {
  auto defaults = load_settings(env_of({}));
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->deployment_concurrency_slot_wait_seconds, 30);
  EXPECT_EQ(defaults->initial_deployment_lease_seconds, 300);
  auto set = load_settings(env_of({{"PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS", "2.5"},
                                   {"PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION", "60"}}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->deployment_concurrency_slot_wait_seconds, 2.5);
  EXPECT_EQ(set->initial_deployment_lease_seconds, 60);
  auto legacy = load_settings(env_of({{"PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS", "7"}}));
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->deployment_concurrency_slot_wait_seconds, 7);
  auto short_lease = load_settings(env_of({{"PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION", "10"}}));
  ASSERT_FALSE(short_lease);
  EXPECT_NE(short_lease.error().message.find("INITIAL_DEPLOYMENT_LEASE_DURATION"), std::string::npos);
}

// Verifies each database URL form Prefect documents.
TEST(DatabaseUrl, Forms) {
  EXPECT_EQ(parse_database_url("sqlite+aiosqlite:///rel.db")->sqlite_path, "rel.db");
  EXPECT_EQ(parse_database_url("sqlite:////abs/p.db")->sqlite_path, "/abs/p.db");
  EXPECT_EQ(parse_database_url("sqlite+aiosqlite:///:memory:")->sqlite_path, ":memory:");
  EXPECT_EQ(parse_database_url("postgresql+asyncpg://u:p@h:5432/db")->dialect, DatabaseUrl::Dialect::kPostgres);
  EXPECT_FALSE(parse_database_url("mysql://x"));
  EXPECT_FALSE(parse_database_url("nonsense"));
}

// Verifies a PostgreSQL URL is split into percent-decoded parts and redacted for logs.
TEST(DatabaseUrl, PostgresParts) {
  auto u = parse_database_url("postgresql+asyncpg://prefect:p%40ss@db.example:6543/orion?ssl=off");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "prefect");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "db.example");
  EXPECT_EQ(u->port, "6543");
  EXPECT_EQ(u->name, "orion");
  EXPECT_EQ(u->redacted().find("p%40ss"), std::string::npos);
  auto bare = parse_database_url("postgres://localhost/x");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->host, "localhost");
  EXPECT_EQ(bare->port, "");
  EXPECT_EQ(bare->name, "x");
}

// Verifies Prefect's PREFECT_SERVER_DATABASE_{HOST,PORT,USER,NAME,PASSWORD} parts, the
// password template in a URL, and the pool settings.
TEST(Settings, PostgresFromParts) {
  auto s = load_settings(env_of({{"PREFECT_SERVER_DATABASE_HOST", "pg"},
                                 {"PREFECT_SERVER_DATABASE_PORT", "5433"},
                                 {"PREFECT_SERVER_DATABASE_USER", "u"},
                                 {"PREFECT_SERVER_DATABASE_NAME", "n"},
                                 {"PREFECT_SERVER_DATABASE_PASSWORD", "pw"},
                                 {"PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE", "7"},
                                 {"PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW", "3"},
                                 {"PREFECT_SERVER_DATABASE_TIMEOUT", "2.5"},
                                 {"PREFECT_SERVER_DATABASE_MIGRATE_ON_START", "false"}}));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->database.dialect, DatabaseUrl::Dialect::kPostgres);
  EXPECT_EQ(s->database.host, "pg");
  EXPECT_EQ(s->database.port, "5433");
  EXPECT_EQ(s->database.password, "pw");
  EXPECT_EQ(s->database.name, "n");
  EXPECT_EQ(s->database_tuning.pool_size, 7);
  EXPECT_EQ(s->database_tuning.max_overflow, 3);
  EXPECT_DOUBLE_EQ(s->database_tuning.statement_timeout_seconds, 2.5);
  EXPECT_FALSE(s->database_tuning.migrate_on_start);

  auto t = load_settings(env_of({{"PREFECT_SERVER_DATABASE_CONNECTION_URL",
                                  "postgresql+asyncpg://u:${PREFECT_SERVER_DATABASE_PASSWORD}@h/db"},
                                 {"PREFECT_SERVER_DATABASE_PASSWORD", "secret"}}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->database.password, "secret");
}

// Verifies the backup settings: on by default, dumps under PREFECT_HOME/backups, and the
// command, folder and off switch from their PRAETOR_SERVER_DATABASE_BACKUP_* variables.
TEST(Settings, BackupSettings) {
  auto d = load_settings(env_of({{"PREFECT_HOME", "/data"}}));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->database_tuning.backup_enabled);
  EXPECT_EQ(d->database_tuning.backup_command, "");
  EXPECT_EQ(d->database_tuning.backup_dir, "/data/backups");
  EXPECT_FALSE(d->database_tuning.backup_dir_configured);
  auto s = load_settings(env_of({{"PREFECT_HOME", "/data"},
                                 {"PRAETOR_SERVER_DATABASE_BACKUP_ENABLED", "false"},
                                 {"PRAETOR_SERVER_DATABASE_BACKUP_COMMAND", "pg_dump -Fp"},
                                 {"PRAETOR_SERVER_DATABASE_BACKUP_DIR", "/backups"}}));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->database_tuning.backup_enabled);
  EXPECT_EQ(s->database_tuning.backup_command, "pg_dump -Fp");
  EXPECT_EQ(s->database_tuning.backup_dir, "/backups");
  EXPECT_TRUE(s->database_tuning.backup_dir_configured);
}

// Verifies the security settings under Prefect's names and aliases (PREFECT_SERVER_API_*
// first), with Prefect's defaults otherwise; a CSRF flag that is no boolean is refused.
TEST(Settings, SecuritySettings) {
  auto d = load_settings(env_of({}));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->auth_string);
  EXPECT_FALSE(d->csrf_protection_enabled);
  EXPECT_EQ(d->csrf_token_expiration_seconds, 3600);
  EXPECT_EQ(d->cors_allowed_origins, "*");
  EXPECT_EQ(d->cors_allowed_methods, "*");
  EXPECT_EQ(d->cors_allowed_headers, "*");
  auto s = load_settings(env_of({{"PREFECT_SERVER_API_AUTH_STRING", "admin:pass"},
                                 {"PREFECT_SERVER_CSRF_PROTECTION_ENABLED", "false"},
                                 {"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "On"},
                                 {"PREFECT_SERVER_CSRF_TOKEN_EXPIRATION", "PT2M"},
                                 {"PREFECT_SERVER_CORS_ALLOWED_ORIGINS", "http://a,http://b"},
                                 {"PREFECT_SERVER_API_CORS_ALLOWED_METHODS", "GET"},
                                 {"PREFECT_SERVER_CORS_ALLOWED_METHODS", "POST"},
                                 {"PREFECT_SERVER_CORS_ALLOWED_HEADERS", "x-a"}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->auth_string, "admin:pass");
  EXPECT_TRUE(s->csrf_protection_enabled);
  EXPECT_EQ(s->csrf_token_expiration_seconds, 120);
  EXPECT_EQ(s->cors_allowed_origins, "http://a,http://b");
  EXPECT_EQ(s->cors_allowed_methods, "GET");
  EXPECT_EQ(s->cors_allowed_headers, "x-a");
  auto empty = load_settings(env_of({{"PREFECT_SERVER_API_AUTH_STRING", ""}}));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->auth_string, "");  // set, though empty: Prefect still guards every route
  auto bad = load_settings(env_of({{"PREFECT_SERVER_CSRF_PROTECTION_ENABLED", "maybe"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("PREFECT_SERVER_CSRF_PROTECTION_ENABLED"), std::string::npos);
}

// Verifies fail-closed: a security or data-handling setting Praetor does not implement is
// refused by name (its value never echoed), while Prefect's default value is accepted.
TEST(Settings, UnimplementedSettingsRefused) {
  const std::map<std::string, std::string> refused = {
      {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED", "true"},
      {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE", "/etc/ca.pem"},
      {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH", "tenant1"},
      {"PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED", "false"},
      {"PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED", "0"},
      {"PREFECT_SERVER_API_MAX_PARAMETER_SIZE", "1000"},
      {"PREFECT_MESSAGING_BROKER", "prefect_redis.messaging"},
      {"PREFECT_SERVER_DOCKET_URL", "redis://:secret@redis:6379/0"},
  };
  for (const auto& [name, value] : refused) {
    auto s = load_settings(env_of({{name, value}}));
    ASSERT_FALSE(s) << name;
    EXPECT_NE(s.error().message.find(name), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find(value), std::string::npos) << s.error().message;
  }
  auto defaults = load_settings(env_of({{"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED", "false"},
                                        {"PREFECT_SERVER_EVENTS_MESSAGING_BROKER", "prefect.server.utilities.messaging.memory"},
                                        {"PREFECT_SERVER_DOCKET_URL", "memory://"},
                                        {"PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED", "true"},
                                        {"PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED", "True"}}));
  EXPECT_TRUE(defaults) << (defaults ? "" : defaults.error().message);
}

// Verifies a security setting in a settings file Prefect reads and Praetor does not (the
// active profile of profiles.toml, .env, prefect.toml, pyproject.toml) stops start-up,
// naming setting and file, unless the environment sets it; other profiles do not count.
TEST(Settings, SecuritySettingsInFilesRefused) {
  auto files = [](std::map<std::string, std::string> m) -> ReadFile {
    return [m](const std::string& path) -> std::optional<std::string> {
      auto it = m.find(path);
      if (it == m.end()) return std::nullopt;
      return it->second;
    };
  };
  const std::string profiles =
      "active = \"server\"\n\n[profiles.ephemeral]\nPREFECT_API_URL = \"x\"\n\n"
      "[profiles.server]\nPREFECT_SERVER_API_AUTH_STRING = \"admin:pass\"\n\n"
      "[profiles.other]\nPREFECT_SERVER_CSRF_PROTECTION_ENABLED = \"true\"\n";
  auto s = load_settings(env_of({{"PREFECT_HOME", "/h"}}), files({{"/h/profiles.toml", profiles}}));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("PREFECT_SERVER_API_AUTH_STRING"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("/h/profiles.toml"), std::string::npos);
  EXPECT_EQ(s.error().message.find("admin:pass"), std::string::npos);
  // The environment wins over the file, as in Prefect.
  EXPECT_TRUE(load_settings(env_of({{"PREFECT_HOME", "/h"}, {"PREFECT_SERVER_API_AUTH_STRING", "a:b"}}),
                            files({{"/h/profiles.toml", profiles}})));
  // Another active profile: only its table counts.
  auto other = load_settings(env_of({{"PREFECT_HOME", "/h"}, {"PREFECT_PROFILE", "ephemeral"}}),
                             files({{"/h/profiles.toml", profiles}}));
  EXPECT_TRUE(other) << (other ? "" : other.error().message);
  auto moved = load_settings(env_of({{"PREFECT_PROFILES_PATH", "/etc/p.toml"}, {"PREFECT_PROFILE", "other"}}),
                             files({{"/etc/p.toml", profiles}}));
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().message.find("PREFECT_SERVER_CSRF_PROTECTION_ENABLED"), std::string::npos);

  auto dotenv = load_settings(env_of({}), files({{".env", "# c\nexport PREFECT_SERVER_CORS_ALLOWED_ORIGINS=http://a\n"}}));
  ASSERT_FALSE(dotenv);
  EXPECT_NE(dotenv.error().message.find(".env"), std::string::npos);
  auto toml = load_settings(env_of({}), files({{"prefect.toml", "[server.api]\nport = 4300\nauth_string = \"a:b\"\n"}}));
  ASSERT_FALSE(toml);
  EXPECT_NE(toml.error().message.find("server.api.auth_string"), std::string::npos);
  auto tls = load_settings(env_of({}), files({{"prefect.toml", "[server.database.sqlalchemy.connect_args.tls]\nenabled = true\n"}}));
  EXPECT_FALSE(tls);
  auto pyproject = load_settings(env_of({}), files({{"pyproject.toml", "[tool.prefect.server]\napi.csrf_protection_enabled = true\n"}}));
  EXPECT_FALSE(pyproject);
  // Client settings ([api] auth_string is PREFECT_API_AUTH_STRING) and harmless server ones pass.
  auto client = load_settings(env_of({}), files({{"prefect.toml", "[api]\nauth_string = \"a:b\"\n[server.api]\nport = 4300\n"},
                                                {"pyproject.toml", "[tool.other]\nauth_string = 1\n"}}));
  EXPECT_TRUE(client) << (client ? "" : client.error().message);
}

// Verifies the UI settings: defaults, Prefect's PREFECT_SERVER_UI_ names winning over the
// PREFECT_UI_ aliases, the API URL falling back to PREFECT_API_URL, and a bad boolean named.
TEST(Settings, UiSettings) {
  auto d = load_settings(env_of({{"HOME", "/home/u"}}));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->ui.enabled);
  EXPECT_TRUE(d->ui.v2_default);
  EXPECT_FALSE(d->ui.api_url);
  EXPECT_EQ(d->ui.serve_base, "/");
  EXPECT_EQ(d->ui.static_directory, "");

  auto s = load_settings(env_of({{"PREFECT_SERVER_UI_ENABLED", "false"},
                                 {"PREFECT_UI_ENABLED", "true"},
                                 {"PREFECT_SERVER_UI_V2_ENABLED", "off"},
                                 {"PREFECT_UI_SERVE_BASE", "/prefect"},
                                 {"PREFECT_UI_STATIC_DIRECTORY", "/srv/ui"},
                                 {"PREFECT_API_URL", "http://h:1/api"}}));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->ui.enabled);
  EXPECT_FALSE(s->ui.v2_default);
  EXPECT_EQ(s->ui.api_url.value_or(""), "http://h:1/api");
  EXPECT_EQ(s->ui.links_url.value_or(""), "http://h:1");
  EXPECT_FALSE(d->ui.links_url);
  EXPECT_EQ(s->ui.serve_base, "/prefect");
  EXPECT_EQ(s->ui.static_directory, "/srv/ui");

  auto explicit_url = load_settings(env_of({{"PREFECT_UI_API_URL", "http://ui/api"}, {"PREFECT_API_URL", "http://h:1/api"}}));
  ASSERT_TRUE(explicit_url);
  EXPECT_EQ(explicit_url->ui.api_url.value_or(""), "http://ui/api");
  auto links = load_settings(env_of({{"PREFECT_UI_URL", "https://ui.example/prefect"}, {"PREFECT_API_URL", "http://h:1/api"}}));
  ASSERT_TRUE(links);
  EXPECT_EQ(links->ui.links_url.value_or(""), "https://ui.example/prefect");

  auto bad = load_settings(env_of({{"PREFECT_UI_ENABLED", "maybe"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("PREFECT_UI_ENABLED"), std::string::npos);
}

// Verifies the db_vacuum settings read as Prefect 3.9.1 reads them: the enabled set (with
// its legacy booleans, JSON lists and flow_runs implying orphans), the defaults, the bounds
// (retention over an hour, positive batch size and overrides), and pydantic's timedeltas.
TEST(Settings, DbVacuumSettings) {
  auto defaults = load_settings(env_of({}));
  ASSERT_TRUE(defaults);
  const DbVacuumSettings& d = defaults->services.db_vacuum;
  EXPECT_TRUE(d.events);
  EXPECT_FALSE(d.flow_runs);
  EXPECT_FALSE(d.orphans);
  EXPECT_EQ(d.loop_seconds, 3600);
  EXPECT_EQ(d.orphan_cleanup_loop_seconds, 86400);
  EXPECT_EQ(d.retention_period_seconds, 90 * 86400);
  EXPECT_EQ(d.batch_size, 200);
  ASSERT_EQ(d.event_retention_overrides.size(), 1u);
  EXPECT_EQ(d.event_retention_overrides[0].first, "prefect.flow-run.heartbeat");
  EXPECT_EQ(d.event_retention_overrides[0].second, 7 * 86400);
  EXPECT_EQ(d.events_retention_period_seconds, 7 * 86400);

  struct Enabled {
    std::string value;
    bool events, flow_runs, orphans;
  };
  for (const Enabled& e : std::vector<Enabled>{{"events", true, false, false},
                                               {"events, flow_runs", true, true, true},
                                               {"[\"flow_runs\"]", false, true, true},
                                               {"true", true, true, true},
                                               {"1", true, true, true},
                                               {"FALSE", true, false, false},
                                               {"", true, false, false},
                                               {"orphans", false, false, true},
                                               {"[]", false, false, false}}) {
    auto s = load_settings(env_of({{"PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED", e.value}}));
    ASSERT_TRUE(s) << e.value;
    EXPECT_EQ(s->services.db_vacuum.events, e.events) << e.value;
    EXPECT_EQ(s->services.db_vacuum.flow_runs, e.flow_runs) << e.value;
    EXPECT_EQ(s->services.db_vacuum.orphans, e.orphans) << e.value;
  }

  auto set = load_settings(env_of({{"PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS", "0.5"},
                                   {"PREFECT_SERVER_SERVICES_DB_VACUUM_ORPHAN_CLEANUP_LOOP_SECONDS", "60"},
                                   {"PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD", "P2D"},
                                   {"PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE", "7"},
                                   {"PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES",
                                    "{\"a\": 10, \"b\": \"P1D\"}"},
                                   {"PREFECT_EVENTS_RETENTION_PERIOD", "1 day, 01:00:00"}}));
  ASSERT_TRUE(set) << set.error().message;
  const DbVacuumSettings& v = set->services.db_vacuum;
  EXPECT_EQ(v.loop_seconds, 0.5);
  EXPECT_EQ(v.orphan_cleanup_loop_seconds, 60);
  EXPECT_EQ(v.retention_period_seconds, 2 * 86400);
  EXPECT_EQ(v.batch_size, 7);
  ASSERT_EQ(v.event_retention_overrides.size(), 2u);
  EXPECT_EQ(v.event_retention_overrides[0], (std::pair<std::string, double>{"a", 10}));
  EXPECT_EQ(v.event_retention_overrides[1], (std::pair<std::string, double>{"b", 86400}));
  EXPECT_EQ(v.events_retention_period_seconds, 90000);

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED", "Events"},
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED", "yes"},
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD", "3600"},
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE", "0"},
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS", "0"},
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES", "{\"a\": 0}"},
           {"PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES", "[1]"},
           {"PREFECT_SERVER_EVENTS_RETENTION_PERIOD", "a week"}}) {
    auto s = load_settings(env_of({{name, value}}));
    ASSERT_FALSE(s) << name << "=" << value;
    EXPECT_NE(s.error().message.find(name), std::string::npos) << s.error().message;
  }

  EXPECT_EQ(parse_timedelta_seconds("36:00:00"), 36 * 3600);
  EXPECT_EQ(parse_timedelta_seconds("00:30"), 1800);
  EXPECT_EQ(parse_timedelta_seconds("2 days"), 2 * 86400);
  EXPECT_EQ(parse_timedelta_seconds("1d"), 86400);
  EXPECT_EQ(parse_timedelta_seconds("PT2H"), 7200);
  EXPECT_EQ(parse_timedelta_seconds("soon"), std::nullopt);
}

}  // namespace
}  // namespace praetor::config

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

// Verifies a bad value is refused with the variable's name in the message.
TEST(Settings, BadPortNamesVariable) {
  auto s = load_settings(env_of({{"PREFECT_SERVER_API_PORT", "http"}}));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("PREFECT_SERVER_API_PORT"), std::string::npos);
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

}  // namespace
}  // namespace praetor::config

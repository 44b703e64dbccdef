// PostgreSQL-specific behaviour: placeholder translation (always), and against a live
// server when PRAETOR_TEST_POSTGRES_URL names a cluster (`scripts/pg.sh start` prints one);
// without it the live tests skip, saying so.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "store/migrations.h"
#include "store/notifications.h"
#include "store/postgres_connection.h"
#include "store/postgres_database.h"
#include "store/service_lease.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

using core::Ok;
using core::Result;
using core::Status;

// Verifies SQLite placeholders become $N, numbered as SQLite numbers them, and quoted
// text and comments are left alone.
TEST(PostgresPlaceholders, TranslatesAsSqliteNumbers) {
  auto t = translate_placeholders("SELECT ?1, ?, ?2, '?', \"a?\", ? -- ?\n");
  EXPECT_EQ(t.sql, "SELECT $1, $2, $2, '?', \"a?\", $3 -- ?\n");
  EXPECT_EQ(t.params, 3);
  auto anon = translate_placeholders("a = ? AND b = ? AND c = 'it''s ?' AND d = ?");
  EXPECT_EQ(anon.sql, "a = $1 AND b = $2 AND c = 'it''s ?' AND d = $3");
  EXPECT_EQ(anon.params, 3);
  auto gap = translate_placeholders("DELETE FROM t WHERE name = ?2");
  ASSERT_EQ(gap.referenced.size(), 2u);
  EXPECT_FALSE(gap.referenced[0]);
  EXPECT_TRUE(gap.referenced[1]);
}

class LivePostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("PRAETOR_TEST_POSTGRES_URL");
    if (!url || !*url) GTEST_SKIP() << "PRAETOR_TEST_POSTGRES_URL is not set (scripts/pg.sh start prints a URL)";
    scratch_ = std::make_unique<testing::ScratchPostgresDatabase>(url);
  }
  const config::DatabaseUrl& url() { return scratch_->url(); }
  PostgresConnection connect() { return PostgresConnection(postgres_conninfo(url(), 5), 0); }
  int64_t scalar(const std::string& sql) {
    auto c = connect();
    auto& st = c.prepare(sql);
    st.step();
    return st.column_int(0);
  }
  std::unique_ptr<testing::ScratchPostgresDatabase> scratch_;
};

// Verifies replicas opening one empty database at once migrate it exactly once (the
// advisory lock): every open succeeds at the newest version and each version is recorded once.
TEST_F(LivePostgres, ConcurrentOpensMigrateOnce) {
  const int newest = embedded_migrations(Dialect::kPostgres).back().version;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto db = open_database(url());
      if (db && (*db)->schema_version() == newest) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM praetor_schema_version"), newest);
  EXPECT_EQ(scalar("SELECT count(DISTINCT version) FROM praetor_schema_version"), newest);
}

// Verifies a schema newer than the binary is refused with both versions named, and a
// schema that is behind is refused when migrate_on_start is off.
TEST_F(LivePostgres, RefusesNewerAndBehindSchemas) {
  {
    config::DatabaseTuning no_migrate;
    no_migrate.migrate_on_start = false;
    auto behind = open_database(url(), no_migrate);
    ASSERT_FALSE(behind);
    EXPECT_NE(behind.error().message.find("praetor server database upgrade"), std::string::npos);
  }
  ASSERT_TRUE(open_database(url()));
  connect().exec("INSERT INTO praetor_schema_version(version, name) VALUES (999, '0999_future')");
  auto newer = open_database(url());
  ASSERT_FALSE(newer);
  const std::string known = std::to_string(embedded_migrations(Dialect::kPostgres).back().version);
  EXPECT_NE(newer.error().message.find("version 999"), std::string::npos) << newer.error().message;
  EXPECT_NE(newer.error().message.find("version " + known), std::string::npos) << newer.error().message;
}

// Verifies pooled connections killed by the server are replaced: the next read succeeds.
TEST_F(LivePostgres, LostConnectionsAreReplaced) {
  auto db = open_database(url());
  ASSERT_TRUE(db);
  auto one = [&] {
    return (*db)->read<int64_t>([](Connection& c) -> Result<int64_t> {
      auto& st = c.prepare("SELECT 1");
      st.step();
      return st.column_int(0);
    });
  };
  ASSERT_TRUE(one());
  connect().exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND pid <> pg_backend_pid()");
  auto again = one();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 1);
}

// Verifies an exhausted pool answers kUnavailable (503) after the pool timeout instead of
// blocking for ever.
TEST_F(LivePostgres, ExhaustedPoolIsUnavailable) {
  config::DatabaseTuning tuning;
  tuning.pool_size = 1;
  tuning.max_overflow = 0;
  tuning.pool_timeout_seconds = 0.2;
  auto db = open_database(url(), tuning);
  ASSERT_TRUE(db);
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    (void)(*db)->write<Ok>([&](Connection&) -> Status {
      holding = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      return Ok{};
    });
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = (*db)->read<Ok>([](Connection&) -> Status { return Ok{}; });
  holder.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kUnavailable);
}

// Verifies flow_runs::lock_for_update-style row locks serialise two writers on one row:
// the second read-modify-write waits for the first, so no increment is lost.
TEST_F(LivePostgres, RowLockSerialisesReadModifyWrite) {
  auto db = open_database(url());
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->write<Ok>([](Connection& c) -> Status {
    c.exec("CREATE TABLE counter(id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
    c.exec("INSERT INTO counter VALUES ('a', 0)");
    return Ok{};
  }));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        auto r = (*db)->write<Ok>([](Connection& c) -> Status {
          c.prepare("SELECT id FROM counter WHERE id = ?1 FOR UPDATE").bind(1, "a").run();
          auto& st = c.prepare("SELECT n FROM counter WHERE id = ?1");
          st.bind(1, "a");
          st.step();
          int64_t n = st.column_int(0);
          st.reset();
          c.prepare("UPDATE counter SET n = ?1 WHERE id = ?2").bind(1, n + 1).bind(2, "a").run();
          return Ok{};
        });
        ASSERT_TRUE(r) << r.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(scalar("SELECT n FROM counter"), 40);
}

// Verifies a service lease is held by one process at a time: a second provider (another
// replica) is refused while the first holds it, a different service is independent, and
// the lease passes over once its holder lets go (as when the holder's process dies).
TEST_F(LivePostgres, ServiceLeaseIsExclusiveAndHandsOver) {
  auto first = make_lease_provider(url(), {});
  auto second = make_lease_provider(url(), {});
  auto a = first->lease("scheduler");
  auto b = second->lease("scheduler");
  auto other = second->lease("foreman");
  EXPECT_TRUE(a->acquire());
  EXPECT_TRUE(a->acquire());  // still held: the session answers
  EXPECT_FALSE(b->acquire());
  EXPECT_TRUE(other->acquire());
  a->release();
  EXPECT_TRUE(b->acquire());
  EXPECT_FALSE(a->acquire());
}

// Verifies SQLite leases are always held (one process per database file).
TEST(ServiceLease, SqliteLeasesAreAlwaysHeld) {
  config::DatabaseUrl sqlite;
  sqlite.dialect = config::DatabaseUrl::Dialect::kSqlite;
  auto provider = make_lease_provider(sqlite, {});
  auto a = provider->lease("scheduler");
  auto b = provider->lease("scheduler");
  EXPECT_TRUE(a->acquire());
  EXPECT_TRUE(b->acquire());
  EXPECT_EQ(service_lease_key("scheduler"), service_lease_key("scheduler"));
  EXPECT_NE(service_lease_key("scheduler"), service_lease_key("foreman"));
}

// Verifies notify() reaches a listener only when the writing transaction commits, and not
// at all when it rolls back.
TEST_F(LivePostgres, NotificationsArriveAtCommitOnly) {
  auto listener = make_notification_listener(url(), {}, "praetor_test");
  ASSERT_TRUE(listener);
  EXPECT_TRUE(listener->wait(10).empty());  // connects and listens
  auto c = connect();
  c.exec("BEGIN");
  notify(c, "praetor_test", "rolled back");
  c.exec("ROLLBACK");
  c.exec("BEGIN");
  notify(c, "praetor_test", "committed");
  EXPECT_TRUE(listener->wait(100).empty());  // not before COMMIT
  c.exec("COMMIT");
  std::vector<std::string> got;
  for (int i = 0; i < 50 && got.empty(); ++i) got = listener->wait(100);
  EXPECT_EQ(got, std::vector<std::string>{"committed"});
}

}  // namespace
}  // namespace praetor::store

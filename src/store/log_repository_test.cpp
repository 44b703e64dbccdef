#include "store/log_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

namespace json = boost::json;

logs::Log make_log(int64_t level, int second, std::optional<std::string> flow_run_id) {
  logs::Log l;
  l.id = core::new_uuid7();
  l.created = l.updated = core::from_micros(0);
  l.name = "prefect.test";
  l.level = level;
  l.message = "message " + std::to_string(second);
  l.timestamp = core::from_micros(int64_t{second} * 1000000);
  l.flow_run_id = std::move(flow_run_id);
  return l;
}

// Verifies a batch is written in one write and read back through a compiled LogFilter,
// in timestamp order, with limit and offset.
TEST(LogRepository, InsertManyThenFilter) {
  testing::TempDatabase t;
  std::string run = core::new_uuid4();
  std::vector<logs::Log> batch = {make_log(20, 3, run), make_log(40, 1, run), make_log(10, 2, std::nullopt)};
  auto written = t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    logs::insert_many(c, batch);
    return core::Ok{};
  });
  ASSERT_TRUE(written);

  json::object body = json::parse(R"({"logs":{"flow_run_id":{"any_":[")" + run + R"("]}}})").as_object();
  auto where = compile_filter_body(body, FilterRoot::kLog);
  ASSERT_TRUE(where);
  auto order = compile_sort(nullptr, FilterRoot::kLog);
  auto got = t.db().read<std::vector<logs::Log>>([&](Connection& c) -> core::Result<std::vector<logs::Log>> {
    return logs::list(c, *where, *order, 10, 0);
  });
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].message, "message 1");
  EXPECT_EQ((*got)[1].message, "message 3");
  EXPECT_EQ((*got)[1].flow_run_id, run);
  EXPECT_EQ((*got)[1].level, 20);

  auto all = t.db().read<std::vector<logs::Log>>([&](Connection& c) -> core::Result<std::vector<logs::Log>> {
    return logs::list(c, SqlCondition{}, *order, 1, 1);
  });
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].message, "message 2");
  EXPECT_FALSE((*all)[0].flow_run_id);
}

}  // namespace
}  // namespace praetor::store

#include "store/flow_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

core::Flow make_flow(const std::string& name) {
  core::Flow f;
  f.id = core::new_uuid4();
  f.created = f.updated = core::SystemClock().now();
  f.name = name;
  f.tags = {"a", "b"};
  return f;
}

// Verifies POST /flows/ semantics: the second create by name returns the first flow.
TEST(FlowRepository, GetOrCreateByName) {
  testing::TempDatabase t;
  auto first = t.db().write<flows::CreateResult>([](Connection& c) -> core::Result<flows::CreateResult> {
    return flows::get_or_create(c, make_flow("etl"));
  });
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->created);
  auto second = t.db().write<flows::CreateResult>([](Connection& c) -> core::Result<flows::CreateResult> {
    return flows::get_or_create(c, make_flow("etl"));
  });
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->flow.id, first->flow.id);
  EXPECT_EQ(second->flow.tags, (std::vector<std::string>{"a", "b"}));
}

// Verifies update and delete report missing rows.
TEST(FlowRepository, UpdateAndDelete) {
  testing::TempDatabase t;
  auto f = make_flow("x");
  ASSERT_TRUE(t.db().write<bool>([&](Connection& c) -> core::Result<bool> {
    flows::get_or_create(c, f);
    return flows::update(c, f.id, std::vector<std::string>{"z"}, std::nullopt, core::SystemClock().now());
  }).value());
  auto read = t.db().read<std::optional<core::Flow>>(
      [&](Connection& c) -> core::Result<std::optional<core::Flow>> { return flows::read(c, f.id); });
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->tags, std::vector<std::string>{"z"});
  EXPECT_TRUE(*t.db().write<bool>([&](Connection& c) -> core::Result<bool> { return flows::remove(c, f.id); }));
  EXPECT_FALSE(*t.db().write<bool>([&](Connection& c) -> core::Result<bool> { return flows::remove(c, f.id); }));
}

}  // namespace
}  // namespace praetor::store

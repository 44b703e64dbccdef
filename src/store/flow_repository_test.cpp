#include "store/flow_repository.h"

#include <gtest/gtest.h>

#include "core/flow.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

namespace json = boost::json;

json::object make_flow(const std::string& name) {
  auto f = core::new_flow(name, core::SystemClock().now());
  f["tags"] = json::array{"a", "b"};
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
  EXPECT_EQ(second->flow.at("id"), first->flow.at("id"));
  EXPECT_EQ(second->flow.at("tags"), (json::array{"a", "b"}));
}

// Verifies remove_many deletes in one go and answers only the ids that existed, in order.
TEST(FlowRepository, RemoveManyAnswersTheIdsThatExisted) {
  testing::TempDatabase t;
  auto a = make_flow("a"), b = make_flow("b");
  std::string id_a(a.at("id").as_string()), id_b(b.at("id").as_string());
  auto removed = t.db().write<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    flows::get_or_create(c, a);
    flows::get_or_create(c, b);
    return flows::remove_many(c, {id_b, core::new_uuid4(), id_a});
  });
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, (std::vector<std::string>{id_b, id_a}));
  auto left = t.db().read<bool>([&](Connection& c) -> core::Result<bool> {
    return flows::read(c, id_a).has_value() || flows::read(c, id_b).has_value();
  });
  EXPECT_FALSE(*left);
}

}  // namespace
}  // namespace praetor::store

#include "store/automation_repository.h"

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

namespace json = boost::json;

core::Timestamp at(int64_t seconds) { return core::from_micros(seconds * 1000000); }

json::object make_automation(const std::string& name, bool enabled, int64_t created_s,
                             const std::string& selected_deployment = {}) {
  json::array actions;
  if (selected_deployment.empty()) {
    actions.push_back(json::object{{"type", "do-nothing"}});
  } else {
    actions.push_back(json::object{{"type", "run-deployment"},
                                   {"source", "selected"},
                                   {"deployment_id", selected_deployment}});
  }
  std::string ts = core::format_timestamp(at(created_s));
  return json::object{{"id", core::new_uuid4()},
                      {"created", ts},
                      {"updated", ts},
                      {"name", name},
                      {"description", ""},
                      {"enabled", enabled},
                      {"tags", json::array{}},
                      {"trigger", json::object{{"type", "event"}, {"posture", "Reactive"}}},
                      {"actions", actions},
                      {"actions_on_trigger", json::array{}},
                      {"actions_on_resolve", json::array{}}};
}

// Verifies the engine's reads (list_enabled, find), set_enabled, and that the related
// resources follow the owner and the selected deployments: related_to finds both kinds,
// remove_owned_by deletes only owned automations created before its cut-off.
TEST(AutomationRepository, EnabledOwnedAndRelated) {
  testing::TempDatabase t;
  auto owned = make_automation("owned", true, 10);
  auto selecting = make_automation("selecting", true, 20, "6d0f0f58-6b7b-4b7c-9f3c-6d5f5a1a2b3c");
  auto disabled = make_automation("disabled", false, 30);
  ASSERT_TRUE(t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    automations::insert(c, owned, std::string("prefect.deployment.owner"), at(10));
    automations::insert(c, selecting, std::nullopt, at(20));
    automations::insert(c, disabled, std::nullopt, at(30));
    return core::Ok{};
  }));

  auto enabled = t.db().read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return automations::list_enabled(c);
  });
  ASSERT_TRUE(enabled);
  ASSERT_EQ(enabled->size(), 2u);
  EXPECT_EQ(enabled->at(0).at("name"), "owned");
  EXPECT_EQ(enabled->at(0).at("trigger").at("posture"), "Reactive");
  EXPECT_EQ(enabled->at(1).at("name"), "selecting");

  auto paused = t.db().write<std::optional<json::object>>([&](Connection& c) -> core::Result<std::optional<json::object>> {
    return automations::set_enabled(c, owned.at("id").get_string(), false, at(40));
  });
  ASSERT_TRUE(paused && *paused);
  EXPECT_EQ((*paused)->at("enabled"), false);
  auto missing = t.db().write<std::optional<json::object>>([&](Connection& c) -> core::Result<std::optional<json::object>> {
    return automations::set_enabled(c, core::new_uuid4(), false, at(40));
  });
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);

  auto related = t.db().read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return automations::related_to(c, "prefect.deployment.6d0f0f58-6b7b-4b7c-9f3c-6d5f5a1a2b3c");
  });
  ASSERT_TRUE(related);
  ASSERT_EQ(related->size(), 1u);
  EXPECT_EQ(related->at(0).at("name"), "selecting");

  using Removed = std::vector<json::object>;
  auto too_early = t.db().write<Removed>([&](Connection& c) -> core::Result<Removed> {
    return automations::remove_owned_by(c, "prefect.deployment.owner", at(5));
  });
  ASSERT_TRUE(too_early);
  EXPECT_TRUE(too_early->empty());
  auto removed = t.db().write<Removed>([&](Connection& c) -> core::Result<Removed> {
    return automations::remove_owned_by(c, "prefect.deployment.owner", at(50));
  });
  ASSERT_TRUE(removed);
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->at(0).at("name"), "owned");
  auto gone = t.db().read<std::optional<json::object>>([&](Connection& c) -> core::Result<std::optional<json::object>> {
    return automations::find(c, owned.at("id").get_string());
  });
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

}  // namespace
}  // namespace praetor::store

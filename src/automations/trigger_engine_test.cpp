#include "automations/trigger_engine.h"

#include <gtest/gtest.h>

#include "automations/glob.h"
#include "core/uuid.h"

namespace praetor::automations {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

const core::Timestamp kT0 = core::from_micros(1'800'000'000'000'000);

events::Event make_event(std::string name, std::string resource_id, core::Timestamp occurred,
                         json::array related = {}) {
  events::Event e;
  e.id = core::new_uuid7();
  e.event = std::move(name);
  e.resource = {{"prefect.resource.id", resource_id}};
  e.related = std::move(related);
  e.occurred = occurred;
  e.received = occurred;
  return e;
}

std::shared_ptr<TriggerIndex> index_of(const std::string& trigger_json) {
  json::object doc{{"id", "a1"}, {"name", "auto"}, {"trigger", json::parse(trigger_json)}, {"actions", json::array{}}};
  auto a = parse_automation(doc);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
  std::vector<Automation> all;
  all.push_back(std::move(*a));
  return std::make_shared<TriggerIndex>(std::move(all));
}

struct Fixture {
  core::Timestamp now = kT0;
  TriggerEngine engine{[this] { return now; }};
};

// Verifies fnmatch semantics and Prefect's `!` negation for labels.
TEST(Glob, MatchesLikeFnmatchcase) {
  EXPECT_TRUE(glob_match("prefect.flow-run.*", "prefect.flow-run.Failed"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("prefect.flow-run.*", "prefect.task-run.Failed"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
  std::string_view v = "prefect.flow.x";
  EXPECT_FALSE(label_matches("!prefect.flow.*", &v));
  EXPECT_TRUE(label_matches("!prefect.deployment.*", &v));
  EXPECT_FALSE(label_matches("!anything", nullptr));
}

// Verifies match (lists of patterns) and match_related (role + id) gate which events count.
TEST(TriggerEngine, MatchAndMatchRelated) {
  Fixture f;
  f.engine.set_index(index_of(R"({"type":"event","posture":"Reactive","expect":["x.happened"],
    "match":{"prefect.resource.id":["r.1","r.2*"]},
    "match_related":{"prefect.resource.role":"flow","prefect.resource.id":"flow.f1"}})"));
  json::array flow_f1{json::object{{"prefect.resource.id", "flow.f1"}, {"prefect.resource.role", "flow"}}};
  json::array flow_f2{json::object{{"prefect.resource.id", "flow.f2"}, {"prefect.resource.role", "flow"}}};
  EXPECT_TRUE(f.engine.on_event(make_event("x.happened", "r.3", kT0, flow_f1)).empty());
  EXPECT_TRUE(f.engine.on_event(make_event("x.happened", "r.1", kT0, flow_f2)).empty());
  EXPECT_TRUE(f.engine.on_event(make_event("y.happened", "r.1", kT0, flow_f1)).empty());
  EXPECT_EQ(f.engine.on_event(make_event("x.happened", "r.22", kT0, flow_f1)).size(), 1u);
}

// Verifies the per-resource-id lookup of candidate triggers: a trigger naming an exact id
// (its own resource or a related one) sees only events carrying that id, one with patterns
// sees all, and firings come in the automations' order whichever way they were found.
TEST(TriggerEngine, TriggersFoundByExactResourceIdFireInIndexOrder) {
  Fixture f;
  std::vector<Automation> all;
  auto add = [&](const std::string& id, const std::string& trigger) {
    json::object doc{{"id", id}, {"name", id}, {"trigger", json::parse(trigger)}, {"actions", json::array{}}};
    auto a = parse_automation(doc);
    ASSERT_TRUE(a.ok());
    all.push_back(std::move(*a));
  };
  add("a-wild", R"({"type":"event","posture":"Reactive","expect":["x"],"match":{"prefect.resource.id":"r.*"}})");
  add("b-own", R"({"type":"event","posture":"Reactive","expect":["x"],"match":{"prefect.resource.id":"r.1"}})");
  add("c-related", R"({"type":"event","posture":"Reactive","expect":["x"],
    "match_related":{"prefect.resource.role":"flow","prefect.resource.id":"flow.f1"}})");
  add("d-other", R"({"type":"event","posture":"Reactive","expect":["x"],"match":{"prefect.resource.id":"r.2"}})");
  f.engine.set_index(std::make_shared<TriggerIndex>(std::move(all)));
  json::array flow_f1{json::object{{"prefect.resource.id", "flow.f1"}, {"prefect.resource.role", "flow"}}};
  auto ids = [](const std::vector<Firing>& firings) {
    std::vector<std::string> out;
    for (const auto& firing : firings) out.push_back(firing.automation_id);
    return out;
  };
  EXPECT_EQ(ids(f.engine.on_event(make_event("x", "r.1", kT0, flow_f1))),
            (std::vector<std::string>{"a-wild", "b-own", "c-related"}));
  EXPECT_EQ(ids(f.engine.on_event(make_event("x", "r.2", kT0))), (std::vector<std::string>{"a-wild", "d-other"}));
  EXPECT_TRUE(f.engine.on_event(make_event("y", "r.1", kT0, flow_f1)).empty());
}

// Verifies a reactive threshold of 3 within 60 s fires on the third event, not before, and
// not again within the same period.
TEST(TriggerEngine, ReactiveThresholdFiresOnThirdEvent) {
  Fixture f;
  f.engine.set_index(index_of(R"({"type":"event","posture":"Reactive","expect":["e.*"],"threshold":3,"within":60})"));
  EXPECT_TRUE(f.engine.on_event(make_event("e.a", "r", kT0)).empty());
  EXPECT_TRUE(f.engine.on_event(make_event("e.a", "r", kT0 + seconds(1))).empty());
  auto fired = f.engine.on_event(make_event("e.a", "r", kT0 + seconds(2)));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_TRUE(fired[0].triggering_event != nullptr);
  for (int i = 3; i < 8; ++i) EXPECT_TRUE(f.engine.on_event(make_event("e.a", "r", kT0 + seconds(i))).empty());
}

// Verifies for_each keeps one bucket per label value.
TEST(TriggerEngine, ForEachCountsPerResource) {
  Fixture f;
  f.engine.set_index(index_of(
      R"({"type":"event","posture":"Reactive","expect":["e"],"threshold":2,"within":60,"for_each":["prefect.resource.id"]})"));
  EXPECT_TRUE(f.engine.on_event(make_event("e", "r1", kT0)).empty());
  EXPECT_TRUE(f.engine.on_event(make_event("e", "r2", kT0)).empty());
  auto fired = f.engine.on_event(make_event("e", "r1", kT0 + seconds(1)));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].triggering_labels.at("prefect.resource.id").as_string(), "r1");
}

// Verifies a proactive trigger fires once its window closes without the expected event,
// and does not fire when the event came.
TEST(TriggerEngine, ProactiveFiresWhenExpectedEventIsMissing) {
  Fixture f;
  f.engine.set_index(index_of(R"({"type":"event","posture":"Proactive","expect":["e"],"threshold":1,"within":10})"));
  EXPECT_TRUE(f.engine.on_tick(kT0).empty());
  EXPECT_TRUE(f.engine.on_tick(kT0 + seconds(5)).empty());
  EXPECT_EQ(f.engine.on_tick(kT0 + seconds(10)).size(), 1u);
  // Next window [10, 20): the event arrives, so nothing fires at 20.
  EXPECT_TRUE(f.engine.on_event(make_event("e", "r", kT0 + seconds(12))).empty());
  EXPECT_TRUE(f.engine.on_tick(kT0 + seconds(20)).empty());
}

// Verifies a compound trigger with require=all fires once both children fired, once.
TEST(TriggerEngine, CompoundAllFiresAfterBothChildren) {
  Fixture f;
  f.engine.set_index(index_of(R"({"type":"compound","id":"c","require":"all","within":60,"triggers":[
    {"type":"event","id":"t1","posture":"Reactive","expect":["a"]},
    {"type":"event","id":"t2","posture":"Reactive","expect":["b"]}]})"));
  EXPECT_TRUE(f.engine.on_event(make_event("a", "r", kT0)).empty());
  f.now += seconds(1);
  auto fired = f.engine.on_event(make_event("b", "r", kT0 + seconds(1)));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].trigger_id, "c");
  EXPECT_EQ(fired[0].triggering_firings.size(), 2u);
  f.now += seconds(1);
  EXPECT_TRUE(f.engine.on_event(make_event("b", "r", kT0 + seconds(2))).empty());
}

// Verifies a sequence fires only when its children fire in order.
TEST(TriggerEngine, SequenceRequiresOrder) {
  Fixture f;
  f.engine.set_index(index_of(R"({"type":"sequence","id":"s","within":60,"triggers":[
    {"type":"event","id":"t1","posture":"Reactive","expect":["a"]},
    {"type":"event","id":"t2","posture":"Reactive","expect":["b"]}]})"));
  EXPECT_TRUE(f.engine.on_event(make_event("b", "r", kT0)).empty());
  EXPECT_TRUE(f.engine.on_event(make_event("a", "r", kT0 + seconds(1))).empty());
  EXPECT_EQ(f.engine.on_event(make_event("b", "r", kT0 + seconds(2))).size(), 1u);
}

// Verifies Prefect's 422 rule for a proactive window under 10 s and the 10 s default.
TEST(TriggerParse, ProactiveWithinMinimum) {
  EXPECT_FALSE(parse_trigger(json::parse(R"({"type":"event","posture":"Proactive","within":5})")).ok());
  auto t = parse_trigger(json::parse(R"({"type":"event","posture":"Proactive"})"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->within, seconds(10));
  auto iso = parse_trigger(json::parse(R"({"type":"event","posture":"Reactive","within":"PT1M"})"));
  ASSERT_TRUE(iso.ok());
  EXPECT_EQ(iso->within, seconds(60));
}

}  // namespace
}  // namespace praetor::automations

#include "automations/trigger_service.h"

#include <gtest/gtest.h>

#include "automations/engine_store.h"
#include "core/uuid.h"
#include "events/event_persister.h"
#include "store/test_database.h"

namespace praetor::automations {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

struct Calls {
  std::vector<std::string> requests;
};

// A source with a fixed set of automations, and an API that records what it is asked.
std::unique_ptr<TriggerService> make_service(store::Database& db, const core::Clock& clock, Calls& calls,
                                             const json::object& automation, events::EventBus* bus = nullptr) {
  AutomationSource source;
  source.snapshot = [](store::Connection&) { return std::string("1"); };
  source.enabled = [automation](store::Connection&) { return std::vector<json::object>{automation}; };
  ApiDispatch api = [&calls](const std::string& method, const std::string& path, const std::string&) {
    calls.requests.push_back(method + " " + path);
    return ApiReply{200, "{}"};
  };
  return std::make_unique<TriggerService>(db, clock, bus, std::move(source), ActionPorts{std::move(api), {}});
}

events::Event make_event(const std::string& name, const std::string& resource, core::Timestamp at) {
  events::Event e;
  e.id = core::new_uuid7();
  e.event = name;
  e.resource = {{"prefect.resource.id", resource}};
  e.occurred = at;
  e.received = at;
  return e;
}

void store_event(store::Database& db, const events::Event& e) {
  auto st = db.write<core::Ok>([&](store::Connection& c) -> core::Result<core::Ok> {
    events::write_events(c, {e});
    return core::Ok{};
  });
  ASSERT_TRUE(st.ok());
}

void store_event(store::Database& db, const std::string& name, const std::string& resource, core::Timestamp at) {
  store_event(db, make_event(name, resource, at));
}

int64_t count_events(store::Database& db, const std::string& name) {
  auto n = db.read<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
    auto& st = c.prepare("SELECT COUNT(*) FROM event WHERE event = ?1");
    st.bind(1, name);
    st.step();
    int64_t n = st.column_int(0);
    st.reset();
    return n;
  });
  return n.ok() ? *n : -1;
}

// Verifies a restart (a new service on the reopened database) in the middle of a threshold
// window keeps the two events counted before it, fires on the third, and a further restart
// neither fires nor runs the action again.
TEST(TriggerService, RestartNeitherLosesNorRepeatsAFiring) {
  store::testing::TempDatabase t;
  core::ManualClock clock(core::from_micros(1'800'000'000'000'000));
  const std::string deployment = core::new_uuid4();
  json::object automation{
      {"id", core::new_uuid4()},
      {"name", "pause on three"},
      {"enabled", true},
      {"trigger", json::parse(R"({"type":"event","id":"t","posture":"Reactive","expect":["tick"],
                                  "match":{"prefect.resource.id":"r"},"threshold":3,"within":60})")},
      {"actions", json::array{json::object{{"type", "pause-deployment"}, {"source", "selected"},
                                           {"deployment_id", deployment}}}}};
  Calls calls;
  auto service = make_service(t.db(), clock, calls, automation);
  service->run_once();  // the first pass starts the cursor at now
  clock.advance(seconds(1));
  store_event(t.db(), "tick", "r", clock.now());
  store_event(t.db(), "tick", "r", clock.now());
  store_event(t.db(), "tock", "r", clock.now());
  service->run_once();
  EXPECT_TRUE(calls.requests.empty());
  service.reset();
  t.reopen();

  service = make_service(t.db(), clock, calls, automation);
  clock.advance(seconds(1));
  store_event(t.db(), "tick", "r", clock.now());
  service->run_once();
  ASSERT_EQ(calls.requests.size(), 1u);
  EXPECT_EQ(calls.requests[0], "POST /api/deployments/" + deployment + "/pause_deployment");
  EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), 1);
  EXPECT_EQ(count_events(t.db(), "prefect.automation.action.executed"), 1);
  service.reset();
  t.reopen();

  service = make_service(t.db(), clock, calls, automation);
  clock.advance(seconds(1));
  service->run_once();
  service->run_once();
  EXPECT_EQ(calls.requests.size(), 1u);
  EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), 1);
}

// Verifies a fired action that was not run before a restart (actions off) stays in the
// outbox and runs once afterwards.
TEST(TriggerService, OutboxRunsAnActionFiredBeforeARestart) {
  store::testing::TempDatabase t;
  core::ManualClock clock(core::from_micros(1'800'000'000'000'000));
  json::object automation{{"id", core::new_uuid4()},
                          {"name", "now"},
                          {"trigger", json::parse(R"({"type":"event","posture":"Reactive","expect":["go"]})")},
                          {"actions", json::array{json::object{{"type", "do-nothing"}}}}};
  Calls calls;
  {
    AutomationSource source;
    source.snapshot = [](store::Connection&) { return std::string("1"); };
    source.enabled = [automation](store::Connection&) { return std::vector<json::object>{automation}; };
    ApiDispatch failing = [](const std::string&, const std::string&, const std::string&) { return ApiReply{500, ""}; };
    TriggerService held(t.db(), clock, nullptr, source, ActionPorts{failing, {}}, /*run_actions=*/false);
    held.run_once();
    clock.advance(seconds(1));
    store_event(t.db(), "go", "x", clock.now());
    held.run_once();
  }
  EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), 1);
  EXPECT_EQ(count_events(t.db(), "prefect.automation.action.executed"), 0);
  auto service = make_service(t.db(), clock, calls, automation);
  service->run_once();
  service->run_once();
  EXPECT_EQ(count_events(t.db(), "prefect.automation.action.executed"), 1);
  EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), 1);
}

json::object pause_on_two_ticks(const std::string& deployment) {
  return {{"id", core::new_uuid4()},
          {"name", "pause on two"},
          {"enabled", true},
          {"trigger", json::parse(R"({"type":"event","id":"t","posture":"Reactive","expect":["tick"],
                                      "match":{"prefect.resource.id":"r"},"threshold":2,"within":60})")},
          {"actions", json::array{json::object{{"type", "pause-deployment"}, {"source", "selected"},
                                               {"deployment_id", deployment}}}}};
}

// Verifies the bus feed: an event the bus delivered counts at the next pass although it is
// not stored yet; once stored it is not counted again by the sweep; and an event stored
// without passing the bus is still found by the sweep (here it is the second, firing one).
TEST(TriggerService, CountsBusEventsOnceAndSweepsStoredEventsTheBusMissed) {
  store::testing::TempDatabase t;
  core::ManualClock clock(core::from_micros(1'800'000'000'000'000));
  events::EventBus bus;
  Calls calls;
  auto service = make_service(t.db(), clock, calls, pause_on_two_ticks(core::new_uuid4()), &bus);
  service->run_once();  // starts the cursor at now and catches up (nothing to read)
  service->run_once();  // from here on the feed gives the new events
  clock.advance(seconds(2));
  const auto first = make_event("tick", "r", clock.now());
  bus.publish({first});
  bus.flush();
  service->run_once();
  EXPECT_TRUE(calls.requests.empty());
  store_event(t.db(), first);  // the persister stores it afterwards
  clock.advance(TriggerService::kFeedSweepInterval);  // the next pass sweeps
  service->run_once();
  EXPECT_TRUE(calls.requests.empty()) << "the stored copy of a counted event was counted again";
  clock.advance(seconds(2));
  store_event(t.db(), "tick", "r", clock.now());  // never on this bus (e.g. written by another path)
  clock.advance(TriggerService::kFeedSweepInterval);  // past kFeedGrace: the sweep leaves only the newest to the feed
  service->run_once();
  EXPECT_EQ(calls.requests.size(), 1u);
  EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), 1);
}

// Verifies that an event the bus delivers fires without being stored at all (the
// persister is slow): the pass does not wait for the database.
TEST(TriggerService, FiresOnBusEventsBeforeTheyAreStored) {
  store::testing::TempDatabase t;
  core::ManualClock clock(core::from_micros(1'800'000'000'000'000));
  events::EventBus bus;
  Calls calls;
  auto service = make_service(t.db(), clock, calls, pause_on_two_ticks(core::new_uuid4()), &bus);
  service->run_once();
  service->run_once();
  clock.advance(seconds(1));
  bus.publish({make_event("tick", "r", clock.now()), make_event("tick", "r", clock.now())});
  bus.flush();
  service->run_once();
  EXPECT_EQ(calls.requests.size(), 1u);
  EXPECT_EQ(count_events(t.db(), "tick"), 0);
}

// Verifies trigger loops end: two automations that match every event (with an action each)
// fire on a stored event (2 firings), then on those firings' own events (the 2 triggered and
// 4 action events, 12 firings), and no further: the events of those 12 are two firings in a
// row away from the stored event and are not evaluated. Before, the firings went on forever.
TEST(TriggerService, AutomationsThatMatchEveryEventEndTheirLoop) {
  store::testing::TempDatabase t;
  core::ManualClock clock(core::from_micros(1'800'000'000'000'000));
  auto matches_everything = [](const std::string& name) {
    return json::object{{"id", core::new_uuid4()},
                        {"name", name},
                        {"enabled", true},
                        {"trigger", json::parse(R"({"type":"event","posture":"Reactive","expect":[],"match":{},
                                                    "threshold":1,"within":0})")},
                        {"actions", json::array{json::object{{"type", "do-nothing"}}}}};
  };
  AutomationSource source;
  source.snapshot = [](store::Connection&) { return std::string("1"); };
  source.enabled = [&](store::Connection&) {
    return std::vector<json::object>{matches_everything("a"), matches_everything("b")};
  };
  ApiDispatch api = [](const std::string&, const std::string&, const std::string&) { return ApiReply{200, "{}"}; };
  TriggerService service(t.db(), clock, nullptr, std::move(source), ActionPorts{std::move(api), {}});
  service.run_once();
  clock.advance(seconds(1));
  store_event(t.db(), "anything", "r", clock.now());
  for (int pass = 0; pass < 10; ++pass) {
    clock.advance(seconds(1));
    service.run_once();
  }
  EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), 2 + 12);
  EXPECT_EQ(count_events(t.db(), "prefect.automation.action.executed"), 2 + 12);
}

// Verifies a burst is worked off at kFiringsPerPass firings a run: 250 events that each fire
// once fire 100, 200, then all 250 times over three runs, none twice.
TEST(TriggerService, FiringsPerPassAreBounded) {
  static_assert(TriggerService::kFiringsPerPass == 100);
  store::testing::TempDatabase t;
  core::ManualClock clock(core::from_micros(1'800'000'000'000'000));
  json::object automation{{"id", core::new_uuid4()},
                          {"name", "every go"},
                          {"enabled", true},
                          {"trigger", json::parse(R"({"type":"event","posture":"Reactive","expect":["go"],
                                                      "threshold":1,"within":0})")},
                          {"actions", json::array{}}};
  Calls calls;
  auto service = make_service(t.db(), clock, calls, automation);
  service->run_once();
  clock.advance(seconds(1));
  for (int i = 0; i < 250; ++i) store_event(t.db(), "go", "r" + std::to_string(i), clock.now());
  for (int64_t expected : {100, 200, 250, 250}) {
    clock.advance(std::chrono::milliseconds(100));
    service->run_once();
    EXPECT_EQ(count_events(t.db(), "prefect.automation.triggered"), expected);
  }
}

// Verifies the cursor moves only from the generation a pass read it at: a pass of a replica
// that lost its lease while another replica went on is refused whole (nothing it evaluated
// is written twice).
TEST(EngineStore, CursorMovesOnlyFromTheGenerationItWasReadAt) {
  store::testing::TempDatabase t;
  const auto at = core::from_micros(1'800'000'000'000'000);
  auto advance = [&](int64_t to, std::optional<int64_t> from) {
    auto moved = t.db().write<bool>(
        [&](store::Connection& c) -> core::Result<bool> { return advance_cursor(c, EventCursor{at, to}, from); });
    EXPECT_TRUE(moved.ok());
    return moved.ok() && *moved;
  };
  EXPECT_TRUE(advance(1, std::nullopt));
  EXPECT_FALSE(advance(1, std::nullopt));  // another process started it first
  EXPECT_TRUE(advance(2, 1));
  EXPECT_FALSE(advance(2, 1));  // read at 1, but another pass moved it to 2
  auto cursor = t.db().read<std::optional<EventCursor>>(
      [](store::Connection& c) -> core::Result<std::optional<EventCursor>> { return read_cursor(c); });
  ASSERT_TRUE(cursor.ok() && cursor->has_value());
  EXPECT_EQ((*cursor)->generation, 2);
}

}  // namespace
}  // namespace praetor::automations

#include "events/event_persister.h"

#include <gtest/gtest.h>

#include "events/event_test_util.h"
#include "store/test_database.h"

namespace praetor::events {
namespace {

using testing::make_event;
using testing::related;
using testing::resource;

int64_t count(store::Database& db, const std::string& sql) {
  return *db.read<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
    auto& st = c.prepare(sql);
    st.step();
    int64_t n = st.column_int(0);
    st.reset();
    return n;
  });
}

// Verifies one event row holds the ReceivedEvent document and one resource row exists for
// the primary resource (role '') and each related resource, labels stored without id/role.
TEST(EventPersister, WritesEventAndResourceRows) {
  store::testing::TempDatabase t;
  Event e = make_event("prefect.task-run.Running", resource("prefect.task-run.1", {{"prefect.resource.name", "t"}}),
                       {related("prefect.flow-run.2", "flow-run"), related("prefect.tag.etl", "tag")});
  ASSERT_TRUE(t.db().write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return write_events(c, {e}); }));
  EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event"), 1);
  EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event_resource"), 3);
  EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event_resource WHERE resource_role = '' AND "
                          "resource_id = 'prefect.task-run.1' AND resource = '{\"prefect.resource.name\":\"t\"}'"),
            1);
  EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event_resource WHERE resource_role = 'flow-run' AND "
                          "resource_id = 'prefect.flow-run.2' AND resource = '{}'"),
            1);
  auto doc = t.db().read<std::string>([&](store::Connection& c) -> core::Result<std::string> {
    auto& st = c.prepare("SELECT doc FROM event");
    st.step();
    auto s = st.column_text(0);
    st.reset();
    return s;
  });
  EXPECT_EQ(boost::json::parse(*doc), boost::json::value(to_json(e)));
}

// Verifies a resent event (same id) is ignored, also inside one batch.
TEST(EventPersister, IgnoresDuplicateIds) {
  store::testing::TempDatabase t;
  Event e = make_event("x", resource("r"), {related("a", "tag")});
  auto n = t.db().write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return write_events(c, {e, e}); });
  EXPECT_EQ(*n, 1);
  n = t.db().write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return write_events(c, {e}); });
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event"), 1);
  EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event_resource"), 2);
}

// Verifies the subscriber stores what the bus delivers, and flush waits for it.
TEST(EventPersister, StoresBusBatches) {
  store::testing::TempDatabase t;
  {
    EventPersister persister(t.db());
    EventBus bus;
    bus.subscribe(&persister);
    for (int i = 0; i < 50; ++i) bus.publish({make_event("e", resource("r" + std::to_string(i)))});
    bus.flush();
    persister.flush();
    EXPECT_EQ(count(t.db(), "SELECT count(*) FROM event"), 50);
    bus.publish({make_event("e", resource("late"))});
    bus.unsubscribe(&persister);
    bus.flush();
  }
  // The destructor wrote what was queued.
  EXPECT_GE(count(t.db(), "SELECT count(*) FROM event"), 50);
}

}  // namespace
}  // namespace praetor::events

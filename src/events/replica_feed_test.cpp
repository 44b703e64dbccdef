#include "events/replica_feed.h"

#include <gtest/gtest.h>

namespace praetor::events {
namespace {

// Verifies many ids are split over payloads under PostgreSQL's limit, each naming the
// replica, and parse back to the same ids in order.
TEST(ReplicaFeed, PayloadsSplitAndParseBack) {
  std::vector<std::string> ids;
  for (int i = 0; i < 500; ++i) ids.push_back("018f0000-0000-7000-8000-" + std::to_string(100000000000 + i));
  auto payloads = event_notification_payloads("replica-a", ids);
  ASSERT_GT(payloads.size(), 1u);
  std::vector<std::string> back;
  for (const auto& p : payloads) {
    EXPECT_LT(p.size(), store::kMaxNotificationPayload);
    auto n = parse_event_notification(p);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->replica_id, "replica-a");
    back.insert(back.end(), n->ids.begin(), n->ids.end());
  }
  EXPECT_EQ(back, ids);
  EXPECT_TRUE(event_notification_payloads("replica-a", {}).empty());
  EXPECT_FALSE(parse_event_notification("no-space"));
}

}  // namespace
}  // namespace praetor::events

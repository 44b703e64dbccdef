#include "store/concurrency_repository.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "core/uuid.h"
#include "store/tag_concurrency_repository.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

using namespace std::chrono_literals;
namespace cl = concurrency;

const core::Timestamp kT0 = core::from_micros(1'700'000'000'000'000);

cl::Limit make_limit(const std::string& name, int64_t limit, double decay = 0) {
  cl::Limit l;
  l.id = core::new_uuid4();
  l.created = l.updated = kT0;
  l.name = name;
  l.limit = limit;
  l.slot_decay_per_second = decay;
  return l;
}

template <class T>
T write(testing::TempDatabase& t, const std::function<T(Connection&)>& fn) {
  auto r = t.db().write<T>([&](Connection& c) -> core::Result<T> { return fn(c); });
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

cl::AcquireOutcome acquire(testing::TempDatabase& t, std::vector<std::string> names, int64_t slots,
                           core::Timestamp now, std::optional<double> lease = 300.0) {
  cl::AcquireRequest req;
  req.names = std::move(names);
  req.slots = slots;
  req.lease_seconds = lease;
  return write<cl::AcquireOutcome>(t, [&](Connection& c) { return cl::acquire(c, req, now); });
}

int64_t active_slots(testing::TempDatabase& t, const std::string& name, core::Timestamp now) {
  auto l = t.db().read<std::optional<cl::Limit>>(
      [&](Connection& c) -> core::Result<std::optional<cl::Limit>> { return cl::read(c, name, false, now); });
  return (*l)->decayed_active_slots;
}

// Verifies slots are taken on all named limits or none, missing names are skipped, and a
// full limit answers Locked without taking the other limit's slot.
TEST(ConcurrencyRepository, AcquireIsAllOrNothing) {
  testing::TempDatabase t;
  write<core::Ok>(t, [](Connection& c) {
    cl::create(c, make_limit("a", 2));
    cl::create(c, make_limit("b", 1));
    return core::Ok{};
  });
  auto first = acquire(t, {"a", "b", "missing"}, 1, kT0);
  ASSERT_TRUE(std::holds_alternative<cl::Acquired>(first));
  EXPECT_EQ(std::get<cl::Acquired>(first).limits.size(), 2u);
  EXPECT_TRUE(std::get<cl::Acquired>(first).lease_id);

  auto second = acquire(t, {"a", "b"}, 1, kT0);
  ASSERT_TRUE(std::holds_alternative<cl::Locked>(second));
  EXPECT_GT(std::get<cl::Locked>(second).average_retry_seconds, 0);
  EXPECT_EQ(active_slots(t, "a", kT0), 1);  // "a" had room but nothing was taken

  auto none = acquire(t, {"missing"}, 1, kT0);
  ASSERT_TRUE(std::holds_alternative<cl::Acquired>(none));
  EXPECT_TRUE(std::get<cl::Acquired>(none).limits.empty());

  auto too_many = acquire(t, {"b"}, 2, kT0);
  ASSERT_TRUE(std::holds_alternative<cl::Refused>(too_many));
  EXPECT_EQ(std::get<cl::Refused>(too_many).detail, "Slots requested is greater than the limit");
}

// Verifies releasing a lease frees its slots once, and renewal fails after release.
TEST(ConcurrencyRepository, LeaseReleaseAndRenew) {
  testing::TempDatabase t;
  write<core::Ok>(t, [](Connection& c) {
    cl::create(c, make_limit("a", 1));
    return core::Ok{};
  });
  auto got = acquire(t, {"a"}, 1, kT0);
  std::string lease = *std::get<cl::Acquired>(got).lease_id;
  EXPECT_TRUE(write<bool>(t, [&](Connection& c) { return cl::renew_lease(c, lease, 600, kT0 + 10s); }));
  EXPECT_TRUE(write<bool>(t, [&](Connection& c) { return cl::release_lease(c, lease, kT0 + 20s); }));
  EXPECT_EQ(active_slots(t, "a", kT0 + 20s), 0);
  EXPECT_FALSE(write<bool>(t, [&](Connection& c) { return cl::release_lease(c, lease, kT0 + 20s); }));
  EXPECT_FALSE(write<bool>(t, [&](Connection& c) { return cl::renew_lease(c, lease, 600, kT0 + 20s); }));
}

// Verifies an expired lease's slots are reclaimed before the next acquisition.
TEST(ConcurrencyRepository, ExpiredLeaseIsReclaimed) {
  testing::TempDatabase t;
  write<core::Ok>(t, [](Connection& c) {
    cl::create(c, make_limit("a", 1));
    return core::Ok{};
  });
  ASSERT_TRUE(std::holds_alternative<cl::Acquired>(acquire(t, {"a"}, 1, kT0, 60.0)));
  EXPECT_TRUE(std::holds_alternative<cl::Locked>(acquire(t, {"a"}, 1, kT0 + 59s)));
  EXPECT_TRUE(std::holds_alternative<cl::Acquired>(acquire(t, {"a"}, 1, kT0 + 61s)));
}

// Verifies a rate limit's active slots decay at slot_decay_per_second since `updated`.
TEST(ConcurrencyRepository, ActiveSlotsDecay) {
  testing::TempDatabase t;
  write<core::Ok>(t, [](Connection& c) {
    cl::create(c, make_limit("r", 4, 2.0));
    return core::Ok{};
  });
  ASSERT_TRUE(std::holds_alternative<cl::Acquired>(acquire(t, {"r"}, 4, kT0, std::nullopt)));
  EXPECT_EQ(active_slots(t, "r", kT0), 4);
  EXPECT_EQ(active_slots(t, "r", kT0 + 1s), 2);
  EXPECT_EQ(active_slots(t, "r", kT0 + 1500ms), 1);
  EXPECT_EQ(active_slots(t, "r", kT0 + 10s), 0);
  EXPECT_TRUE(std::holds_alternative<cl::Acquired>(acquire(t, {"r"}, 2, kT0 + 1s, std::nullopt)));
}


// Verifies the single-limit operations the deployment-concurrency policy drives: a taken
// slot with its lease, liveness until expiry, revoke keeping the slot, release freeing it,
// and free_slots never going below zero.
TEST(ConcurrencyRepository, SingleLimitSlotOperations) {
  testing::TempDatabase t;
  cl::Limit limit = make_limit("deployment:d1", 2);
  write<core::Ok>(t, [&](Connection& c) {
    cl::create(c, limit);
    cl::take_slot_with_lease(c, limit.id, "11111111-1111-4111-8111-111111111111", 60,
                             boost::json::object{{"type", "flow_run"}, {"id", "r1"}}, kT0);
    cl::take_slot_with_lease(c, limit.id, "22222222-2222-4222-8222-222222222222", 60, nullptr, kT0);
    return core::Ok{};
  });
  EXPECT_EQ(active_slots(t, "deployment:d1", kT0), 2);
  auto locked = t.db().write<int64_t>([&](Connection& c) -> core::Result<int64_t> {
    return cl::read_for_update(c, limit.id, kT0)->decayed_active_slots;
  });
  EXPECT_EQ(*locked, 2);
  auto live = [&](const std::string& lease, core::Timestamp at) {
    return *t.db().read<bool>([&](Connection& c) -> core::Result<bool> { return cl::lease_is_live(c, lease, at); });
  };
  EXPECT_TRUE(live("11111111-1111-4111-8111-111111111111", kT0 + 59s));
  EXPECT_FALSE(live("11111111-1111-4111-8111-111111111111", kT0 + 60s));
  EXPECT_TRUE(write<bool>(t, [](Connection& c) { return cl::revoke_lease(c, "11111111-1111-4111-8111-111111111111"); }));
  EXPECT_FALSE(live("11111111-1111-4111-8111-111111111111", kT0));
  EXPECT_EQ(active_slots(t, "deployment:d1", kT0), 2);
  EXPECT_TRUE(write<bool>(t, [](Connection& c) {
    return cl::release_lease(c, "22222222-2222-4222-8222-222222222222", kT0 + 1s);
  }));
  EXPECT_EQ(active_slots(t, "deployment:d1", kT0 + 1s), 1);
  write<core::Ok>(t, [&](Connection& c) {
    cl::free_slots(c, {limit.id}, 1, kT0 + 2s);
    cl::free_slots(c, {limit.id}, 1, kT0 + 2s);
    return core::Ok{};
  });
  EXPECT_EQ(active_slots(t, "deployment:d1", kT0 + 2s), 0);
}

// Verifies the repossessor's operations: expired leases are listed from their expiration
// on (oldest first); reclaiming one frees its slots with its age as the occupancy sample and
// deletes it; a lease renewed or already gone is left alone.
TEST(ConcurrencyRepository, ExpiredLeasesAreReclaimedOneByOne) {
  testing::TempDatabase t;
  cl::Limit limit = make_limit("deployment:d2", 2);
  const std::string first = "11111111-1111-4111-8111-111111111111";
  const std::string second = "22222222-2222-4222-8222-222222222222";
  write<core::Ok>(t, [&](Connection& c) {
    cl::create(c, limit);
    cl::take_slot_with_lease(c, limit.id, second, 90, nullptr, kT0);
    cl::take_slot_with_lease(c, limit.id, first, 60, nullptr, kT0);
    return core::Ok{};
  });
  auto expired = [&](core::Timestamp at) {
    return *t.db().read<std::vector<std::string>>(
        [&](Connection& c) -> core::Result<std::vector<std::string>> { return cl::expired_lease_ids(c, at); });
  };
  EXPECT_TRUE(expired(kT0 + 59s).empty());
  EXPECT_EQ(expired(kT0 + 60s), std::vector<std::string>{first});
  EXPECT_EQ(expired(kT0 + 100s), (std::vector<std::string>{first, second}));
  EXPECT_EQ(*t.db().read<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
    return cl::expired_lease_ids(c, kT0 + 100s, 1);
  }), std::vector<std::string>{first});

  // Listed at +100 s, but renewed before its reclaim: kept, with its slot.
  EXPECT_TRUE(write<bool>(t, [&](Connection& c) { return cl::renew_lease(c, second, 600, kT0 + 80s); }));
  EXPECT_FALSE(write<bool>(t, [&](Connection& c) { return cl::reclaim_expired_lease(c, second, kT0 + 100s); }));
  EXPECT_TRUE(write<bool>(t, [&](Connection& c) { return cl::reclaim_expired_lease(c, first, kT0 + 100s); }));
  EXPECT_FALSE(write<bool>(t, [&](Connection& c) { return cl::reclaim_expired_lease(c, first, kT0 + 100s); }));
  EXPECT_FALSE(write<bool>(t, [&](Connection& c) {
    return cl::reclaim_expired_lease(c, "33333333-3333-4333-8333-333333333333", kT0 + 100s);
  }));
  auto after = *t.db().read<std::optional<cl::Limit>>(
      [&](Connection& c) -> core::Result<std::optional<cl::Limit>> { return cl::read_stored(c, limit.id); });
  ASSERT_TRUE(after);
  EXPECT_EQ(after->active_slots, 1);
  // 2.0 + 100 / (2 * 2) - 2.0 / (2 * 2): one 100-second occupancy sample.
  EXPECT_DOUBLE_EQ(after->avg_slot_occupancy_seconds, 26.5);
  EXPECT_TRUE(expired(kT0 + 100s).empty());
  EXPECT_EQ(write<int>(t, [&](Connection& c) { return cl::reclaim_expired_leases(c, kT0 + 700s); }), 1);
  EXPECT_EQ(active_slots(t, "deployment:d2", kT0 + 700s), 0);
}

// Verifies read_stored answers a decaying limit's active slots as stored, undecayed.
TEST(ConcurrencyRepository, ReadStoredDoesNotDecay) {
  testing::TempDatabase t;
  cl::Limit limit = make_limit("r", 4, 2.0);
  write<core::Ok>(t, [&](Connection& c) {
    cl::create(c, limit);
    return core::Ok{};
  });
  ASSERT_TRUE(std::holds_alternative<cl::Acquired>(acquire(t, {"r"}, 4, kT0, std::nullopt)));
  auto stored = *t.db().read<std::optional<cl::Limit>>(
      [&](Connection& c) -> core::Result<std::optional<cl::Limit>> { return cl::read_stored(c, limit.id); });
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->name, "r");
  EXPECT_EQ(stored->active_slots, 4);
  EXPECT_EQ(stored->decayed_active_slots, 4);
  EXPECT_EQ(active_slots(t, "r", kT0 + 10s), 0);
}

// Verifies the tag-limit view: a tag's holders are the task runs of its live leases; the v1
// decrement frees only the named run's lease; revoking the leases over a limit frees their
// slots; an expired lease no longer counts as a holder.
TEST(TagConcurrency, HoldersDecrementAndRevoke) {
  testing::TempDatabase t;
  cl::Limit tag = make_limit(cl::tag_limit_name("etl"), 2);
  write<core::Ok>(t, [&](Connection& c) {
    cl::create(c, tag);
    return core::Ok{};
  });
  EXPECT_EQ(cl::tag_of_limit_name(tag.name), "etl");
  EXPECT_EQ(cl::tag_of_limit_name("etl"), std::nullopt);
  const std::string run_a = core::new_uuid4(), run_b = core::new_uuid4();
  auto take = [&](const std::string& run, double seconds) {
    return write<bool>(t, [&](Connection& c) {
      bool taken = cl::take_slots(c, {tag.id}, 1, kT0);
      if (taken) cl::create_lease(c, {tag.id}, 1, seconds, boost::json::object{{"type", "task_run"}, {"id", run}}, kT0);
      return taken;
    });
  };
  EXPECT_TRUE(take(run_a, cl::kTagLeaseSeconds));
  EXPECT_TRUE(take(run_b, 60));
  EXPECT_FALSE(take(core::new_uuid4(), 60));  // full: nothing taken
  EXPECT_EQ(active_slots(t, tag.name, kT0), 2);
  auto holders = [&](core::Timestamp now) {
    auto ids = t.db()
                   .read<std::vector<std::string>>([&](Connection& c) -> core::Result<std::vector<std::string>> {
                     return cl::task_run_holders(c, tag.id, now);
                   })
                   .value();
    std::sort(ids.begin(), ids.end());  // both leases start at kT0: their order is the ids'
    return ids;
  };
  auto both = std::vector<std::string>{run_a, run_b};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(holders(kT0), both);
  EXPECT_EQ(holders(kT0 + 61s), (std::vector<std::string>{run_a}));  // run_b's lease expired

  write<core::Ok>(t, [&](Connection& c) {
    cl::release_task_run_leases(c, {tag.id}, run_b, kT0);
    return core::Ok{};
  });
  EXPECT_EQ(holders(kT0), (std::vector<std::string>{run_a}));
  EXPECT_EQ(active_slots(t, tag.name, kT0), 1);
  EXPECT_EQ(write<int>(t, [&](Connection& c) { return cl::revoke_leases_over(c, tag.id, kT0); }), 1);
  EXPECT_TRUE(holders(kT0).empty());
  EXPECT_EQ(active_slots(t, tag.name, kT0), 0);
}

}  // namespace
}  // namespace praetor::store

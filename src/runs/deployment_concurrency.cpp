#include "runs/deployment_concurrency.h"

#include "store/concurrency_repository.h"
#include "store/deployment_repository.h"

namespace praetor::runs {

namespace json = boost::json;
using core::StateType;
using orchestration::LeaseAction;

namespace {

bool is_active(StateType t) {
  return t == StateType::kPending || t == StateType::kRunning || t == StateType::kCancelling;
}

std::optional<std::string> lease_id_of(const std::optional<core::State>& s) {
  if (!s) return std::nullopt;
  auto it = s->state_details.find("deployment_concurrency_lease_id");
  if (it == s->state_details.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

}  // namespace

bool concurrency_may_apply(const std::optional<core::State>& initial, const core::State& proposed) {
  return proposed.type == StateType::kPending || (initial && is_active(initial->type));
}

orchestration::DeploymentConcurrency read_deployment_concurrency(store::Connection& c, const std::string& deployment_id,
                                                                 const std::optional<core::State>& initial,
                                                                 core::Timestamp now) {
  orchestration::DeploymentConcurrency dc;
  auto settings = store::deployments::read_concurrency_settings(c, deployment_id);
  if (!settings) {
    dc.deployment_found = false;
    return dc;
  }
  if (const auto* options = settings->options.if_object()) {
    dc.options_set = true;
    auto strategy = options->find("collision_strategy");
    if (strategy != options->end() && strategy->value() == "CANCEL_NEW") {
      dc.collision_strategy = orchestration::CollisionStrategy::kCancelNew;
    }
    auto grace = options->find("grace_period_seconds");
    if (grace != options->end() && grace->value().is_number()) dc.grace_period_seconds = grace->value().to_number<double>();
  }
  if (settings->limit_id) {
    store::concurrency::reclaim_expired_leases(c, now);
    if (auto limit = store::concurrency::read_for_update(c, *settings->limit_id, now)) {
      dc.limit = orchestration::DeploymentConcurrency::Limit{limit->id, limit->limit, limit->decayed_active_slots,
                                                             limit->active};
    }
  }
  if (auto lease = lease_id_of(initial)) dc.current_lease_live = store::concurrency::lease_is_live(c, *lease, now);
  return dc;
}

void perform_lease_actions(store::Connection& c, const std::string& flow_run_id, const std::vector<LeaseAction>& actions,
                           core::Timestamp now) {
  for (const auto& a : actions) {
    switch (a.kind) {
      case LeaseAction::Kind::kTake: {
        json::value holder = a.flow_run_holder ? json::value(json::object{{"type", "flow_run"}, {"id", flow_run_id}})
                                               : json::value(nullptr);
        store::concurrency::take_slot_with_lease(c, a.limit_id, a.lease_id, a.lease_seconds, holder, now);
        break;
      }
      case LeaseAction::Kind::kRenew:
        store::concurrency::renew_lease(c, a.lease_id, a.lease_seconds, now);
        break;
      case LeaseAction::Kind::kRelease:
        // _release_concurrency_lease: a lease already gone frees one slot of the limit.
        if (!store::concurrency::release_lease(c, a.lease_id, now) && !a.limit_id.empty()) {
          store::concurrency::free_slots(c, {a.limit_id}, 1, now);
        }
        break;
      case LeaseAction::Kind::kRevoke:
        store::concurrency::revoke_lease(c, a.lease_id);
        break;
      case LeaseAction::Kind::kFreeSlot:
        store::concurrency::free_slots(c, {a.limit_id}, 1, now);
        break;
    }
  }
}

}  // namespace praetor::runs

#include "server/body_budget.h"

#include <vector>

namespace praetor::server {

BodyBudget::Grant& BodyBudget::Grant::operator=(Grant&& other) noexcept {
  if (this != &other) {
    reset();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = other.bytes_;
  }
  return *this;
}

void BodyBudget::Grant::reset() {
  if (auto* budget = std::exchange(budget_, nullptr)) budget->give_back(bytes_);
}

void BodyBudget::reserve(std::size_t bytes, std::function<void(Grant)> granted) {
  {
    std::lock_guard lock(mu_);
    // Behind a waiter nobody jumps the queue, so a large body is not starved by small ones.
    if (!waiters_.empty() || !fits(bytes)) {
      waiters_.push_back(Waiter{bytes, std::move(granted)});
      return;
    }
    held_ += bytes;
  }
  granted(Grant(this, bytes));
}

std::optional<BodyBudget::Grant> BodyBudget::try_reserve(std::size_t bytes, std::size_t already_held) {
  std::lock_guard lock(mu_);
  const bool alone = held_ == already_held;
  if (!waiters_.empty() || !(alone || held_ + bytes <= capacity_)) return std::nullopt;
  held_ += bytes;
  return Grant(this, bytes);
}

void BodyBudget::give_back(std::size_t bytes) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mu_);
    held_ -= bytes;
    while (!waiters_.empty() && fits(waiters_.front().bytes)) {
      held_ += waiters_.front().bytes;
      ready.push_back(std::move(waiters_.front()));
      waiters_.pop_front();
    }
  }
  // Outside the lock: a callback may reserve or give back again.
  for (auto& waiter : ready) waiter.granted(Grant(this, waiter.bytes));
}

std::size_t BodyBudget::held() const {
  std::lock_guard lock(mu_);
  return held_;
}

std::size_t BodyBudget::waiting() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace praetor::server

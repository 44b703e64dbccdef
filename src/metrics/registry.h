// Named metric families and the registry that renders them as one scrape answer.
//
// A family is a metric name with HELP text and label names; each distinct tuple of label
// values is one Counter/Gauge/Histogram (metric.h), created on first use and kept for the
// registry's life, so a caller may hold the reference and update it without a lookup.
// Lookups take a shared lock; updates are atomics. Thread-safe throughout.
//
// The process has one registry, default_registry(), as Prometheus client libraries do:
// every module registers its families there and the server's /api/metrics renders it.
// Tests make their own Registry.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "metrics/metric.h"

namespace praetor::metrics {

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  // Appends the family's HELP/TYPE lines and samples (nothing when it has no samples yet
  // and labels: a labelled family starts empty).
  virtual void render(std::string& out) const = 0;

 protected:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

template <class Metric>
class Family final : public FamilyBase {
 public:
  using Make = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, std::vector<std::string> label_names, Make make)
      : FamilyBase(std::move(name), std::move(help), std::move(label_names)), make_(std::move(make)) {
    if (label_names_.empty()) children_.emplace(std::vector<std::string>{}, make_());
  }

  // The metric for these label values, in the order of the family's label names.
  Metric& labels(const std::vector<std::string>& values) {
    {
      std::shared_lock lock(mu_);
      if (auto it = children_.find(values); it != children_.end()) return *it->second;
    }
    std::unique_lock lock(mu_);
    auto [it, inserted] = children_.try_emplace(values, nullptr);
    if (inserted) it->second = make_();
    return *it->second;
  }
  // The one metric of a family without labels.
  Metric& get() { return labels({}); }

  void render(std::string& out) const override;

 private:
  Make make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

// Removes its scrape hook when destroyed (Registry::on_scrape).
class ScrapeHook {
 public:
  ScrapeHook() = default;
  explicit ScrapeHook(std::function<void()> remove) : remove_(std::move(remove)) {}
  ScrapeHook(ScrapeHook&& other) noexcept : remove_(std::exchange(other.remove_, nullptr)) {}
  ScrapeHook& operator=(ScrapeHook&& other) noexcept {
    reset();
    remove_ = std::exchange(other.remove_, nullptr);
    return *this;
  }
  ~ScrapeHook() { reset(); }
  void reset() {
    if (remove_) std::exchange(remove_, nullptr)();
  }

 private:
  std::function<void()> remove_;
};

class Registry {
 public:
  // Registers a family, or returns the one already registered under `name` (then `help`,
  // labels and buckets are those of the first registration). A name registered as another
  // type is a bug: std::logic_error.
  Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                               std::vector<double> bounds);

  // Runs `collect` at the start of every render(), e.g. to set gauges read at scrape time
  // (a queue's depth, a pool's use). It runs on the scraping thread; it is removed when the
  // returned hook is destroyed, which waits for a render running it to finish.
  [[nodiscard]] ScrapeHook on_scrape(std::function<void()> collect);

  // The whole exposition (text format 0.0.4), families sorted by name.
  std::string render() const;

 private:
  template <class Metric>
  Family<Metric>& add(const std::string& name, const std::string& help, std::vector<std::string> labels,
                      typename Family<Metric>::Make make);

  mutable std::mutex families_mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
  mutable std::mutex hooks_mu_;  // held while hooks run, so removing one waits for a render
  std::map<uint64_t, std::function<void()>> hooks_;
  uint64_t next_hook_ = 0;
};

// The process's registry.
Registry& default_registry();

}  // namespace praetor::metrics

#include "metrics/registry.h"

#include <stdexcept>

#include "metrics/text_format.h"

namespace praetor::metrics {

template <>
void Family<Counter>::render(std::string& out) const {
  std::shared_lock lock(mu_);
  if (children_.empty()) return;
  append_header(out, name_, help_, "counter");
  for (const auto& [values, metric] : children_) append_sample(out, name_, label_names_, values, metric->value());
}

template <>
void Family<Gauge>::render(std::string& out) const {
  std::shared_lock lock(mu_);
  if (children_.empty()) return;
  append_header(out, name_, help_, "gauge");
  for (const auto& [values, metric] : children_) append_sample(out, name_, label_names_, values, metric->value());
}

template <>
void Family<Histogram>::render(std::string& out) const {
  std::shared_lock lock(mu_);
  if (children_.empty()) return;
  append_header(out, name_, help_, "histogram");
  std::vector<std::string> names = label_names_;
  names.push_back("le");
  const std::string bucket = name_ + "_bucket";
  for (const auto& [values, metric] : children_) {
    auto snap = metric->snapshot();
    std::vector<std::string> with_le = values;
    with_le.emplace_back();
    for (size_t i = 0; i < snap.bounds.size(); ++i) {
      with_le.back() = format_value(snap.bounds[i]);
      append_sample(out, bucket, names, with_le, static_cast<double>(snap.cumulative[i]));
    }
    with_le.back() = "+Inf";
    append_sample(out, bucket, names, with_le, static_cast<double>(snap.cumulative.back()));
    append_sample(out, name_ + "_sum", label_names_, values, snap.sum);
    append_sample(out, name_ + "_count", label_names_, values, static_cast<double>(snap.cumulative.back()));
  }
}

template <class Metric>
Family<Metric>& Registry::add(const std::string& name, const std::string& help, std::vector<std::string> labels,
                              typename Family<Metric>::Make make) {
  std::lock_guard lock(families_mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(name, std::make_unique<Family<Metric>>(name, help, std::move(labels), std::move(make))).first;
  }
  auto* family = dynamic_cast<Family<Metric>*>(it->second.get());
  if (!family) throw std::logic_error("metric " + name + " is registered with another type");
  return *family;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return add<Counter>(name, help, std::move(labels), [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return add<Gauge>(name, help, std::move(labels), [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels, std::vector<double> bounds) {
  return add<Histogram>(name, help, std::move(labels), [bounds] { return std::make_unique<Histogram>(bounds); });
}

ScrapeHook Registry::on_scrape(std::function<void()> collect) {
  std::lock_guard lock(hooks_mu_);
  uint64_t id = next_hook_++;
  hooks_.emplace(id, std::move(collect));
  return ScrapeHook([this, id] {
    std::lock_guard lock(hooks_mu_);
    hooks_.erase(id);
  });
}

std::string Registry::render() const {
  {
    std::lock_guard lock(hooks_mu_);
    for (const auto& [id, collect] : hooks_) collect();
  }
  std::string out;
  std::lock_guard lock(families_mu_);
  for (const auto& [name, family] : families_) family->render(out);
  return out;
}

Registry& default_registry() {
  // Never destroyed: threads still running at exit (a detached database opener) may record.
  static Registry* registry = new Registry;
  return *registry;
}

}  // namespace praetor::metrics

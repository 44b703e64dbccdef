#include "store/task_run_queue.h"

#include <algorithm>

#include <boost/json.hpp>

namespace praetor::store::task_run_queue {

namespace json = boost::json;

namespace {

std::string placeholders(std::size_t first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += (i ? ",?" : "?") + std::to_string(first + i);
  return out;
}

std::vector<std::string> parse_keys(const std::string& text) {
  std::vector<std::string> keys;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return keys;
  for (const auto& k : v.get_array()) {
    if (k.is_string()) keys.emplace_back(k.get_string());
  }
  return keys;
}

std::string keys_text(const std::vector<std::string>& keys) {
  json::array a;
  for (const auto& k : keys) a.emplace_back(k);
  return json::serialize(a);
}

}  // namespace

void enqueue(Connection& c, const std::string& task_run_id, const std::string& task_key, bool retry,
             core::Timestamp now) {
  c.prepare("DELETE FROM task_run_queue WHERE task_run_id = ?1").bind(1, task_run_id).run();
  c.prepare(
       "INSERT INTO task_run_queue(task_run_id, task_key, retry, enqueued, claimed_by, claimed) "
       "VALUES (?1, ?2, ?3, ?4, NULL, NULL)")
      .bind(1, task_run_id)
      .bind(2, task_key)
      .bind(3, retry ? 1 : 0)
      .bind(4, core::to_micros(now))
      .run();
}

bool has_waiting(Connection& c, const std::vector<std::string>& task_keys, core::Timestamp stale_before) {
  if (task_keys.empty()) return false;
  auto& st = c.prepare("SELECT 1 FROM task_run_queue WHERE task_key IN (" + placeholders(2, task_keys.size()) +
                       ") AND (claimed_by IS NULL OR claimed < ?1) LIMIT 1");
  st.bind(1, core::to_micros(stale_before));
  for (std::size_t i = 0; i < task_keys.size(); ++i) st.bind(static_cast<int>(i + 2), task_keys[i]);
  bool found = st.step();
  st.reset();  // a statement left mid-result would pin the connection's snapshot
  return found;
}

std::optional<std::string> claim_next(Connection& c, const std::vector<std::string>& task_keys,
                                      const std::string& owner, core::Timestamp now, core::Timestamp stale_before) {
  if (task_keys.empty()) return std::nullopt;
  constexpr int64_t kCandidates = 8;
  std::vector<std::string> candidates;
  {
    auto& st = c.prepare("SELECT task_run_id FROM task_run_queue WHERE task_key IN (" +
                         placeholders(2, task_keys.size()) +
                         ") AND (claimed_by IS NULL OR claimed < ?1) ORDER BY retry DESC, enqueued, task_run_id "
                         "LIMIT " + std::to_string(kCandidates));
    st.bind(1, core::to_micros(stale_before));
    for (std::size_t i = 0; i < task_keys.size(); ++i) st.bind(static_cast<int>(i + 2), task_keys[i]);
    while (st.step()) candidates.push_back(st.column_text(0));
  }
  for (const auto& id : candidates) {
    // Compare-and-set: of two claimers of one row, the second sees it claimed and skips it.
    c.prepare(
         "UPDATE task_run_queue SET claimed_by = ?1, claimed = ?2 WHERE task_run_id = ?3 "
         "AND (claimed_by IS NULL OR claimed < ?4)")
        .bind(1, owner)
        .bind(2, core::to_micros(now))
        .bind(3, id)
        .bind(4, core::to_micros(stale_before))
        .run();
    if (c.changes() == 1) return id;
  }
  return std::nullopt;
}

void remove(Connection& c, const std::string& task_run_id) {
  c.prepare("DELETE FROM task_run_queue WHERE task_run_id = ?1").bind(1, task_run_id).run();
}

void release(Connection& c, const std::string& task_run_id, const std::string& owner) {
  c.prepare(
       "UPDATE task_run_queue SET claimed_by = NULL, claimed = NULL, retry = 1 "
       "WHERE task_run_id = ?1 AND claimed_by = ?2")
      .bind(1, task_run_id)
      .bind(2, owner)
      .run();
}

void refresh_claims(Connection& c, const std::vector<std::string>& owners, core::Timestamp now) {
  if (owners.empty()) return;
  auto& st = c.prepare("UPDATE task_run_queue SET claimed = ?1 WHERE claimed_by IN (" +
                       placeholders(2, owners.size()) + ")");
  st.bind(1, core::to_micros(now));
  for (std::size_t i = 0; i < owners.size(); ++i) st.bind(static_cast<int>(i + 2), owners[i]);
  st.run();
}

void observe_worker(Connection& c, const std::string& identifier, const std::vector<std::string>& task_keys,
                    core::Timestamp now) {
  std::vector<std::string> keys = task_keys;
  {
    auto& st = c.prepare("SELECT task_keys FROM task_worker WHERE identifier = ?1");
    st.bind(1, identifier);
    if (st.step()) {
      for (auto& k : parse_keys(st.column_text(0))) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
      }
    }
    st.reset();
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  c.prepare("DELETE FROM task_worker WHERE identifier = ?1").bind(1, identifier).run();
  c.prepare("INSERT INTO task_worker(identifier, task_keys, seen) VALUES (?1, ?2, ?3)")
      .bind(1, identifier)
      .bind(2, keys_text(keys))
      .bind(3, core::to_micros(now))
      .run();
}

void forget_worker(Connection& c, const std::string& identifier) {
  c.prepare("DELETE FROM task_worker WHERE identifier = ?1").bind(1, identifier).run();
}

std::vector<TaskWorker> list_workers(Connection& c, const std::vector<std::string>& task_keys, core::Timestamp since) {
  auto& st = c.prepare("SELECT identifier, task_keys, seen FROM task_worker WHERE seen >= ?1 ORDER BY identifier");
  st.bind(1, core::to_micros(since));
  std::vector<TaskWorker> out;
  while (st.step()) {
    TaskWorker w{st.column_text(0), parse_keys(st.column_text(1)), core::from_micros(st.column_int(2))};
    bool wanted = task_keys.empty() || std::any_of(w.task_keys.begin(), w.task_keys.end(), [&](const auto& k) {
                    return std::find(task_keys.begin(), task_keys.end(), k) != task_keys.end();
                  });
    if (wanted) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace praetor::store::task_run_queue

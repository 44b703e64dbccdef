#include "store/notifications.h"

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/postgres_connection.h"
#include "store/postgres_database.h"

namespace praetor::store {

void notify(Connection& c, std::string_view channel, std::string_view payload) {
  if (c.dialect() != Dialect::kPostgres) return;
  auto& st = c.prepare("SELECT pg_notify(?1, ?2)");
  st.bind(1, channel).bind(2, payload);
  st.run();
}

namespace {

class PostgresListener final : public NotificationListener {
 public:
  PostgresListener(std::string conninfo, std::string channel)
      : conninfo_(std::move(conninfo)), channel_(std::move(channel)) {}

  std::vector<std::string> wait(int timeout_ms) override {
    try {
      if (!session_) {
        session_ = std::make_unique<PostgresConnection>(conninfo_, 0);
        session_->exec("LISTEN \"" + channel_ + "\"");
        if (lost_) spdlog::info("listening for other replicas' events again");
        lost_ = false;
      }
      return session_->wait_for_notifications(timeout_ms);
    } catch (const std::exception& e) {
      if (!lost_) spdlog::warn("listening for other replicas' events: {}; reconnecting", e.what());
      lost_ = true;
      session_.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 1000)));
      return {};
    }
  }

 private:
  std::string conninfo_;
  std::string channel_;
  std::unique_ptr<PostgresConnection> session_;
  bool lost_ = false;
};

}  // namespace

std::unique_ptr<NotificationListener> make_notification_listener(const config::DatabaseUrl& url,
                                                                 const config::DatabaseTuning& tuning,
                                                                 std::string channel) {
  if (url.dialect != config::DatabaseUrl::Dialect::kPostgres) return nullptr;
  return std::make_unique<PostgresListener>(postgres_conninfo(url, tuning.connect_timeout_seconds), std::move(channel));
}

}  // namespace praetor::store

// Notifications between replicas that share a PostgreSQL database (LISTEN/NOTIFY), behind a
// dialect-free interface. notify() queues a message inside the caller's write transaction:
// listeners receive it when that transaction commits, never if it rolls back. On SQLite (one
// process per database) there are no other replicas: notify() does nothing and there is no
// listener.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.h"
#include "store/connection.h"

namespace praetor::store {

// PostgreSQL refuses payloads of 8000 bytes or more; callers split longer messages.
inline constexpr std::size_t kMaxNotificationPayload = 7900;

void notify(Connection& c, std::string_view channel, std::string_view payload);

// Listens on one channel over a session of its own. Used by one thread.
class NotificationListener {
 public:
  virtual ~NotificationListener() = default;
  // Payloads received within `timeout_ms` (none on timeout). A lost session is reopened on
  // the next call (notifications sent meanwhile are missed) and answers none; never throws.
  virtual std::vector<std::string> wait(int timeout_ms) = 0;
};

// A listener on `channel` for the configured database; null on SQLite.
std::unique_ptr<NotificationListener> make_notification_listener(const config::DatabaseUrl& url,
                                                                 const config::DatabaseTuning& tuning,
                                                                 std::string channel);

}  // namespace praetor::store

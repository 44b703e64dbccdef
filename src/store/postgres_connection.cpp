#include "store/postgres_connection.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include <poll.h>

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

namespace praetor::store {

namespace {

constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextOid = 25;

DatabaseError::Kind kind_of_sqlstate(std::string_view state) {
  if (state.substr(0, 2) == "23") return DatabaseError::Kind::kConstraint;
  // Serialization failure, deadlock, lock not available, statement timeout, shutdown,
  // resource exhaustion (too many connections) and connection exceptions: worth a retry.
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" || state.substr(0, 3) == "57P" ||
      state.substr(0, 2) == "53" || state.substr(0, 2) == "08") {
    return DatabaseError::Kind::kTransient;
  }
  return DatabaseError::Kind::kOther;
}

void ignore_notice(void*, const char* message) { spdlog::debug("postgres: {}", message); }

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

TranslatedSql translate_placeholders(std::string_view sql) {
  TranslatedSql out;
  out.sql.reserve(sql.size() + 16);
  int largest = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char ch = sql[i];
    if (ch == '\'' || ch == '"') {  // quoted text or identifier; a doubled quote escapes
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == ch) {
          if (end + 1 < sql.size() && sql[end + 1] == ch) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      out.sql.append(sql.substr(i, end + 1 - i));
      i = end;
      continue;
    }
    if (ch == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // comment to end of line
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size();
      out.sql.append(sql.substr(i, end - i));
      i = end - 1;
      continue;
    }
    if (ch != '?') {
      out.sql += ch;
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    int n = 0;
    if (j > i + 1) {
      std::from_chars(sql.data() + i + 1, sql.data() + j, n);
    } else {
      n = largest + 1;
    }
    largest = std::max(largest, n);
    if (n > 0) {
      if (out.referenced.size() < static_cast<size_t>(n)) out.referenced.resize(n, false);
      out.referenced[n - 1] = true;
    }
    out.sql += "$" + std::to_string(n);
    i = j - 1;
  }
  out.params = largest;
  out.referenced.resize(largest, false);
  return out;
}

// ---------------------------------------------------------------------------------------

PostgresStatement::PostgresStatement(PostgresConnection& conn, TranslatedSql sql)
    : conn_(conn),
      sql_(std::move(sql.sql)),
      param_count_(sql.params),
      referenced_(std::move(sql.referenced)),
      types_(param_count_, ParamType::kNull),
      values_(param_count_) {}

PostgresStatement::~PostgresStatement() { PQclear(result_); }

void PostgresStatement::set(int index, ParamType type, std::string value) {
  if (index < 1 || index > param_count_) {
    throw DatabaseError(DatabaseError::Kind::kOther,
                        "bind parameter " + std::to_string(index) + " out of range in: " + sql_);
  }
  types_[index - 1] = type;
  values_[index - 1] = std::move(value);
}

Statement& PostgresStatement::bind_null(int index) {
  set(index, ParamType::kNull, {});
  return *this;
}
Statement& PostgresStatement::bind_typed_null(int index, bool is_double) {
  set(index, is_double ? ParamType::kNullDouble : ParamType::kNullInt, {});
  return *this;
}
Statement& PostgresStatement::bind_int(int index, int64_t v) {
  set(index, ParamType::kInt, std::to_string(v));
  return *this;
}
Statement& PostgresStatement::bind_double(int index, double v) {
  set(index, ParamType::kDouble, format_double(v));
  return *this;
}
Statement& PostgresStatement::bind_text(int index, std::string_view v) {
  set(index, ParamType::kText, std::string(v));
  return *this;
}

void PostgresStatement::execute() {
  // The declared types, which is what a prepared plan depends on: NULLs and text are left
  // for the server to infer alike, so they share a plan.
  std::vector<Oid> oids(types_.size(), 0);
  std::string signature(types_.size(), '-');
  for (size_t i = 0; i < types_.size(); ++i) {
    if (types_[i] == ParamType::kInt || types_[i] == ParamType::kNullInt) oids[i] = kInt8Oid;
    if (types_[i] == ParamType::kDouble || types_[i] == ParamType::kNullDouble) oids[i] = kFloat8Oid;
    if (!referenced_[i]) oids[i] = kTextOid;  // bound but unused: any type will do
    signature[i] = oids[i] == kInt8Oid ? 'i' : oids[i] == kFloat8Oid ? 'd' : oids[i] == kTextOid ? 'x' : '-';
  }
  auto it = prepared_.find(signature);
  if (it == prepared_.end()) {
    std::string name = conn_.next_statement_name();
    PGresult* r = PQprepare(conn_.conn_, name.c_str(), sql_.c_str(), param_count_, oids.data());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) conn_.fail(r, "prepare failed in: " + sql_);
    PQclear(r);
    it = prepared_.emplace(signature, std::move(name)).first;
  }
  std::vector<const char*> values(types_.size());
  for (size_t i = 0; i < types_.size(); ++i) {
    bool null = types_[i] == ParamType::kNull || types_[i] == ParamType::kNullInt || types_[i] == ParamType::kNullDouble;
    values[i] = null ? nullptr : values_[i].c_str();
  }
  result_ = PQexecPrepared(conn_.conn_, it->second.c_str(), param_count_, values.data(), nullptr, nullptr, 0);
  ExecStatusType status = PQresultStatus(result_);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    PGresult* failed = result_;
    result_ = nullptr;
    conn_.fail(failed, "in: " + sql_);
  }
  rows_ = PQntuples(result_);
  row_ = -1;
  const char* affected = PQcmdTuples(result_);
  conn_.changes_ = (affected && *affected) ? std::strtoll(affected, nullptr, 10) : 0;
}

bool PostgresStatement::step() {
  if (!result_) execute();
  if (row_ < rows_) ++row_;
  return row_ < rows_;
}

void PostgresStatement::reset() {
  PQclear(result_);
  result_ = nullptr;
  row_ = -1;
  rows_ = 0;
  std::fill(types_.begin(), types_.end(), ParamType::kNull);
}

const char* PostgresStatement::value(int col) const {
  if (!result_ || row_ < 0 || row_ >= rows_ || col < 0 || col >= PQnfields(result_)) return nullptr;
  if (PQgetisnull(result_, row_, col)) return nullptr;
  return PQgetvalue(result_, row_, col);
}

bool PostgresStatement::is_null(int col) const { return value(col) == nullptr; }

int64_t PostgresStatement::column_int(int col) const {
  const char* v = value(col);
  if (!v) return 0;
  if (v[0] == 't' && v[1] == '\0') return 1;  // booleans
  if (v[0] == 'f' && v[1] == '\0') return 0;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (end && *end != '\0') return static_cast<int64_t>(std::strtod(v, nullptr));  // numeric/float text
  return n;
}

double PostgresStatement::column_double(int col) const {
  const char* v = value(col);
  if (!v) return 0.0;
  return std::strtod(v, nullptr);
}

std::string PostgresStatement::column_text(int col) const {
  const char* v = value(col);
  if (!v) return {};
  return std::string(v, static_cast<size_t>(PQgetlength(result_, row_, col)));
}

// ---------------------------------------------------------------------------------------

PostgresConnection::PostgresConnection(const std::string& conninfo, int64_t statement_timeout_ms) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw DatabaseError(DatabaseError::Kind::kTransient, "cannot connect to PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  exec("SET statement_timeout = " + std::to_string(statement_timeout_ms));
}

PostgresConnection::~PostgresConnection() {
  cache_.clear();
  PQfinish(conn_);
}

void PostgresConnection::fail(PGresult* result, const std::string& context) {
  // Classified before PQclear: the SQLSTATE field points into the result.
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  DatabaseError::Kind kind = state ? kind_of_sqlstate(state) : DatabaseError::Kind::kOther;
  std::string msg = result ? PQresultErrorMessage(result) : "";
  if (msg.empty()) msg = PQerrorMessage(conn_);
  PQclear(result);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (!healthy()) kind = DatabaseError::Kind::kTransient;
  throw DatabaseError(kind, msg + " (" + context + ")");
}

void PostgresConnection::exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, "in: " + sql.substr(0, 200));
  PQclear(r);
}

Statement& PostgresConnection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return *it->second;
  }
  auto [pos, _] = cache_.emplace(sql, std::make_unique<PostgresStatement>(*this, translate_placeholders(sql)));
  return *pos->second;
}

bool PostgresConnection::healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

bool PostgresConnection::in_failed_transaction() const {
  return conn_ && PQtransactionStatus(conn_) == PQTRANS_INERROR;
}

std::vector<std::string> PostgresConnection::wait_for_notifications(int timeout_ms) {
  std::vector<std::string> out;
  auto drain = [&] {
    if (PQconsumeInput(conn_) == 0) {
      throw DatabaseError(DatabaseError::Kind::kTransient, std::string("listening: ") + PQerrorMessage(conn_));
    }
    while (PGnotify* n = PQnotifies(conn_)) {
      out.emplace_back(n->extra ? n->extra : "");
      PQfreemem(n);
    }
  };
  drain();
  if (!out.empty()) return out;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) throw DatabaseError(DatabaseError::Kind::kTransient, "listening: the connection is closed");
  if (::poll(&fd, 1, timeout_ms) > 0) drain();
  return out;
}

}  // namespace praetor::store

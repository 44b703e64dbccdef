// Rows of a model-described table (core/model.h): the columns, the binds and the row
// decoding all come from the model. The table has one column per kColumn field, named as
// the field, plus a `data` TEXT column holding a JSON object of the kDocument fields when
// the model has any. Column types: ids and strings TEXT, integers and booleans INTEGER
// (BIGINT on PostgreSQL), numbers REAL, timestamps INTEGER microseconds (UTC), lists,
// dicts and kAny values JSON text.
//
// Objects are json::objects of field values as core::read_create produces them. Functions
// take the Connection of a Database::read/write call and throw DatabaseError on failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/model.h"
#include "store/connection.h"
#include "store/sql_conditions.h"

namespace praetor::store::model_rows {

// `object` must carry every column field (read_create's output plus id/created/updated).
void insert(Connection& c, const core::Model& model, const boost::json::object& object);
// insert() of every object in multi-row statements (store/bulk_insert.h): a batch costs a
// few statements; call inside one Database::write so it costs one commit.
void insert_many(Connection& c, const core::Model& model, const std::vector<boost::json::object>& objects);
// insert() unless a row holds one of the object's unique keys already (ON CONFLICT DO
// NOTHING, which keeps PostgreSQL's transaction usable); false then.
bool insert_if_absent(Connection& c, const core::Model& model, const boost::json::object& object);
// The row whose `column` equals `value`, or nullopt.
std::optional<boost::json::object> find(Connection& c, const core::Model& model, std::string_view column,
                                        std::string_view value);
// Writes every field of `object` to the row with its id (read, merge, then replace).
// Returns false when no such row.
bool replace(Connection& c, const core::Model& model, const boost::json::object& object);
// Deletes the row whose `column` equals `value`; returns the deleted object, if any.
std::optional<boost::json::object> remove(Connection& c, const core::Model& model, std::string_view column,
                                          std::string_view value);
// Deletes the row with this id without reading it (the caller holds it already); returns
// whether there was one.
bool erase(Connection& c, const core::Model& model, std::string_view id);

// Rows matching `where` (over the unaliased table), in `order_by` ("ORDER BY …").
boost::json::array list(Connection& c, const core::Model& model, const SqlCondition& where,
                        const std::string& order_by, int64_t limit, int64_t offset);
int64_t count(Connection& c, const core::Model& model, const SqlCondition& where);

// The SQL expression of a field over the unaliased table: `table."name"` for a column,
// json_extract(table.data, '$.name') for a document field.
std::string field_expression(const core::Model& model, const core::Field& field);

}  // namespace praetor::store::model_rows

// The route kit: the CRUD and list routes of a model-described resource (core/model.h)
// from one declaration. Paths, status codes and bodies follow Prefect's routers:
//   POST   {base}/               create → 201 and the object; a taken unique key → 409 `conflict`
//   PUT    {base}/               upsert by name: 201 when new, else 200 with the sent fields replaced
//   GET    {base}/{id}           read → 200; unknown → 404 {"detail": not_found}
//   GET    {base}/name/{name}    read by name
//   PATCH  {base}/{id}           update → 204 (sets `updated`)
//   PATCH  {base}/name/{name}    update by name
//   DELETE {base}/{id}           delete → 204
//   DELETE {base}/name/{name}    delete by name
//   POST   {base}/filter         {<filter_key>, sort, limit, offset} → list
//   POST   {base}/count          {<filter_key>} → integer
//   POST   {base}/paginate       {…, page} → {results, count, limit, pages, page}
// A write runs in this order: the body read by the model (422s), the spec's prepare hook
// (its error is the answer, before the database is touched), one transaction (the row
// written, then the spec's bookkeeping hook), then after the commit the lifecycle event
// (prefect.<kind>.created/updated/deleted, as Prefect's events/schemas/lifecycle.py emits
// them) and the spec's on_committed.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/context.h"
#include "api/model_filter.h"
#include "api/router.h"
#include "core/model.h"

namespace praetor::api {

namespace resource_op {
inline constexpr unsigned kCreate = 1 << 0;
inline constexpr unsigned kRead = 1 << 1;
inline constexpr unsigned kReadByName = 1 << 2;
inline constexpr unsigned kUpdate = 1 << 3;
inline constexpr unsigned kUpdateByName = 1 << 4;
inline constexpr unsigned kDelete = 1 << 5;
inline constexpr unsigned kDeleteByName = 1 << 6;
inline constexpr unsigned kFilter = 1 << 7;
inline constexpr unsigned kCount = 1 << 8;
inline constexpr unsigned kPaginate = 1 << 9;
inline constexpr unsigned kUpsert = 1 << 10;
}  // namespace resource_op

struct ResourceRoutes {
  const core::Model* model;
  std::string base;  // "/api/variables"
  unsigned ops;      // resource_op bits
  // The detail of a 404: "Variable not found."; a "{key}" in it stands for the id or name
  // the route was called with ("Work pool \"{key}\" not found.").
  std::string not_found;
  // The detail of the 409 when a create hits the unique key, from the proposed object.
  std::function<std::string(const boost::json::object& proposed)> conflict;
  // "variable": publish prefect.variable.created/updated/deleted; empty: no events.
  std::string_view lifecycle_kind;
  std::vector<std::string_view> event_payload_fields;  // the object's fields the event carries
  std::string_view name_field = "name";                 // the by-name key and the resource's name label
  std::string name_path;  // the by-name routes' path when not {base}/name/{name}; holds "{name}"
  // Other tables' filters the list routes accept beside the model's own (model_filter.h).
  std::vector<FilterRelation> relations;
  // The list routes' filters and sort when they are not the model's own family (flows:
  // store's FlowFilter, which the other roots' filters share); unset: model_query.
  ListQuery list_query;
  // The read and list routes' bodies when they are not the model's response (a narrower
  // response model, values computed at the read): takes the stored objects, returns their
  // bodies in the same order, in the read's transaction. Unset: core::to_response.
  std::function<boost::json::array(store::Connection& c, boost::json::array stored)> read_view;
  // Whether the create and upsert routes answer through read_view too (values computed at
  // the read that a new object has as well); otherwise they answer core::to_response.
  bool write_answers_read_view = false;

  // Bookkeeping in the write's transaction: after the row is inserted or updated, before it
  // is deleted (e.g. a "latest per key" table kept in step, rows of other tables). `sent`
  // is the request body as sent: its keys are the fields a PATCH set, explicit nulls
  // included (pydantic's exclude_unset), whatever the model made of them.
  using Hook = std::function<void(store::Connection& c, const boost::json::object& object)>;
  using UpdateHook =
      std::function<void(store::Connection& c, const boost::json::object& object, const boost::json::object& sent)>;
  Hook on_created;
  UpdateHook on_updated;  // after an update, and after an upsert that found the object
  Hook on_deleting;

  // Checks before a write, after the body is read; an error is the answer (e.g. a reserved
  // name's 403). `addressed` is the id or name the route was called with.
  // prepare_create may also normalise the object or set server-side fields.
  std::function<core::Result<core::Ok>(boost::json::object& proposed)> prepare_create;
  std::function<core::Result<core::Ok>(std::string_view addressed, const boost::json::object& sent,
                                       const boost::json::object& changes)>
      prepare_update;
  std::function<core::Result<core::Ok>(std::string_view addressed)> prepare_delete;

  // After a write commits, beside the lifecycle event (e.g. waking subscribers, events of
  // a shape of the resource's own).
  struct Committed {
    std::string_view action;            // "created", "updated" or "deleted"
    const boost::json::object& object;  // as written; as it was, for a delete
    const boost::json::object* before;  // an update's object before it; null otherwise
    const boost::json::object& sent;    // the request body as sent ({} for a delete)
  };
  std::function<void(const Committed& write)> on_committed;
};

void add_resource_routes(Router& router, ApiContext& ctx, ResourceRoutes routes);

}  // namespace praetor::api

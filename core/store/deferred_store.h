// File: core/store/deferred_store.h
//
// A store that is created only when something is written to it. Terraform starts the provider
// for validate, plan, refresh and import as well as for apply, and tells it nothing about which:
// the provider must not leave an empty store (and SQLite's -wal/-shm files) behind for a plan
// with a mistyped path, yet the first plan of a new configuration, before its first apply, must
// work against a store that does not exist yet (it needs nothing from it: every resource is to
// be created).
//
// OpenDeferredStore opens the store when it exists (the returned Store is then the backend's
// own). When it does not, the returned Store answers reads as an empty store would, except that
// a read of an id names the store and that it does not exist (kNotFound, so that a refresh reports
// the lost store, and the caller where its URL came from), and creates the store at the first write that adds
// something (CreateAccount, CreateAutoCertificate, AddCertificate, NotePendingDnsRecord, Lock).
// Writes that change or delete existing records find nothing (kNotFound) and create nothing.
// Each read looks again, so a store another process created meanwhile is used from then on.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/base/status.h"
#include "core/store/store.h"

namespace ionos {

using StoreOpener = std::function<Result<std::unique_ptr<Store>>(const std::string& url, const StoreOptions& options)>;

// `open` is OpenStore or a test's factory. Errors other than "there is no store" are returned as
// they are. A read of an id in a store that does not exist is kNotFound: `KIND "ID" is not in the
// store URL, which does not exist`; the caller adds where the URL came from.
Result<std::unique_ptr<Store>> OpenDeferredStore(StoreOpener open, const std::string& url,
                                                 const StoreOptions& options);

}  // namespace ionos

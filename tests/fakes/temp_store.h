// The real SQLite store (core/store/store.h) in a temporary directory of its own, for tests that
// need a store without testing it: opened with the test's clock and randomness, and removed with
// its directory when the object is destroyed. The stores' own tests are tests/unit/core_store_*.
#pragma once

#include <memory>
#include <string>

#include "core/base/clock.h"
#include "core/store/store.h"
#include "tests/fakes/temp_dir.h"

namespace ionos::fakes {

class TempSqliteStore {
 public:
  // `clock` and `random` are borrowed. Throws std::runtime_error when the store cannot be opened
  // (the test then fails).
  TempSqliteStore(const Clock* clock, Random* random);

  Store* get() const { return store_.get(); }
  Store* operator->() const { return store_.get(); }
  Store& operator*() const { return *store_; }
  // "sqlite:<path>"
  const std::string& url() const { return url_; }

 private:
  TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;  // closed before dir_ is removed
};

}  // namespace ionos::fakes

#include "tests/fakes/temp_store.h"

#include <stdexcept>

namespace ionos::fakes {

TempSqliteStore::TempSqliteStore(const Clock* clock, Random* random)
    : dir_("ionos-store"), url_("sqlite:" + dir_.path() + "/certificates.db") {
  StoreOptions options;
  options.clock = clock;
  options.random = random;
  Result<std::unique_ptr<Store>> opened = OpenStore(url_, options);
  if (!opened.ok()) {
    throw std::runtime_error("opening the test store: " + opened.status().ToString());
  }
  store_ = std::move(opened).value();
}

}  // namespace ionos::fakes

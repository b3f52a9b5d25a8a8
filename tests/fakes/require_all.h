// IONOS_SKIP_OR_FAIL(reason): what a test does when a tool, server or privilege it needs is
// missing. Normally it skips, saying why. With IONOS_TEST_REQUIRE_ALL set to anything but "" or
// "0" (scripts/test sets 1, so CI runs that way) it fails instead, naming what is missing: a test
// that could not run must never count as passed there.
// Use it in a test body or in SetUp() (gtest then runs no test body); it returns from the function.
// tests/e2e/harness.py has the same rule for the end-to-end tests (skip_or_fail).
#pragma once

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace ionos::fakes {

// True when IONOS_TEST_REQUIRE_ALL asks that nothing be skipped.
inline bool TestsRequireAll() {
  const char* v = std::getenv("IONOS_TEST_REQUIRE_ALL");
  return v != nullptr && std::string(v) != "" && std::string(v) != "0";
}

}  // namespace ionos::fakes

#define IONOS_SKIP_OR_FAIL(reason)                                                                      \
  do {                                                                                                  \
    if (::ionos::fakes::TestsRequireAll()) {                                                            \
      GTEST_FAIL() << "cannot run, and IONOS_TEST_REQUIRE_ALL forbids skipping: " << reason;            \
    }                                                                                                   \
    GTEST_SKIP() << reason << " (IONOS_TEST_REQUIRE_ALL=1 makes this a failure)";                       \
  } while (0)

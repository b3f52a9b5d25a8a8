// Running an in-process cpp-httplib server in the tests: the DNS API emulator (emulator.h) and
// the small servers that tests start for themselves.
//
// Why a function of our own: Debian's cpp-httplib is a shared library built without
// ThreadSanitizer. Its server code initializes function-local statics on its worker threads
// (httplib::Server::parse_request_line's `static const std::set<std::string> methods`), and a
// later worker reads them through the compiler's inline fast path on the guard variable, a plain
// load that TSan cannot see as an acquire; TSan then reports the read (memcmp) against the first
// worker's initialization (operator new, memcpy) as a data race. Such a report names no function:
// the library is stripped, and cpp-httplib's own worker threads run no code of ours, so there is
// nothing a suppression could name but the whole library (called_from_lib), which would also
// silence the library's client side, i.e. the provider's HTTP client (core/http).
//
// ServeHttpForTests gives the server worker threads of ours (the same pool cpp-httplib would
// start: 8 threads, first come first served): every request the server answers then runs under
// RunHttpServerTasksForTests, and tests/tsan.supp suppresses the races whose accesses happen there
// (race:ionos::testing::RunHttpServerTasksForTests) and nothing else. The provider's HTTP client
// runs on threads that the provider or the test created, and stays fully checked.
//
// Every in-process cpp-httplib server of the tests should listen through ServeHttpForTests.
#pragma once

namespace httplib {
class Server;
}

namespace ionos::testing {

// Gives `server` the worker pool above and runs server.listen_after_bind(): serves until
// server.stop(). Call it on the server's own thread, after bind_to_port()/bind_to_any_port().
// Returns what listen_after_bind() returns.
bool ServeHttpForTests(httplib::Server& server);

}  // namespace ionos::testing

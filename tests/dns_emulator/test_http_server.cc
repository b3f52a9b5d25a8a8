#include "tests/dns_emulator/test_http_server.h"

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ionos::testing {

class HttpServerTaskQueueForTests;
void RunHttpServerTasksForTests(HttpServerTaskQueueForTests& queue);

namespace {

// What cpp-httplib 0.11 starts per server (CPPHTTPLIB_THREAD_POOL_COUNT is at least 8).
constexpr size_t kWorkers = 8;

// TSan records a function in a stack only as the caller of an instrumented function (the return
// address that the callee's entry hook keeps). The task runs in the uninstrumented library, so
// RunHttpServerTasksForTests calls it through this function; neither may be inlined away.
__attribute__((noinline)) void RunTask(std::function<void()>& task) { task(); }

}  // namespace

// httplib::ThreadPool's behaviour, in code that ThreadSanitizer instruments.
class HttpServerTaskQueueForTests final : public httplib::TaskQueue {
 public:
  HttpServerTaskQueueForTests() {
    for (size_t i = 0; i < kWorkers; ++i) {
      threads_.emplace_back([this] { RunHttpServerTasksForTests(*this); });
    }
  }
  ~HttpServerTaskQueueForTests() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(fn));
    }
    cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }

  // The next task; false once shut down and drained.
  bool Next(std::function<void()>* task) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
    if (jobs_.empty()) {
      return false;
    }
    *task = std::move(jobs_.front());
    jobs_.pop_front();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

// The body of every server worker thread; tests/tsan.supp names it.
__attribute__((noinline)) void RunHttpServerTasksForTests(HttpServerTaskQueueForTests& queue) {
  std::function<void()> task;
  while (queue.Next(&task)) {
    RunTask(task);
    task = nullptr;
  }
}

bool ServeHttpForTests(httplib::Server& server) {
  server.new_task_queue = [] { return new HttpServerTaskQueueForTests(); };
  return server.listen_after_bind();
}

}  // namespace ionos::testing

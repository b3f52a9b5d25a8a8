#include "core/base/process_identity.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace ionos {
namespace {

TEST(ProcessIdentity, ThisProcessIsAlive) {
  const std::string me = ProcessIdentity();
  EXPECT_NE(me.find("/" + std::to_string(getpid()) + "/"), std::string::npos) << me;
  EXPECT_FALSE(ProcessIsGone(me));
}

TEST(ProcessIdentity, AnExitedChildIsGone) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string id = ProcessIdentity();
    (void)!write(fds[1], id.data(), id.size());
    _exit(0);
  }
  close(fds[1]);
  char buf[512];
  ssize_t n = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  ASSERT_GT(n, 0);
  const std::string child_id(buf, static_cast<size_t>(n));
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(ProcessIsGone(child_id)) << child_id;
}

TEST(ProcessIdentity, ReusedPidOrForeignHostOrGarbage) {
  const std::string me = ProcessIdentity();
  const std::string host = me.substr(0, me.find('/'));
  const std::string reused = host + "/" + std::to_string(getpid()) + "/1";  // same pid, other start time
  EXPECT_TRUE(ProcessIsGone(reused));
  EXPECT_FALSE(ProcessIsGone("some-other-host.invalid/1/1"));
  EXPECT_FALSE(ProcessIsGone(""));
  EXPECT_FALSE(ProcessIsGone("garbage"));
  EXPECT_FALSE(ProcessIsGone(host + "/notapid/5"));
}

}  // namespace
}  // namespace ionos

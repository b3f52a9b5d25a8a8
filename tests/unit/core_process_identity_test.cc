#include "core/base/process_identity.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initializer_list>
#include <string>
#include <vector>

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

// The parts of this process's identity: host, boot id, PID namespace, pid, start time.
std::vector<std::string> Parts(const std::string& identity) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t slash; (slash = identity.find('/', start)) != std::string::npos; start = slash + 1) {
    parts.push_back(identity.substr(start, slash - start));
  }
  parts.push_back(identity.substr(start));
  return parts;
}

TEST(ProcessIdentity, NamesHostBootNamespacePidAndStart) {
  const std::vector<std::string> me = Parts(ProcessIdentity());
  ASSERT_EQ(me.size(), 5u) << ProcessIdentity();
  EXPECT_EQ(me[1].size(), 36u) << "the kernel's boot id, a UUID: " << me[1];
  EXPECT_FALSE(me[2].empty());
  EXPECT_EQ(me[3], std::to_string(getpid()));
}

// Only a process this one can certainly see is ever "gone". Before, an identity was host/pid/start:
// a container with the same hostname and its own PID namespace looked gone at once, and its
// in-flight challenge records were deleted under it.
TEST(ProcessIdentity, GoneOnlyWhenSameHostBootAndNamespaceTable) {
  const std::vector<std::string> me = Parts(ProcessIdentity());
  ASSERT_EQ(me.size(), 5u);
  const std::string host = me[0], boot = me[1], ns = me[2], pid = me[3];
  auto id = [](std::initializer_list<std::string> parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
  };
  struct Case {
    std::string name;
    std::string identity;
    bool gone;
  };
  const std::vector<Case> cases = {
      {"this process", ProcessIdentity(), false},
      {"same pid, another start time (pid reused)", id({host, boot, ns, pid, "1"}), true},
      {"another PID namespace (a container with the same hostname)", id({host, boot, "1", pid, "1"}), false},
      {"another boot", id({host, "00000000-0000-0000-0000-000000000000", ns, pid, "1"}), false},
      {"another host", id({"some-other-host.invalid", boot, ns, pid, "1"}), false},
      {"the earlier host/pid/start form", id({host, pid, "1"}), false},
      {"not a pid", id({host, boot, ns, "notapid", "5"}), false},
      {"empty", "", false},
      {"garbage", "garbage", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ProcessIsGone(c.identity), c.gone) << c.name << ": " << c.identity;
  }
}

}  // namespace
}  // namespace ionos

// Which process did something, in a form that outlives the process: used to
// tell the DNS records of a provider process that was killed (SIGKILL, OOM,
// a crashed CI runner) from those of one still running.
#pragma once

#include <string>

namespace ionos {

// "<hostname>/<pid>/<start time in clock ticks since boot>" of this process.
std::string ProcessIdentity();

// True only when `identity` names a process on this host that is certainly
// gone (no such pid, or the pid now belongs to a process started at another
// time). Identities from other hosts, or malformed ones, are never "gone".
bool ProcessIsGone(const std::string& identity);

}  // namespace ionos

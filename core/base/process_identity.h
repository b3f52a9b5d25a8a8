// Which process did something, in a form that outlives the process: used to
// tell the DNS records of a provider process that was killed (SIGKILL, OOM,
// a crashed CI runner) from those of one still running.
#pragma once

#include <string>

namespace ionos {

// "<hostname>/<boot id>/<pid namespace>/<pid>/<start time in clock ticks since boot>" of this
// process. The boot id (/proc/sys/kernel/random/boot_id) and the PID namespace (the inode of
// /proc/self/ns/pid) make the pid meaningful: containers often share a hostname while each has
// its own PID namespace, and a rebooted host reuses pids.
std::string ProcessIdentity();

// True only when `identity` names a process that this process can see and that is certainly
// gone: same host name, same boot, same PID namespace, and no such pid (or the pid now belongs
// to a process started at another time). Identities from other hosts, boots or PID namespaces,
// those of the earlier "<host>/<pid>/<start>" form (which cannot tell containers apart) and
// malformed ones are never "gone": only their age makes them leftovers.
bool ProcessIsGone(const std::string& identity);

}  // namespace ionos

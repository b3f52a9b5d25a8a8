"""BIND 9 (Debian bind9) as a real authoritative DNS server for the end-to-end tests, and the
private network the default propagation path is tested in.

Bind             named on loopback, primary for the test zones (SOA, NS records naming host names
                 it also serves with an A record, dynamic updates signed with a TSIG key allowed
                 for TXT records), started with `named -g` in a temporary directory and removed
                 with it. dig (bind9-dnsutils) reads what it serves.
PrivateNetwork   moves this test process into a new network namespace (its own loopback, nothing
                 else) and a new mount namespace whose /etc/resolv.conf names 127.0.0.1, so BIND can
                 listen on 127.0.0.1:53 and the zones' name server host names resolve through the
                 system resolver (getaddrinfo) to it, the way they resolve for real users. Needs
                 root (CAP_SYS_ADMIN); nothing outside the namespaces changes.
AuthoritativeEnv BIND + Pebble validating against it + the DNS API emulator publishing into it by
                 RFC 2136, its zones naming BIND's host names as their name servers.

Why a private network: without `dns_resolvers` the provider asks port 53 of the addresses the zone's
name server host names resolve to through the system resolver, exactly what it does for real users.
A test can only meet that by a DNS server on port 53 of an address those names resolve to; in a
network namespace of its own, 127.0.0.1:53 is free whatever the machine runs, a parallel test job
cannot collide with it, and the provider, Pebble and BIND cannot send a packet beyond loopback.
"""

import base64
import ctypes
import fcntl
import os
import pwd
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

import harness

NAMESERVERS = ["ns1.nameservers.test", "ns2.nameservers.test"]
TSIG_KEY_NAME = "emulator-key"


def free_udp_tcp_port():
    """A loopback port free for both UDP and TCP (a DNS server needs both)."""
    for _ in range(50):
        port = harness.free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free UDP+TCP port on 127.0.0.1")


def _parent(name):
    return name.split(".", 1)[1]


def _in_zone(name, zone):
    return name == zone or name.endswith("." + zone)


def parse_txt_rdata(rdata):
    """The value of one TXT record as dig prints it ("a" "b" -> "ab"; \\DDD and \\X escapes)."""
    value = ""
    for chunk in re.findall(r'"((?:[^"\\]|\\.)*)"', rdata):
        value += re.sub(r"\\(\d{3}|.)", lambda m: chr(int(m.group(1))) if m.group(1).isdigit() else m.group(1),
                        chunk)
    return value


class Bind:
    """named on 127.0.0.1, primary for `zones`.

    Every zone has NS records for `nameservers` (host names); a name server host name inside one of
    the zones gets its A record there, the others get a zone of their own (their parent domain, e.g.
    nameservers.test for ns1.nameservers.test), so every NS name resolves to `address` at this
    server. Dynamic updates (RFC 2136) of TXT records are allowed with the TSIG key `tsig_spec`
    (`nsupdate -y` syntax); zone transfers to loopback, so a test can list a whole zone.

    `port` None picks a free one. As root, named drops to the `bind` user like Debian's service
    (`-u bind`; it also runs as root without -u, but need not). The working directory is made under
    /var/cache/bind when that is writable, because Debian's AppArmor profile for /usr/sbin/named
    lets it read and write there and not under /tmp.
    """

    def __init__(self, zones, nameservers=NAMESERVERS, port=None, address="127.0.0.1"):
        self.zones = [z.lower().rstrip(".") for z in zones]
        self.nameservers = [n.lower().rstrip(".") for n in nameservers]
        self.port = port
        self.address_ip = address
        self.proc = None
        self.dir = None
        self.tsig_secret = base64.b64encode(os.urandom(32)).decode()
        self.tsig_spec = "hmac-sha256:%s:%s" % (TSIG_KEY_NAME, self.tsig_secret)

    @property
    def address(self):
        return "%s:%d" % (self.address_ip, self.port)

    # ---- configuration

    def _served_zones(self):
        """Zone name -> extra records ("name TTL IN A address" lines, relative names)."""
        served = {z: [] for z in self.zones}
        for ns in self.nameservers:
            home = max((z for z in served if _in_zone(ns, z)), key=len, default=None)
            if home is None:
                home = _parent(ns)
                served[home] = []
            served[home].append("%s. 60 IN A %s" % (ns, self.address_ip))
        return served

    def _write_config(self):
        served = self._served_zones()
        primary_ns = self.nameservers[0]
        zone_stanzas = []
        for zone, extra in served.items():
            lines = ["$TTL 60",
                     "@ IN SOA %s. hostmaster.%s. 1 3600 600 86400 60" % (primary_ns, zone)]
            lines += ["@ IN NS %s." % ns for ns in self.nameservers]
            lines += extra
            path = os.path.join(self.dir, zone + ".zone")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            policy = ""
            if zone in self.zones:
                policy = " update-policy { grant %s zonesub TXT; };" % TSIG_KEY_NAME
            zone_stanzas.append('zone "%s" { type primary; file "%s";%s };' % (zone, path, policy))
        conf = """\
key "%(key)s" {
  algorithm hmac-sha256;
  secret "%(secret)s";
};
options {
  directory "%(dir)s";
  pid-file none;
  session-keyfile "%(dir)s/session.key";
  managed-keys-directory "%(dir)s";
  listen-on port %(port)d { %(ip)s; };
  listen-on-v6 { none; };
  recursion no;
  allow-transfer { 127.0.0.1; };
  notify no;
  dnssec-validation no;
  querylog yes;
};
controls { };
%(zones)s
""" % {"key": TSIG_KEY_NAME, "secret": self.tsig_secret, "dir": self.dir, "port": self.port,
       "ip": self.address_ip, "zones": "\n".join(zone_stanzas)}
        self.conf_path = os.path.join(self.dir, "named.conf")
        with open(self.conf_path, "w") as f:
            f.write(conf)

    @staticmethod
    def _parent_dir():
        cache = "/var/cache/bind"
        if os.path.isdir(cache) and os.access(cache, os.W_OK):
            return cache
        return None

    # ---- life cycle

    def start(self):
        if shutil.which("named") is None:
            raise RuntimeError("named is not installed (Debian package bind9; scripts/install-deps)")
        if self.port is None:
            self.port = free_udp_tcp_port()
        self.dir = tempfile.mkdtemp(prefix="e2e-bind-", dir=self._parent_dir())
        self._write_config()
        args = ["named", "-g", "-4", "-n", "1", "-c", self.conf_path]
        if os.geteuid() == 0:
            try:
                bind_user = pwd.getpwnam("bind")
            except KeyError:
                bind_user = None
            if bind_user:
                for root, dirs, files in os.walk(self.dir):
                    for name in [root] + [os.path.join(root, f) for f in files]:
                        os.chown(name, bind_user.pw_uid, bind_user.pw_gid)
                args += ["-u", "bind"]
        self.log_path = os.path.join(self.dir, "named.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                problem = "named exited (%d):\n%s" % (self.proc.returncode, self.log_text())
                break
            if "running" in self.log_text() and all(self.dig(z, "SOA") for z in self.zones):
                return self
            time.sleep(0.05)
        else:
            problem = "named did not come up:\n" + self.log_text()
        self.stop()
        raise RuntimeError(problem)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    # ---- reading what it serves

    def dig(self, name, rrtype, *options):
        """The answer section as lines, asking this server only (no recursion)."""
        proc = subprocess.run(["dig", "@" + self.address_ip, "-p", str(self.port), "+norecurse", "+noall",
                               "+answer", "+time=2", "+tries=1"] + list(options) + [name, rrtype],
                              capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            return []
        return [l for l in proc.stdout.splitlines() if l.strip() and not l.startswith(";")]

    def records(self, zone):
        """Every record of `zone` by zone transfer: (owner without dot, type, rdata)."""
        out = []
        for line in self.dig(zone, "AXFR"):
            owner, _ttl, _class, rrtype, rdata = line.split(None, 4)
            out.append((owner.rstrip(".").lower(), rrtype, rdata))
        return out

    def txt(self, name):
        return sorted(parse_txt_rdata(line.split(None, 4)[4]) for line in self.dig(name, "TXT")
                      if line.split(None, 4)[3] == "TXT")

    def acme_challenge_records(self):
        """Every _acme-challenge TXT record in the test zones: [(owner, value)]."""
        return [(owner, parse_txt_rdata(rdata)) for zone in self.zones for owner, rrtype, rdata in self.records(zone)
                if rrtype == "TXT" and owner.startswith("_acme-challenge.")]


class PrivateNetwork:
    """A network namespace and a mount namespace for this process and everything it starts.

    enter(): unshare(CLONE_NEWNET | CLONE_NEWNS), mounts made private (nothing propagates back),
    loopback brought up, and bind mounts over /etc/resolv.conf ("nameserver 127.0.0.1"), /etc/hosts
    (localhost only) and /etc/nsswitch.conf (the machine's, with "hosts: files dns"), so host names
    are resolved by the DNS server the test runs on 127.0.0.1:53 and by nothing else (an nscd socket
    is hidden too). leave(): back into the original namespaces (the private ones vanish with their
    last process). The process must be single-threaded (a kernel rule for mount namespaces).
    """

    CLONE_NEWNS = 0x00020000
    CLONE_NEWNET = 0x40000000
    MS_BIND = 4096
    MS_REC = 16384
    MS_PRIVATE = 1 << 18

    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.saved = []
        self.dir = None
        self.inside = False

    @staticmethod
    def unavailable_reason():
        """Why enter() cannot work here, or None."""
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            return "needs root for private network and mount namespaces (CI runs as root)"
        if threading.active_count() != 1:
            return "the test process runs threads; a mount namespace needs a single-threaded process"
        if not os.path.exists("/proc/self/ns/net"):
            return "no /proc/self/ns/net: this kernel has no network namespaces"
        return None

    def _check(self, rc, what):
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, "%s: %s" % (what, os.strerror(err)))

    def _bind_mount(self, source, target):
        self._check(self.libc.mount(source.encode(), target.encode(), None, self.MS_BIND, None),
                    "bind-mounting %s over %s" % (source, target))

    def _loopback_up(self):
        # SIOCGIFFLAGS / SIOCSIFFLAGS on "lo" (struct ifreq: 16-byte name, flags, padding to 40 bytes).
        # `ip link set lo up` (iproute2) is the fallback where the ioctl is not supported.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                ifreq = fcntl.ioctl(s, 0x8913, struct.pack("16sh22x", b"lo", 0))
                flags = struct.unpack("16sh22x", ifreq)[1]
                fcntl.ioctl(s, 0x8914, struct.pack("16sh22x", b"lo", flags | 0x1))
                return
            except OSError:
                if shutil.which("ip") is None:
                    raise
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

    def enter(self):
        reason = self.unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        self.cwd = os.getcwd()
        self.saved = [os.open("/proc/self/ns/net", os.O_RDONLY), os.open("/proc/self/ns/mnt", os.O_RDONLY)]
        self.dir = tempfile.mkdtemp(prefix="e2e-netns-")
        try:
            self._check(self.libc.unshare(self.CLONE_NEWNET | self.CLONE_NEWNS), "unshare(CLONE_NEWNET|CLONE_NEWNS)")
            self.inside = True
            self._check(self.libc.mount(b"none", b"/", None, self.MS_REC | self.MS_PRIVATE, None),
                        "making the mounts private")
            self._loopback_up()
            files = {
                "resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n",
                "hosts": "127.0.0.1 localhost\n",
            }
            with open("/etc/nsswitch.conf") as f:
                nsswitch = f.read()
            if re.search(r"(?m)^hosts:", nsswitch):
                nsswitch = re.sub(r"(?m)^hosts:.*$", "hosts: files dns", nsswitch)
            else:
                nsswitch += "\nhosts: files dns\n"
            files["nsswitch.conf"] = nsswitch
            for name, content in files.items():
                path = os.path.join(self.dir, name)
                with open(path, "w") as f:
                    f.write(content)
                os.chmod(path, 0o644)
                self._bind_mount(path, os.path.join("/etc", name))
            if os.path.exists("/run/nscd/socket"):
                empty = os.path.join(self.dir, "nscd")
                os.mkdir(empty)
                self._bind_mount(empty, "/run/nscd")
        except BaseException:
            self.leave()
            raise
        return self

    def leave(self):
        if self.saved:
            net, mnt = self.saved
            if self.inside:
                # setns() into a mount namespace resets the working directory to its root.
                self._check(self.libc.setns(net, self.CLONE_NEWNET), "setns(network)")
                self._check(self.libc.setns(mnt, self.CLONE_NEWNS), "setns(mount)")
                self.inside = False
                os.chdir(self.cwd)
            os.close(net)
            os.close(mnt)
            self.saved = []
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class AuthoritativeEnv:
    """BIND on `bind_port` (53 inside a PrivateNetwork), Pebble validating DNS-01 against it, and the
    DNS API emulator publishing TXT records into it by RFC 2136 with zones whose metadata names
    BIND's host names as their name servers."""

    def __init__(self, zones, nameservers=NAMESERVERS, bind_port=53):
        self.zones = zones
        self.nameservers = nameservers
        self.bind_port = bind_port

    def start(self):
        self.bind = Bind(self.zones, self.nameservers, port=self.bind_port).start()
        self.pebble = harness.Pebble(dns_server=self.bind.address).start()
        self.dns = harness.DnsEmulator(self.zones, rfc2136=self.bind, nameservers=self.nameservers).start()
        return self

    def provider_block(self, ws, extra=""):
        """No dns_resolvers: the provider asks the zones' authoritative name servers."""
        settings = ['  token = "%s"' % harness.DNS_TOKEN, '  dns_api_url = "%s"' % self.dns.url]
        if extra:
            settings.append(extra)
        return harness.provider_block(self.pebble, ws.store_path, "\n".join(settings))

    def stop(self):
        for part in ("dns", "pebble", "bind"):
            p = getattr(self, part, None)
            if p:
                p.stop()

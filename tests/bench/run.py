#!/usr/bin/env python3
"""Benchmarks B1-B8 of terraform-provider-ionos, each against its peer, in one run.

    python3 tests/bench/run.py [--provider PATH] [--emulator PATH] [--quick] [--json FILE]
                               [--only b1,b2,b3,b5,b6,b7,b8] [--b7-count N] [--plans N] [--tf-log DIR] [--keep]

Starts one IssuanceEnv from tests/e2e/harness.py on 127.0.0.1: pebble-challtestsrv (the DNS server),
Pebble (PEBBLE_VA_NOSLEEP=1) validating DNS-01 against it, and the IONOS Cloud DNS API emulator
publishing TXT records into it. Then:

  B1  issuance: wall time of one `terraform apply -auto-approve -parallelism=10` adding 10 single-name
      ecdsa256 ionos_auto_certificate resources (the account is applied before, untimed), against 10
      parallel `lego run` processes (Debian's lego, ec256, --dns exec writing into challtestsrv through
      tests/bench/lego_exec_challtestsrv.py, account registered before, untimed) for 10 other names.
  B2  refresh: median wall time of `terraform plan` over 200 auto certificates in state, against 200
      terraform_data resources (input = a string); and the peak RSS (VmHWM) of the plugin processes
      during those plans. Two references without a target show what bounds the ratio: the same plan
      with -refresh=false, and 200 terraform_data resources whose state is as large as the
      certificates' (--no-b2-reference skips them).
  B3  start-up: exec to handshake line, median of 20 runs (tests/bench/startup.py).
  B4  ACME requests per certificate in B1, counted in Pebble's log, provider and lego.
  B5  scaling: the provider's B1 at 1, 10 and 50 certificates; time per certificate must fall.
  B6  team store: median wall time of `terraform plan` over the same 200 auto certificates with the
      store in PostgreSQL (tests/e2e/postgres.py starts one on 127.0.0.1) against the store in SQLite,
      alternating, and the database round trips per resource of the plan, counted by the server itself.
  B7  scale: one configuration with --b7-count (default 1000) auto certificates of one account over
      three zones, the DNS API emulator answering PROVISIONING for 0.3 s after each write: wall time
      of apply and destroy, `terraform plan` against terraform_data of the same state bytes (B2's
      reference), peak RSS of the plugin against the same at a tenth of the size, ACME (Pebble's log)
      and DNS API (the emulator's counts) requests per certificate, and the plugin's share of each
      phase (time with at least one RPC in flight, written by the plugin at exit).

  B8  publishing: wall time of one `terraform apply -parallelism=10` adding 10
      auto certificates with `publish = true` (each uploaded to the Certificate Manager API emulator
      that the DNS emulator process serves) next to 10 without, alternating, two rounds; and the
      Certificate Manager API requests per published certificate in the apply and in the destroy,
      counted by the emulator. Not in the default --only.

The two sides of B1 run one after the other (never at the same time) against the same Pebble and DNS
server, so the request counts of B4 can be told apart in Pebble's log.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import postgres  # noqa: E402
import startup  # noqa: E402

ZONES = ["bench.example", "peer.example"]  # provider names / lego names
LEGO_EXEC = os.path.join(HERE, "lego_exec_challtestsrv.py")
ACME_REQUEST = re.compile(r"\b(GET|HEAD|POST) (/\S*) -> calling handler\(\)")

TARGETS = {"b1_ratio": 0.2, "b2_ratio": 1.3, "b3_ms": 10.0, "rss_mb": 25.0, "b4_requests": 7.5, "b6_ratio": 1.2,
           "b7_apply_s": 60.0, "b7_destroy_s": 30.0, "b7_plan_ratio": 1.5, "b7_rss_growth": 1.25}


def log(msg):
    print("  .. %s" % msg, file=sys.stderr, flush=True)


def machine():
    model, mhz = "unknown", None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":", 1)[1])
    if mhz:
        model += " @ %.0f MHz" % mhz
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu": model, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "loadavg": os.getloadavg()}


def tool_version(args):
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return "unknown (%s)" % e


# --------------------------------------------------------------------------------------------------
# Pebble's log: one "<METHOD> <path> -> calling handler()" line per ACME HTTP request.

class PebbleLog:
    def __init__(self, path):
        self.path = path

    def mark(self):
        return os.path.getsize(self.path)

    def requests_since(self, offset, until=None):
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read() if until is None else f.read(until - offset)
        counts = {}
        for m in ACME_REQUEST.finditer(data.decode(errors="replace")):
            path = m.group(2)
            # /authZ/<id>, /my-order/<id>, ... -> /authZ/
            key = "%s %s" % (m.group(1), "/" + path.strip("/").split("/")[0] + ("/" if path.count("/") > 1 else ""))
            counts[key] = counts.get(key, 0) + 1
        return counts


# --------------------------------------------------------------------------------------------------
# Peak RSS of the plugin processes: every 2 ms, the children of the running terraform process
# (from /proc/<pid>/task/*/children) whose executable is the provider; their VmHWM (the kernel's
# own high-water mark of resident memory) is read and the largest value kept. Because VmHWM is a
# high-water mark, a peak between two samples is not lost; only growth in the last ~2 ms before a
# process exits could be.

class RssSampler:
    def __init__(self, parent_pid, binary, interval=0.002):
        self.parent_pid = parent_pid
        self.binary = os.path.realpath(binary)
        self.interval = interval
        self.peak_kb = 0
        self.pids = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _children(self):
        out = []
        try:
            for tid in os.listdir("/proc/%d/task" % self.parent_pid):
                with open("/proc/%d/task/%s/children" % (self.parent_pid, tid)) as f:
                    out += [int(p) for p in f.read().split()]
        except OSError:
            pass
        return out

    def _run(self):
        exe_of = {}
        while not self._stop.is_set():
            for pid in self._children():
                if pid not in exe_of:
                    # Not cached until it matches: between fork and exec the child is still terraform.
                    try:
                        if os.path.realpath("/proc/%d/exe" % pid) != self.binary:
                            continue
                    except OSError:
                        continue
                    exe_of[pid] = self.binary
                try:
                    with open("/proc/%d/status" % pid) as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                kb = int(line.split()[1])
                                self.pids.add(pid)
                                self.samples += 1
                                self.peak_kb = max(self.peak_kb, kb)
                                break
                except OSError:
                    pass
            time.sleep(self.interval)


# --------------------------------------------------------------------------------------------------
# Terraform working directories.

def account_tf(env):
    return '''
resource "ionos_certificate_provider" "acme" {
  name   = "bench"
  email  = "bench@example.com"
  server = "%s"
}
''' % env.pebble.directory_url


def certs_tf(names, extra=""):
    out = []
    for i, name in enumerate(names):
        out.append('''
resource "ionos_auto_certificate" "c%d" {
  provider_id   = ionos_certificate_provider.acme.id
  name          = "%s"
  common_name   = "%s"
  key_algorithm = "ecdsa256"
%s}
''' % (i, name, name, extra))
    return "".join(out)


def b8_publish(env, rounds=2):
    """B8: 10 published certificates against 10 unpublished ones, `rounds` times each, alternating."""
    out = {"published_s": [], "unpublished_s": [], "apply_requests": {}, "destroy_requests": {}}
    for r in range(rounds):
        for publish in (False, True):
            wd = ProviderWorkdir(env)
            try:
                names = ["b8-%d-%s%d.%s" % (r, "p" if publish else "u", i, ZONES[0]) for i in range(10)]
                wd.ws.write(wd.head + certs_tf(names, "  publish = true\n" if publish else ""))
                before = env.dns.cm_requests()
                secs, proc, _ = wd.run("apply", "-auto-approve", "-no-color", "-parallelism=10")
                if proc.returncode != 0:
                    raise RuntimeError("B8 apply failed:\n%s\n%s" % (proc.stdout_text, proc.stderr_text))
                after = env.dns.cm_requests()
                wd.ws.tf("destroy", "-auto-approve", "-no-color")
                gone = env.dns.cm_requests()
            finally:
                wd.cleanup()
            out["published_s" if publish else "unpublished_s"].append(secs)
            log("B8 round %d, %s: %.2f s" % (r + 1, "published" if publish else "unpublished", secs))
            if publish:
                for key, counts, base in (("apply_requests", after, before), ("destroy_requests", gone, after)):
                    for kind, n in counts.items():
                        d = n - base.get(kind, 0)
                        if d:
                            out[key][kind] = out[key].get(kind, 0) + d
            elif after != before:
                raise RuntimeError("B8: unpublished certificates sent Certificate Manager requests: %r" % after)
    copies = len(env.dns.cm_copies())
    if copies:
        raise RuntimeError("B8: %d copies left after destroy" % copies)
    n = 10 * rounds
    out["certificates"] = n
    out["apply_per_cert"] = sum(out["apply_requests"].values()) / n
    out["destroy_per_cert"] = sum(out["destroy_requests"].values()) / n
    out["ratio"] = statistics.median(out["published_s"]) / statistics.median(out["unpublished_s"])
    return out


class ProviderWorkdir:
    """A Workdir with the account applied (untimed)."""

    def __init__(self, env, tf_log_path=None, extra_env=None):
        extra = dict(extra_env or {})
        if tf_log_path:
            extra.update({"TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": tf_log_path})
        self.ws = harness.Workdir(extra_env=extra)
        self.env = env
        self.head = env.provider_block(self.ws) + account_tf(env)
        self.ws.write(self.head)
        try:
            self.ws.apply()
        except BaseException:
            self.ws.cleanup()
            raise

    def set_certs(self, names):
        self.ws.write(self.head + certs_tf(names))

    def run(self, *args, sampler_binary=None):
        """terraform <args>; returns (seconds, proc, sampler)."""
        full = ["terraform"] + list(args)
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=self.ws.dir, env=self.ws.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        sampler = None
        if sampler_binary:
            sampler = RssSampler(proc.pid, sampler_binary)
            with sampler:
                out, err = proc.communicate(timeout=1800)
        else:
            out, err = proc.communicate(timeout=1800)
        elapsed = time.perf_counter() - t0
        proc.stdout_text, proc.stderr_text = out, err
        return elapsed, proc, sampler

    def cleanup(self):
        self.ws.cleanup()


def check(proc, what, ok_codes=(0,)):
    if proc.returncode not in ok_codes:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (what, proc.returncode, proc.stdout_text[-3000:],
                                                        proc.stderr_text[-3000:]))


def provider_batch(env, plog, names, tf_log_path=None, keep=False):
    """Issue `names` in one timed apply in a fresh workdir (account applied untimed)."""
    wd = ProviderWorkdir(env, tf_log_path)
    try:
        wd.set_certs(names)
        mark = plog.mark()
        secs, proc, _ = wd.run("apply", "-auto-approve", "-no-color", "-parallelism=10")
        counts = plog.requests_since(mark)
        check(proc, "terraform apply of %d certificates" % len(names))
        issued = [a for a in wd.ws.resources("ionos_auto_certificate") if a.get("certificate_pem")]
        if len(issued) != len(names):
            raise RuntimeError("expected %d certificates in state, found %d" % (len(names), len(issued)))
        return secs, counts
    finally:
        if keep:
            log("kept workdir %s" % wd.ws.dir)
        else:
            wd.cleanup()


# --------------------------------------------------------------------------------------------------
# lego side of B1.

def lego_env(env):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("EXEC_", "LEGO_"))}
    e.update({"EXEC_PATH": LEGO_EXEC, "CHALLTESTSRV_URL": env.chall.management_url,
              "LEGO_CA_CERTIFICATES": os.path.join(env.pebble.dir, "localhost.pem")})
    return e


def lego_args(env, path, name):
    # --dns.disable-cp: pebble-challtestsrv answers no SOA/NS queries (NOTIMP), so lego's default
    # "complete propagation" check (find the zone's SOA, then ask its NS) can never succeed there; with
    # it lego asks only --dns.resolvers for the TXT record, which is what the provider does with
    # dns_resolvers. Everything else (EXEC_PROPAGATION_TIMEOUT, EXEC_POLLING_INTERVAL, the authorization
    # polling) is lego's default.
    return ["lego", "--path", path, "--accept-tos", "--email", "bench@example.com",
            "--server", env.pebble.directory_url, "--key-type", "ec256", "--dns", "exec", "--dns.disable-cp",
            "--dns.resolvers", env.chall.dns_address, "-d", name, "run"]


def lego_batch(env, plog, names, workdir):
    e = lego_env(env)
    # Register the account once (untimed, with a certificate for a warm-up name), then give every
    # process a copy of it, so the timed runs only order certificates, as the provider's apply does.
    base = os.path.join(workdir, "lego-account")
    proc = subprocess.run(lego_args(env, base, "warm-up." + ZONES[1]), env=e, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode != 0:
        raise RuntimeError("lego registration run failed:\n" + proc.stdout + proc.stderr)
    paths = []
    for i, _ in enumerate(names):
        p = os.path.join(workdir, "lego-%d" % i)
        shutil.copytree(os.path.join(base, "accounts"), os.path.join(p, "accounts"))
        paths.append(p)
    mark = plog.mark()
    t0 = time.perf_counter()
    procs = [subprocess.Popen(lego_args(env, p, n), env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for p, n in zip(paths, names)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    secs = time.perf_counter() - t0
    counts = plog.requests_since(mark)
    for p, n, out in zip(procs, names, outs):
        if p.returncode != 0 or not os.path.exists(os.path.join(paths[names.index(n)], "certificates", n + ".crt")):
            raise RuntimeError("lego for %s failed (%d):\n%s" % (n, p.returncode, out[-3000:]))
        if "Registering account" in out:
            raise RuntimeError("lego registered an account in the timed run:\n" + out[-2000:])
    return secs, counts


# --------------------------------------------------------------------------------------------------
# B2.

def terraform_data_workdir(count, input_of=None):
    """`count` terraform_data resources, applied. input_of(i) gives the HCL of each input (default a string)."""
    ws = harness.Workdir()
    input_of = input_of or (lambda i: '"value-%d"' % i)
    body = "".join('resource "terraform_data" "d%d" {\n  input = %s\n}\n' % (i, input_of(i)) for i in range(count))
    ws.write(body)
    ws.tf("init", "-no-color", "-input=false")
    t0 = time.perf_counter()
    ws.apply("-parallelism=10")
    ws.apply_s = time.perf_counter() - t0
    return ws


def same_size_terraform_data(wd, count):
    """`count` terraform_data resources, applied, whose state file is as large as `wd`'s: each input
    (a certificate from that state, made unique, and a padding string) is stored twice, as input and
    output; the padding's length comes from two calibration applies of one and two resources (the
    state grows by a fixed amount per resource plus twice the padding)."""
    cert = wd.ws.resources("ionos_auto_certificate")[0]["certificate_pem"]
    target = os.path.getsize(os.path.join(wd.ws.dir, "terraform.tfstate"))

    def input_of(pad):
        return lambda i: "{\n    certificate_pem = %s\n    pad = \"%s\"\n  }" % (
            json.dumps(cert.replace("-----END CERTIFICATE-----", "-----END CERTIFICATE----- %d" % i, 1)), "x" * pad)

    sizes = []
    for n in (1, 2):
        ws = terraform_data_workdir(n, input_of(0))
        sizes.append(os.path.getsize(os.path.join(ws.dir, "terraform.tfstate")))
        ws.cleanup()
    per_resource = sizes[1] - sizes[0]
    fixed = sizes[0] - per_resource
    pad = max(0, int(((target - fixed) / count - per_resource) / 2))
    return terraform_data_workdir(count, input_of(pad))


def timed_plans(cwd, env, runs, sampler_binary=None, extra=()):
    times, peaks, pids, samples = [], [], 0, 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(["terraform", "plan", "-no-color", "-detailed-exitcode"] + list(extra), cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if sampler_binary:
            with RssSampler(proc.pid, sampler_binary) as s:
                out, err = proc.communicate(timeout=600)
            peaks.append(s.peak_kb)
            pids += len(s.pids)
            samples += s.samples
        else:
            out, err = proc.communicate(timeout=600)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError("terraform plan did not report 'no changes' (exit %d):\n%s\n%s" %
                               (proc.returncode, out[-3000:], err[-3000:]))
    return times, peaks, pids, samples


WAIT4_WRAPPER = r'''#!/usr/bin/env python3
# Cross-check of the RSS sampler: runs the real plugin as a child and records its ru_maxrss (wait4).
import os, signal, sys
real, out = %r, %r
pid = os.fork()
if pid == 0:
    os.execv(real, [real] + sys.argv[1:])
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, lambda n, f: os.kill(pid, n))
os.close(0); os.close(1)
while True:
    try:
        _, status, ru = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
with open(out, "a") as f:
    f.write("%%d\n" %% ru.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else 0)
'''


def wait4_cross_check(wd, binary):
    """One extra (untimed) plan with the plugin behind a fork/wait4 wrapper: ru_maxrss per process."""
    d = tempfile.mkdtemp(prefix="bench-wrap-")
    out = os.path.join(d, "maxrss")
    wrapper = os.path.join(d, "terraform-provider-ionos")
    with open(wrapper, "w") as f:
        f.write(WAIT4_WRAPPER % (os.path.realpath(binary), out))
    os.chmod(wrapper, 0o755)
    link = os.path.join(wd.ws.plugin_dir, "terraform-provider-ionos")
    os.unlink(link)
    os.symlink(wrapper, link)
    try:
        proc = subprocess.run(["terraform", "plan", "-no-color"], cwd=wd.ws.dir, env=wd.ws.env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError("wrapped plan failed:\n" + proc.stderr[-2000:])
        time.sleep(0.5)
        with open(out) as f:
            values = [int(x) for x in f.read().split()]
        return values
    finally:
        os.unlink(link)
        os.symlink(harness.PROVIDER_BINARY, link)
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# B6: the same plan with the store in PostgreSQL and in SQLite.
#
# Round trips are counted by the PostgreSQL server, not by the provider: for one extra (untimed) plan
# the server logs every statement it receives (log_statement = all) and every connection
# (log_connections = on), set with ALTER SYSTEM and pg_reload_conf() and reset afterwards, so the timed
# plans run without that logging. The store sends each statement as one PQexecParams/PQexec call and
# waits for its answer, so one logged statement is one network round trip; opening a connection
# costs a few more (TCP, startup, SCRAM authentication), reported separately as connections. The
# figure is the plan's statements divided by its managed resources: one ReadResource and one
# PlanResourceChange each (the provider serves the plan from what the refresh read). A plan with
# -refresh=false (no ReadResource at all) is counted too, for comparison.

LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \S+ \S+ \[\d+\] db=")
LOG_STATEMENT = re.compile(r"^\S+ \S+ \S+ \[\d+\] db=(\S*) LOG:  (statement|execute [^:]*): (.*)$", re.S)
LOG_CONNECTION = re.compile(r"^\S+ \S+ \S+ \[\d+\] db=(\S*) LOG:  connection authorized")


def server_logging(pg, on):
    settings = {"log_statement": "'all'", "log_connections": "on", "log_line_prefix": "'%m [%p] db=%d '"}
    for name, value in settings.items():
        pg.psql("postgres", "ALTER SYSTEM %s" % ("SET %s = %s" % (name, value) if on else "RESET %s" % name))
    pg.psql("postgres", "SELECT pg_reload_conf()")
    time.sleep(0.3)  # the postmaster passes the reload on to new sessions


STORE_TABLES = ("schema_version", "accounts", "auto_certificates", "certificates", "pending_dns_records",
                "deleted_records", "renewal_info")


def statement_kind(sql):
    """"SELECT certificates", "SELECT auto_certificates+certificates" (a join), "BEGIN": the verb and
    the store tables the statement reads or writes, in order."""
    verb = (sql.split() or ["?"])[0].upper()
    tables = []
    for m in re.finditer(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+([A-Za-z_][A-Za-z_0-9]*)", sql, re.I):
        if m.group(1) in STORE_TABLES and m.group(1) not in tables:
            tables.append(m.group(1))
    if not tables:
        tables = re.findall(r"\b(ionos_[a-z_]+)\s*\(", sql)[:1]  # SELECT ionos_add_certificate(...)
    return ("%s %s" % (verb, "+".join(tables))).strip()


def counted_plan(pg, db, cwd, env, extra=()):
    """One plan with the server logging; (statements, connections, statements by kind)."""
    mark = len(pg.log())
    proc = subprocess.run(["terraform", "plan", "-no-color", "-detailed-exitcode"] + list(extra), cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("counted plan failed (%d):\n%s" % (proc.returncode, proc.stderr[-3000:]))
    time.sleep(0.3)
    # One entry per log_line_prefix; a statement's further lines carry no prefix.
    entries = []
    for line in pg.log()[mark:].splitlines():
        if LOG_PREFIX.match(line) or not entries:
            entries.append(line)
        else:
            entries[-1] += "\n" + line
    statements, connections, kinds = 0, 0, {}
    for entry in entries:
        m = LOG_STATEMENT.match(entry)
        if m and m.group(1) == db:
            statements += 1
            k = statement_kind(m.group(3))
            kinds[k] = kinds.get(k, 0) + 1
            continue
        m = LOG_CONNECTION.match(entry)
        if m and m.group(1) == db:
            connections += 1
    return statements, connections, kinds


def b6_team_store(env, binary, names, plans, sqlite_wd, cleanups):
    """The plan of `names` with the store in SQLite (sqlite_wd, applied) against the same state with
    the store copied into PostgreSQL (`store copy`): timings, alternating, and round trips."""
    pg = postgres.PostgresServer().start()
    cleanups.append(pg.close)
    db = pg.create_database("bench")
    # Loopback TCP without TLS: the store's own cost, not the cipher's (see the README).
    url = pg.url(db, sslmode="disable")
    proc = subprocess.run([binary, "store", "copy", "--from", "sqlite:" + sqlite_wd.ws.store_path, "--to", url],
                          capture_output=True, text=True, timeout=600, env=sqlite_wd.ws.env)
    if proc.returncode != 0:
        raise RuntimeError("store copy failed:\n" + proc.stdout + proc.stderr)
    pg_ws = harness.Workdir(extra_env={"IONOS_CERT_STORE": url})
    cleanups.append(pg_ws.cleanup)
    pg_ws.write(env.provider_block(pg_ws, store=False) + account_tf(env) + certs_tf(names))
    shutil.copy(os.path.join(sqlite_wd.ws.dir, "terraform.tfstate"), os.path.join(pg_ws.dir, "terraform.tfstate"))
    read_resources = len([r for r in pg_ws.state()["resources"] if r.get("mode") == "managed"])
    # One untimed plan each (page cache, the server's buffers), then alternate.
    timed_plans(sqlite_wd.ws.dir, sqlite_wd.ws.env, 1)
    timed_plans(pg_ws.dir, pg_ws.env, 1)
    s_times, p_times = [], []
    for _ in range(plans):
        p_times += timed_plans(pg_ws.dir, pg_ws.env, 1)[0]
        s_times += timed_plans(sqlite_wd.ws.dir, sqlite_wd.ws.env, 1)[0]
    server_logging(pg, True)
    try:
        full = counted_plan(pg, db, pg_ws.dir, pg_ws.env)
        no_refresh = counted_plan(pg, db, pg_ws.dir, pg_ws.env, ["-refresh=false"])
    finally:
        server_logging(pg, False)
    per_resource = {k: v / read_resources for k, v in full[2].items()}
    return {"resources": read_resources, "plans": plans, "postgres_s": statistics.median(p_times),
            "sqlite_s": statistics.median(s_times), "ratio": statistics.median(p_times) / statistics.median(s_times),
            "postgres_all_s": p_times, "sqlite_all_s": s_times,
            "plan_statements": full[0], "plan_connections": full[1], "plan_statements_by_kind": full[2],
            "no_refresh_statements": no_refresh[0], "no_refresh_connections": no_refresh[1],
            "no_refresh_statements_by_kind": no_refresh[2],
            "round_trips_per_resource": full[0] / read_resources,
            "round_trips_per_resource_by_kind": per_resource,
            "server": "PostgreSQL %s (%s), loopback TCP, sslmode=disable" % (
                os.path.basename(os.path.dirname(pg.bin_dir)), pg.bin_dir)}


# --------------------------------------------------------------------------------------------------
# B7: one configuration with many auto certificates (one account, names over three zones), the
# DNS API emulator answering PROVISIONING for B7_SETTLE_MS after each write as the real API does.
#
# Phases: apply (timed, RSS sampled), `terraform plan` at that size against terraform_data of the
# same state bytes (alternating), destroy (timed, RSS sampled), and the same apply and destroy at a
# tenth of the size for the RSS comparison (memory flat in N). Requests per certificate: ACME from
# Pebble's log (as B4), DNS API from the emulator's own counts. The plugin's share of each phase:
# each plugin process writes, at exit, the time during which at least one of its RPCs was in
# flight (IONOS_PROVIDER_RPC_TIMINGS, see plugin/rpc_timings.h); the rest of the wall time is
# Terraform's own (start-up, graph walk, state encoding and writes) and the plugin's start-up.

B7_ZONES = ["b7-a.example", "b7-b.example", "b7-c.example"]
B7_SETTLE_MS = 300


def dns_counts_since(env, before):
    now = env.dns.requests()
    return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0)}


def rpc_timings(path):
    """The per-process lines the plugin wrote to `path` (then emptied): busy seconds summed over
    processes, and seconds per RPC kind."""
    if not os.path.exists(path):
        return None
    busy, kinds, processes = 0.0, {}, 0
    with open(path) as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            processes += 1
            busy += j.get("busy_s", 0.0)
            for k, v in j.get("rpcs", {}).items():
                agg = kinds.setdefault(k, {"count": 0, "total_s": 0.0})
                agg["count"] += v.get("count", 0)
                agg["total_s"] += v.get("total_s", 0.0)
    os.unlink(path)
    return {"busy_s": busy, "processes": processes, "rpcs": kinds}


def b7_phase(wd, timings, binary, *args):
    secs, proc, sampler = wd.run(*args, sampler_binary=binary)
    check(proc, "B7 terraform %s" % args[0])
    return {"wall_s": secs, "peak_rss_mb": sampler.peak_kb / 1024.0, "plugin": rpc_timings(timings),
            "loadavg": os.getloadavg()}


def b7_run(env, plog, binary, names, scratch, with_plans=0, cleanups=None):
    timings = os.path.join(scratch, "rpc-timings-%d.jsonl" % len(names))
    wd = ProviderWorkdir(env, extra_env={"IONOS_PROVIDER_RPC_TIMINGS": timings})
    out = {"certificates": len(names)}
    try:
        rpc_timings(timings)  # the account's untimed apply
        wd.set_certs(names)
        mark, dns_before = plog.mark(), env.dns.requests()
        out["apply"] = b7_phase(wd, timings, binary, "apply", "-auto-approve", "-no-color")
        acme = plog.requests_since(mark)
        dns = dns_counts_since(env, dns_before)
        issued = [a for a in wd.ws.resources("ionos_auto_certificate") if a.get("certificate_pem")]
        if len(issued) != len(names):
            raise RuntimeError("B7: expected %d certificates in state, found %d" % (len(names), len(issued)))
        out["acme"] = split_counts(acme, len(names))
        out["dns"] = {"per_cert": sum(dns.values()) / len(names), "requests": dns}
        out["state_bytes"] = os.path.getsize(os.path.join(wd.ws.dir, "terraform.tfstate"))
        if with_plans:
            big_ws = same_size_terraform_data(wd, len(names))
            cleanups.append(big_ws.cleanup)
            timed_plans(wd.ws.dir, wd.ws.env, 1)
            rpc_timings(timings)
            timed_plans(big_ws.dir, big_ws.env, 1)
            p_times, d_times, peaks = [], [], []
            plugin = []
            for _ in range(with_plans):
                t, pk, _, _ = timed_plans(wd.ws.dir, wd.ws.env, 1, sampler_binary=binary)
                p_times += t
                peaks += pk
                plugin.append(rpc_timings(timings))
                d_times += timed_plans(big_ws.dir, big_ws.env, 1)[0]
            # Terraform's own floor for the other phases: the same-size terraform_data applied (above)
            # and destroyed.
            data_bytes = os.path.getsize(os.path.join(big_ws.dir, "terraform.tfstate"))
            t0 = time.perf_counter()
            proc = subprocess.run(["terraform", "destroy", "-auto-approve", "-no-color"], cwd=big_ws.dir,
                                  env=big_ws.env, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError("B7 terraform_data destroy failed:\n" + proc.stderr[-3000:])
            out["terraform_data_same_size"] = {"apply_s": big_ws.apply_s, "destroy_s": time.perf_counter() - t0}
            out["plan"] = {"plans": with_plans, "provider_s": statistics.median(p_times),
                           "terraform_data_s": statistics.median(d_times),
                           "ratio": statistics.median(p_times) / statistics.median(d_times),
                           "provider_all_s": p_times, "terraform_data_all_s": d_times,
                           "peak_rss_mb": max(peaks) / 1024.0, "plugin": plugin[len(plugin) // 2],
                           "terraform_data_state_bytes": data_bytes,
                           "loadavg": os.getloadavg()}
        mark, dns_before = plog.mark(), env.dns.requests()
        out["destroy"] = b7_phase(wd, timings, binary, "destroy", "-auto-approve", "-no-color")
        out["destroy"]["acme_requests"] = sum(plog.requests_since(mark).values())
        out["destroy"]["dns_requests"] = sum(dns_counts_since(env, dns_before).values())
        return out
    finally:
        wd.cleanup()


def b7_scale(env, plog, binary, count, plans, scratch, cleanups):
    env.dns.set_faults(provisioning_delay_ms=B7_SETTLE_MS)
    try:
        small = max(10, count // 10)
        log("B7: %d certificates over %s (settle %d ms): apply, %d plans each side, destroy" %
            (count, ", ".join(B7_ZONES), B7_SETTLE_MS, plans))
        big = b7_run(env, plog, binary, ["b7-%d.%s" % (i, B7_ZONES[i % 3]) for i in range(count)], scratch,
                     with_plans=plans, cleanups=cleanups)
        log("B7: apply %.1f s, plan %.2f s (terraform_data %.2f s), destroy %.1f s" % (
            big["apply"]["wall_s"], big["plan"]["provider_s"], big["plan"]["terraform_data_s"],
            big["destroy"]["wall_s"]))
        log("B7: %d certificates (memory reference): apply, destroy" % small)
        ref = b7_run(env, plog, binary, ["b7s-%d.%s" % (i, B7_ZONES[i % 3]) for i in range(small)], scratch)
        return {"big": big, "small": ref, "settle_ms": B7_SETTLE_MS, "zones": B7_ZONES}
    finally:
        env.dns.set_faults(provisioning_delay_ms=0)


# --------------------------------------------------------------------------------------------------
# B3.

def startup_times(binary, runs):
    base = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=startup.COOKIE, PLUGIN_PROTOCOL_VERSIONS="6,5")
    modes = {"automtls": dict(base, PLUGIN_CLIENT_CERT=startup.client_cert_pem()), "plaintext": base}
    startup.one_run(binary, base)  # warm the page cache
    out = {}
    for name, env in modes.items():
        if name == "automtls":
            # To the handshake line, and on to the end of the TLS handshake and a first RPC's answer.
            runs_of = [startup.one_run(binary, env, rpc=True) for _ in range(runs)]
            times = sorted(t[0] for t in runs_of)
            out["automtls_tls_handshake_ms"] = statistics.median(t[1] for t in runs_of)
            out["automtls_first_rpc_ms"] = statistics.median(t[2] for t in runs_of)
        else:
            times = sorted(startup.one_run(binary, env) for _ in range(runs))
        out[name] = {"median_ms": statistics.median(times), "min_ms": times[0], "max_ms": times[-1], "runs": runs}
    return out


# --------------------------------------------------------------------------------------------------

SESSION = ("GET /dir", "HEAD /nonce-plz", "POST /my-account/", "POST /sign-me-up")


def split_counts(counts, certs):
    session = sum(v for k, v in counts.items() if k in SESSION)
    total = sum(counts.values())
    # Pebble's paths: an authorization fetched (/authZ/) whose challenge was never answered (/chalZ/)
    # was handed out valid, reused from an earlier order (PEBBLE_AUTHZREUSE). Meaningful for the
    # provider, which fetches each authorization once; other clients may fetch them more often.
    return {"per_cert": total / certs, "order_flow_per_cert": (total - session) / certs,
            "session_per_cert": session / certs, "requests": counts,
            "authorizations_reused": max(0, counts.get("POST /authZ/", 0) - counts.get("POST /chalZ/", 0))}


def fmt_counts(counts):
    return ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--provider", default=harness.PROVIDER_BINARY,
                    help="the plugin (default: $IONOS_PROVIDER_BINARY, else build/terraform-provider-ionos)")
    ap.add_argument("--emulator", default=None, help="ionos-dns-emulator (default: <provider dir>/tests/...)")
    ap.add_argument("--quick", action="store_true", help="B2 and B6 with 50 resources and 3 plans, B5 at 1/10/20")
    ap.add_argument("--plans", type=int, default=None, help="plans per side in B2 and B6 (default 5, quick 3)")
    ap.add_argument("--only", default="b1,b2,b3,b5,b6,b7",
                    help="comma-separated subset of b1,b2,b3,b5,b6,b7,b8 (B4 comes with B1; B8 only when named)")
    ap.add_argument("--b7-count", type=int, default=1000, help="auto certificates in B7 (default 1000)")
    ap.add_argument("--no-b2-reference", action="store_true",
                    help="skip B2's reference plans (-refresh=false; terraform_data of the same state size)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    ap.add_argument("--tf-log", metavar="DIR", help="TF_LOG_PROVIDER=DEBUG logs of the B1 apply into DIR "
                    "(slows the provider; for investigation, not for figures)")
    ap.add_argument("--keep", action="store_true", help="keep the B1 workdir")
    args = ap.parse_args()
    only = set(x.strip().lower() for x in args.only.split(",") if x.strip())

    binary = os.path.abspath(args.provider)
    harness.PROVIDER_BINARY = binary
    harness.EMULATOR_BINARY = os.path.abspath(args.emulator) if args.emulator else os.path.join(
        os.path.dirname(binary), "tests", "ionos-dns-emulator")
    for path in (binary, harness.EMULATOR_BINARY):
        if not os.access(path, os.X_OK):
            sys.exit("missing %s (cmake --build build --target terraform-provider-ionos ionos-dns-emulator)" % path)
    if "b6" in only:
        try:
            postgres.find_bin_dir()
        except RuntimeError as e:
            sys.exit("B6 needs a PostgreSQL server: %s; or leave b6 out of --only" % e)
    b2_count = 50 if args.quick else 200
    plans = args.plans or (3 if args.quick else 5)
    b5_sizes = [1, 10, 20] if args.quick else [1, 10, 50]
    b2_names = ["b2-%d.%s" % (i, ZONES[0]) for i in range(b2_count)]
    b2_wd = None

    started = time.time()
    info = {"machine": machine(), "terraform": tool_version(["terraform", "version"]),
            "lego": tool_version(["dpkg-query", "-W", "-f", "${Version}", "lego"]),
            "pebble": tool_version(["dpkg-query", "-W", "-f", "${Version}", "pebble"]),
            "provider": binary, "quick": args.quick, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    results = {"info": info}
    scratch = tempfile.mkdtemp(prefix="bench-")
    env = None
    cleanups = []
    try:
        if only & {"b1", "b2", "b5", "b6", "b7", "b8"}:
            env = harness.IssuanceEnv(ZONES + B7_ZONES, certificate_manager="b8" in only).start()
            plog = PebbleLog(env.pebble.log_path)
        if "b1" in only or "b5" in only:
            # B1 + B4 ---------------------------------------------------------------------------
            log("B1 provider: 10 certificates, one apply -parallelism=10")
            tf_log = None
            if args.tf_log:
                os.makedirs(args.tf_log, exist_ok=True)
                tf_log = os.path.join(os.path.abspath(args.tf_log), "b1-apply.log")
            p_names = ["b1-%d.%s" % (i, ZONES[0]) for i in range(10)]
            p_secs, p_counts = provider_batch(env, plog, p_names, tf_log, keep=args.keep)
            log("B1 provider: %.2f s" % p_secs)
            results["b1"] = {"provider_s": p_secs, "certificates": 10}
            results["b4"] = {"provider": split_counts(p_counts, 10)}
        if "b1" in only:
            log("B1 lego: 10 parallel `lego run` (account registered first, untimed)")
            l_names = ["b1-%d.%s" % (i, ZONES[1]) for i in range(10)]
            l_secs, l_counts = lego_batch(env, plog, l_names, scratch)
            log("B1 lego: %.2f s" % l_secs)
            results["b1"].update({"lego_s": l_secs, "ratio": p_secs / l_secs, "lego_settings": LEGO_SETTINGS})
            results["b4"]["lego"] = split_counts(l_counts, 10)

        if "b5" in only:
            # B5 --------------------------------------------------------------------------------
            b5 = {10: p_secs}
            for n in b5_sizes:
                if n in b5:
                    continue
                log("B5 provider: %d certificates" % n)
                b5[n], _ = provider_batch(env, plog, ["b5-%d-%d.%s" % (n, i, ZONES[0]) for i in range(n)])
                log("B5 provider: %d certificates %.2f s" % (n, b5[n]))
            per = [b5[n] / n for n in b5_sizes]
            results["b5"] = {"sizes": b5_sizes, "wall_s": [b5[n] for n in b5_sizes], "per_cert_s": per,
                             "falls": all(b < a for a, b in zip(per, per[1:]))}

        if "b2" in only:
            # B2 (+ RSS) ------------------------------------------------------------------------
            log("B2: applying %d auto certificates (untimed)" % b2_count)
            wd = ProviderWorkdir(env)
            cleanups.append(wd.cleanup)
            wd.set_certs(b2_names)
            b2_wd = wd
            t_apply, proc, apply_sampler = wd.run("apply", "-auto-approve", "-no-color", "-parallelism=10",
                                                  sampler_binary=binary)
            check(proc, "B2 apply")
            log("B2: applied in %.1f s; timing %d plans each side" % (t_apply, plans))
            data_ws = terraform_data_workdir(b2_count)
            cleanups.append(data_ws.cleanup)
            # One untimed plan each to warm the page cache, then alternate the sides so that a change
            # of machine load hits both alike.
            timed_plans(wd.ws.dir, wd.ws.env, 1)
            timed_plans(data_ws.dir, data_ws.env, 1)
            p_times, d_times, peaks, pids, samples = [], [], [], 0, 0
            for _ in range(plans):
                t, pk, n, smp = timed_plans(wd.ws.dir, wd.ws.env, 1, sampler_binary=binary)
                p_times += t
                peaks += pk
                pids += n
                samples += smp
                t, _, _, _ = timed_plans(data_ws.dir, data_ws.env, 1)
                d_times += t
            wrapped = wait4_cross_check(wd, binary)
            # References that show what bounds the ratio (no target): the same plan without refresh (no
            # ReadResource), and terraform_data whose state carries as many bytes per resource as an
            # auto certificate's (its input, a certificate and chain from the state above, is stored
            # twice: input and output).
            ref = {}
            if not args.no_b2_reference:
                log("B2 references: -refresh=false, and terraform_data of the same state size")
                big_ws = same_size_terraform_data(wd, b2_count)
                cleanups.append(big_ws.cleanup)
                timed_plans(big_ws.dir, big_ws.env, 1)
                nr_times, big_times = [], []
                for _ in range(plans):
                    nr_times += timed_plans(wd.ws.dir, wd.ws.env, 1, extra=["-refresh=false"])[0]
                    big_times += timed_plans(big_ws.dir, big_ws.env, 1)[0]
                ref = {"provider_no_refresh_s": statistics.median(nr_times), "provider_no_refresh_all_s": nr_times,
                       "terraform_data_same_size_s": statistics.median(big_times),
                       "terraform_data_same_size_all_s": big_times,
                       "terraform_data_same_size_state_bytes": os.path.getsize(
                           os.path.join(big_ws.dir, "terraform.tfstate"))}
            state_sizes = [os.path.getsize(os.path.join(d, "terraform.tfstate")) for d in (wd.ws.dir, data_ws.dir)]
            results["b2"] = {"resources": b2_count, "plans": plans, "provider_s": statistics.median(p_times),
                             "terraform_data_s": statistics.median(d_times),
                             "ratio": statistics.median(p_times) / statistics.median(d_times),
                             "provider_all_s": p_times, "terraform_data_all_s": d_times,
                             "untimed_apply_s": t_apply, "state_bytes": {"provider": state_sizes[0],
                                                                          "terraform_data": state_sizes[1]},
                             "reference": ref}
            results["rss"] = {"peak_mb": max(peaks) / 1024.0, "per_plan_peak_mb": [p / 1024.0 for p in peaks],
                              "plugin_processes_seen": pids, "samples": samples, "method": RSS_METHOD,
                              "wait4_cross_check_mb": [v / 1024.0 for v in wrapped],
                              "b2_apply_peak_mb": apply_sampler.peak_kb / 1024.0}

        if "b6" in only:
            # B6 --------------------------------------------------------------------------------
            if b2_wd is None:
                log("B6: applying %d auto certificates with the SQLite store (untimed)" % b2_count)
                b2_wd = ProviderWorkdir(env)
                cleanups.append(b2_wd.cleanup)
                b2_wd.set_certs(b2_names)
                _, proc, _ = b2_wd.run("apply", "-auto-approve", "-no-color", "-parallelism=10")
                check(proc, "B6 apply")
            log("B6: the store copied into PostgreSQL; timing %d plans each side" % plans)
            results["b6"] = b6_team_store(env, binary, b2_names, plans, b2_wd, cleanups)
            log("B6: postgres %.2f s, sqlite %.2f s, %.2f round trips per resource" % (
                results["b6"]["postgres_s"], results["b6"]["sqlite_s"], results["b6"]["round_trips_per_resource"]))

        if "b7" in only:
            # B7 --------------------------------------------------------------------------------
            results["b7"] = b7_scale(env, plog, binary, args.b7_count, plans if not args.quick else 1, scratch,
                                     cleanups)
        if "b8" in only:
            log("B8: 10 published against 10 unpublished certificates, two rounds")
            results["b8"] = b8_publish(env)
    finally:
        for c in cleanups:
            c()
        if env:
            env.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    if "b3" in only:
        log("B3: start-up, 20 runs per mode")
        results["b3"] = startup_times(binary, 20)
    info["loadavg_end"] = os.getloadavg()
    info["total_s"] = time.time() - started
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, sort_keys=True)
        log("figures written to %s" % args.json)


LEGO_SETTINGS = ("lego's defaults: EXEC_PROPAGATION_TIMEOUT (60 s), EXEC_POLLING_INTERVAL (2 s) and "
                 "EXEC_SEQUENCE_INTERVAL not set; --dns.resolvers <challtestsrv>; --dns.disable-cp, because "
                 "challtestsrv answers SOA/NS queries with NOTIMP")
RSS_METHOD = ("VmHWM (kernel high-water mark) of every terraform-provider-ionos child of terraform, read from "
              "/proc every 2 ms")


def report(r):
    info = r["info"]
    m = info["machine"]
    rows = []

    def row(metric, provider, peer, ratio, target, ok):
        rows.append((metric, provider, peer, ratio, target, "" if ok is None else "PASS" if ok else "FAIL"))

    b1, b2, b3, b4, b5, b6, b7, b8, rss = (r.get(k) for k in ("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "rss"))
    if b1 and "lego_s" in b1:
        row("B1 issuance, 10 certs (wall)", "%.2f s" % b1["provider_s"], "lego %.2f s" % b1["lego_s"],
            "%.3f" % b1["ratio"], "<= %.1f" % TARGETS["b1_ratio"], b1["ratio"] <= TARGETS["b1_ratio"])
    if b2:
        row("B2 plan, %d certs (median of %d)" % (b2["resources"], b2["plans"]), "%.2f s" % b2["provider_s"],
            "terraform_data %.2f s" % b2["terraform_data_s"], "%.2f" % b2["ratio"],
            "<= %.1f" % TARGETS["b2_ratio"], b2["ratio"] <= TARGETS["b2_ratio"])
    if b3:
        for mode in ("automtls", "plaintext"):
            v = b3[mode]["median_ms"]
            row("B3 start-up, %s (median of 20)" % mode, "%.2f ms" % v, "-", "-", "<= 10 ms",
                v <= TARGETS["b3_ms"])
        if "automtls_first_rpc_ms" in b3:
            v = b3["automtls_first_rpc_ms"]
            row("B3 AutoMTLS to the first RPC's answer", "%.2f ms" % v, "-", "-", "<= 10 ms", v <= TARGETS["b3_ms"])
    if rss:
        row("B3 peak RSS of the plugin in B2", "%.1f MB" % rss["peak_mb"], "-", "-", "<= 25 MB",
            rss["peak_mb"] <= TARGETS["rss_mb"])
    if b4:
        p = b4["provider"]
        lg = b4.get("lego")
        row("B4 ACME requests per cert", "%.1f" % p["per_cert"], "lego %.1f" % lg["per_cert"] if lg else "-",
            "%.2f" % (p["per_cert"] / lg["per_cert"]) if lg else "-", "<= 7.5 (floor 7)",
            p["per_cert"] <= TARGETS["b4_requests"])
    if b5:
        row("B5 time per cert at %s" % "/".join(str(n) for n in b5["sizes"]),
            " / ".join("%.3f" % v for v in b5["per_cert_s"]) + " s", "-", "-", "falls", b5["falls"])
    if b6:
        row("B6 plan, %d resources, postgres store (median of %d)" % (b6["resources"], b6["plans"]),
            "%.2f s" % b6["postgres_s"], "sqlite store %.2f s" % b6["sqlite_s"], "%.2f" % b6["ratio"],
            "<= %.1f" % TARGETS["b6_ratio"], b6["ratio"] <= TARGETS["b6_ratio"])

    if b7:
        big, small = b7["big"], b7["small"]
        n = big["certificates"]
        row("B7 apply, %d certs (wall)" % n, "%.1f s" % big["apply"]["wall_s"], "-", "-",
            "<= %.0f s" % TARGETS["b7_apply_s"], big["apply"]["wall_s"] <= TARGETS["b7_apply_s"])
        row("B7 destroy, %d certs (wall)" % n, "%.1f s" % big["destroy"]["wall_s"], "-", "-",
            "<= %.0f s" % TARGETS["b7_destroy_s"], big["destroy"]["wall_s"] <= TARGETS["b7_destroy_s"])
        pl = big["plan"]
        row("B7 plan, %d certs (median of %d)" % (n, pl["plans"]), "%.2f s" % pl["provider_s"],
            "terraform_data same bytes %.2f s" % pl["terraform_data_s"], "%.2f" % pl["ratio"],
            "<= %.1f" % TARGETS["b7_plan_ratio"], pl["ratio"] <= TARGETS["b7_plan_ratio"])
        peak_big = max(big["apply"]["peak_rss_mb"], big["destroy"]["peak_rss_mb"], pl["peak_rss_mb"])
        peak_small = max(small["apply"]["peak_rss_mb"], small["destroy"]["peak_rss_mb"])
        row("B7 peak RSS of the plugin, %d vs %d certs" % (n, small["certificates"]), "%.1f MB" % peak_big,
            "%d certs %.1f MB" % (small["certificates"], peak_small), "%.2f" % (peak_big / peak_small),
            "<= %.2f" % TARGETS["b7_rss_growth"], peak_big / peak_small <= TARGETS["b7_rss_growth"])
        row("B7 ACME requests per cert", "%.2f" % big["acme"]["per_cert"], "-", "-", "<= 7.5 (floor 7)",
            big["acme"]["per_cert"] <= TARGETS["b4_requests"])
        row("B7 DNS API requests per cert", "%.2f" % big["dns"]["per_cert"], "-", "-", "-", True)
    if b8:
        row("B8 apply, 10 certs published (median of %d)" % len(b8["published_s"]),
            "%.2f s" % statistics.median(b8["published_s"]),
            "unpublished %.2f s" % statistics.median(b8["unpublished_s"]), "%.2f" % b8["ratio"], "-", None)
        row("B8 Certificate Manager requests per cert", "%.1f apply, %.1f destroy" %
            (b8["apply_per_cert"], b8["destroy_per_cert"]), "-", "-", "-", None)

    print()
    print("terraform-provider-ionos benchmarks%s, %s" % (" (--quick)" if info["quick"] else "", info["date"]))
    print("machine: %d x %s, %.1f GiB RAM, Linux %s; load average at start %.2f %.2f %.2f, at end %.2f %.2f %.2f" %
          ((m["nproc"], m["cpu"], m["memory_gib"], m["kernel"]) + tuple(m["loadavg"]) + tuple(info["loadavg_end"])))
    print("%s; lego %s (Debian); pebble %s (Debian), PEBBLE_VA_NOSLEEP=1" % (info["terraform"], info["lego"],
                                                                            info["pebble"]))
    header = ("metric", "provider", "peer", "ratio", "target", "")
    widths = [max(len(str(x[i])) for x in rows + [header]) for i in range(6)]
    for line in [header] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip())
    print()
    if b1 and "lego_s" in b1:
        print("B1  lego settings: %s" % b1["lego_settings"])
    if b2:
        print("B2  provider plans: %s s; terraform_data plans: %s s; state files %d / %d bytes; untimed apply of %d "
              "certs %.1f s" % (" ".join("%.2f" % t for t in b2["provider_all_s"]),
                                " ".join("%.2f" % t for t in b2["terraform_data_all_s"]),
                                b2["state_bytes"]["provider"], b2["state_bytes"]["terraform_data"], b2["resources"],
                                b2["untimed_apply_s"]))
    if b2 and b2.get("reference"):
        ref = b2["reference"]
        print("    references (no target): provider plan -refresh=false %.2f s (ratio %.2f); terraform_data with the "
              "same state size (%d bytes) %.2f s; provider / that = %.2f" %
              (ref["provider_no_refresh_s"], ref["provider_no_refresh_s"] / b2["terraform_data_s"],
               ref["terraform_data_same_size_state_bytes"], ref["terraform_data_same_size_s"],
               b2["provider_s"] / ref["terraform_data_same_size_s"]))
    if b3:
        print("B3  start-up min/max: AutoMTLS %.2f/%.2f ms, plaintext %.2f/%.2f ms" %
              (b3["automtls"]["min_ms"], b3["automtls"]["max_ms"], b3["plaintext"]["min_ms"],
               b3["plaintext"]["max_ms"]))
        if "automtls_tls_handshake_ms" in b3:
            print("    AutoMTLS medians from exec: handshake line %.2f ms, TLS handshake done %.2f ms (P-521 client "
                  "certificate, as go-plugin makes it), GetMetadata answered %.2f ms" % (
                      b3["automtls"]["median_ms"], b3["automtls_tls_handshake_ms"], b3["automtls_first_rpc_ms"]))
    if rss:
        print("    peak RSS: %s; %d plugin processes seen over the plans; per plan %s MB;" %
              (rss["method"], rss["plugin_processes_seen"], " ".join("%.1f" % v for v in rss["per_plan_peak_mb"])))
        print("    cross-check, ru_maxrss from wait4 (plugin behind a fork/wait4 wrapper, one extra plan): %s MB; "
              "peak during the B2 apply %.1f MB" % (" ".join("%.1f" % v for v in rss["wait4_cross_check_mb"]),
                                                     rss["b2_apply_peak_mb"]))
    if b4:
        for side in ("provider", "lego"):
            if side not in b4:
                continue
            v = b4[side]
            print("B4  %-8s %.1f per cert = %.1f order flow + %.1f session (dir, nonce, account); %s" %
                  (side, v["per_cert"], v["order_flow_per_cert"], v["session_per_cert"], fmt_counts(v["requests"])))
            if side == "provider":
                print("    provider: authorizations the CA handed out valid (no challenge): %d" %
                      v["authorizations_reused"])
        print("    provider: one apply, all requests /10, including terraform's refresh of the account in the apply's")
        print("    plan phase; lego: 10 processes, each paying GET /dir + HEAD /nonce-plz, /10.")
    if b5:
        print("B5  wall: %s (-parallelism=10)" % ", ".join("%d certs %.2f s" % (n, t)
                                                            for n, t in zip(b5["sizes"], b5["wall_s"])))
    if b6:
        print("B6  postgres plans: %s s; sqlite plans: %s s; %s" % (
            " ".join("%.2f" % t for t in b6["postgres_all_s"]), " ".join("%.2f" % t for t in b6["sqlite_all_s"]),
            b6["server"]))
        print("    round trips (statements logged by the server): plan %d statements on %d connections; "
              "-refresh=false %d on %d; per resource (ReadResource and PlanResourceChange) %.2f (%s)" % (
                  b6["plan_statements"], b6["plan_connections"], b6["no_refresh_statements"],
                  b6["no_refresh_connections"], b6["round_trips_per_resource"],
                  ", ".join("%s %.2f" % kv for kv in sorted(b6["round_trips_per_resource_by_kind"].items(),
                                                            key=lambda kv: -kv[1]))))
    if b7:
        print("B7  %d zones, DNS API settle %d ms (PROVISIONING), default -parallelism (10); lego not run at this size" %
              (len(b7["zones"]), b7["settle_ms"]))
        for key in ("big", "small"):
            v = b7[key]
            print("    %d certs: apply %.1f s (RSS %.1f MB, load %.2f), destroy %.1f s (RSS %.1f MB, load %.2f, %d ACME "
                  "and %d DNS API requests)" % (
                      v["certificates"], v["apply"]["wall_s"], v["apply"]["peak_rss_mb"], v["apply"]["loadavg"][0],
                      v["destroy"]["wall_s"], v["destroy"]["peak_rss_mb"], v["destroy"]["loadavg"][0],
                      v["destroy"]["acme_requests"], v["destroy"]["dns_requests"]))
        big = b7["big"]
        a = big["acme"]
        print("    ACME per cert %.2f = %.2f order flow + %.2f session; authorizations reused (no challenge) %d; %s" %
              (a["per_cert"], a["order_flow_per_cert"], a["session_per_cert"], a["authorizations_reused"],
               fmt_counts(a["requests"])))
        print("    DNS API per cert %.2f: %s" % (big["dns"]["per_cert"], fmt_counts(big["dns"]["requests"])))
        pl = big["plan"]
        print("    plans: provider %s s; terraform_data (%d state bytes vs %d) %s s; plugin RSS %.1f MB" % (
            " ".join("%.2f" % t for t in pl["provider_all_s"]), pl["terraform_data_state_bytes"], big["state_bytes"],
            " ".join("%.2f" % t for t in pl["terraform_data_all_s"]), pl["peak_rss_mb"]))
        ref = big.get("terraform_data_same_size")
        if ref:
            print("    Terraform's own floor, %d terraform_data of the same state bytes: apply %.1f s, plan %.2f s, "
                  "destroy %.1f s" % (big["certificates"], ref["apply_s"], pl["terraform_data_s"], ref["destroy_s"]))
        for phase, v, wall in (("apply", big["apply"]["plugin"], big["apply"]["wall_s"]),
                               ("plan", pl["plugin"], pl["provider_s"]),
                               ("destroy", big["destroy"]["plugin"], big["destroy"]["wall_s"])):
            if not v:
                print("    %-7s plugin share: not reported by this plugin (no IONOS_PROVIDER_RPC_TIMINGS)" % phase)
                continue
            print("    %-7s plugin busy (>= 1 RPC in flight) %.2f s of %.2f s wall = %.0f%%, Terraform and start-up "
                  "the rest; %d plugin processes; %s" % (
                      phase, v["busy_s"], wall, 100.0 * v["busy_s"] / wall, v["processes"],
                      ", ".join("%s %d x %.1f ms" % (k, r["count"], 1000.0 * r["total_s"] / max(r["count"], 1))
                                for k, r in sorted(v["rpcs"].items(), key=lambda kv: -kv[1]["total_s"]))))
    if b8:
        print("B8  published: %s s; unpublished: %s s; apply requests %s; destroy requests (with its refresh) %s" % (
            " ".join("%.2f" % t for t in b8["published_s"]), " ".join("%.2f" % t for t in b8["unpublished_s"]),
            fmt_counts(b8["apply_requests"]), fmt_counts(b8["destroy_requests"])))
    print("total run time %.0f s" % info["total_s"])


if __name__ == "__main__":
    main()

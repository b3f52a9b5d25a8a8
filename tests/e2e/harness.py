"""End-to-end harness: a real Pebble on loopback and the real terraform CLI
driving the built plugin through a dev_overrides CLI configuration.

Everything binds to 127.0.0.1 on free ports and is stopped by the test.
"""

import contextlib
import functools
import http.client
import http.server
import json
import os
import shutil
import socket
import socketserver
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.request

SOURCE_DIR = os.environ.get("IONOS_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PROVIDER_BINARY = os.environ.get("IONOS_PROVIDER_BINARY", os.path.join(SOURCE_DIR, "build", "terraform-provider-ionos"))


def tests_require_all():
    """True when IONOS_TEST_REQUIRE_ALL asks that nothing be skipped (scripts/test sets 1)."""
    return os.environ.get("IONOS_TEST_REQUIRE_ALL", "") not in ("", "0")


def skip_or_fail(reason):
    """What a test does when a tool, server or privilege it needs is missing: skip saying why, or,
    under IONOS_TEST_REQUIRE_ALL (CI), fail naming what is missing, so that a test that could not
    run never counts as passed there. Raises in both cases; works in setUpClass and in a test.
    (tests/fakes/require_all.h has the same rule for the C++ tests: IONOS_SKIP_OR_FAIL.)"""
    if tests_require_all():
        raise AssertionError("cannot run, and IONOS_TEST_REQUIRE_ALL forbids skipping: " + reason)
    raise unittest.SkipTest(reason + " (IONOS_TEST_REQUIRE_ALL=1 makes this a failure)")


def read_text(path):
    """The file's text, or "" while it does not exist."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for(condition, what, procs=(), timeout=120):
    """Polls `condition` until it is true; fails naming `what` when `timeout` seconds pass or one of
    `procs` (Popen objects with piped output) exits first, with their output. The barrier of the
    concurrency tests: they wait for evidence (a record written, a log line), never a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        exited = [p for p in procs if p.poll() is not None]
        if exited or time.monotonic() > deadline:
            outputs = []
            for p in procs:
                if p.poll() is None:
                    p.kill()
                out, err = p.communicate()
                outputs.append("%s (exit %s):\n%s%s" % (" ".join(p.args[:2]), p.returncode, out, err))
            raise AssertionError("never saw %s (%s)\n%s" % (
                what, "a process exited first" if exited else "after %d s" % timeout, "\n".join(outputs)))
        time.sleep(0.05)


class NoChallengeToHold(AssertionError):
    """A renewal that a test meant to hold mid-issuance needed no challenge at all. Pebble 2.4 hands a
    new order an authorization of the account that is still valid 1% of the time even with
    PEBBLE_AUTHZREUSE=0 (it makes a new one only when rand.Intn(100) exceeds the percentage; its log
    then shows the earlier order's authorization in the new one), and such a renewal completes at
    once: there is nothing to hold, and the test's precondition did not hold. Raised by
    wait_for_challenge_record; tests decorated with rerun_once_without_a_challenge run again."""


def wait_for_challenge_record(dns, procs, what, timeout=120):
    """wait_for(a TXT record in the DNS emulator); NoChallengeToHold when a watched process finished
    successfully before any record appeared (its order reused a valid authorization)."""
    try:
        wait_for(lambda: dns.txt_records(), what, procs, timeout)
    except AssertionError as e:
        if "a process exited first" in str(e) and any(p.returncode == 0 for p in procs):
            raise NoChallengeToHold(str(e)) from None
        raise


def rerun_once_without_a_challenge(test):
    """Runs the test once more (after its cleanups and setUp) when it raised NoChallengeToHold. A
    second NoChallengeToHold fails the test: that is no longer chance."""
    @functools.wraps(test)
    def run(self, *args, **kwargs):
        try:
            return test(self, *args, **kwargs)
        except NoChallengeToHold:
            sys.stderr.write("note: %s: the renewal needed no challenge (Pebble reused a valid authorization); "
                             "running the scenario once more\n" % self.id())
            self.doCleanups()
            self.setUp()
            return test(self, *args, **kwargs)
    return run


# Keys Pebble's EAB mode accepts in these tests (base64url HMAC keys).
EAB_KEYS = {
    "kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W",
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tls_cert(directory, name="localhost"):
    """A self-signed certificate for 127.0.0.1/localhost, made with the openssl CLI."""
    key = os.path.join(directory, name + ".key")
    cert = os.path.join(directory, name + ".pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return key, cert


class Pebble:
    """Pebble, Let's Encrypt's ACME test CA, started on loopback for one test class."""

    def __init__(self, eab_required=False, validity_seconds=None, nonce_reject=0, dns_server=None, authz_reuse=None):
        self.eab_required = eab_required
        # Percent of orders that reuse a valid authorization (Pebble's default: 50); 0 makes every
        # order, a renewal too, go through a DNS challenge.
        self.authz_reuse = authz_reuse
        self.validity_seconds = validity_seconds
        self.nonce_reject = nonce_reject
        self.dns_server = dns_server
        self.dir = tempfile.mkdtemp(prefix="pebble-")
        self.proc = None

    def start(self):
        key, cert = make_tls_cert(self.dir)
        self.tls_key_path, self.tls_cert_path = key, cert
        self.port = free_port()
        self.mgmt_port = free_port()
        config = {
            "pebble": {
                "listenAddress": "127.0.0.1:%d" % self.port,
                "managementListenAddress": "127.0.0.1:%d" % self.mgmt_port,
                "certificate": cert,
                "privateKey": key,
                "httpPort": free_port(),
                "tlsPort": free_port(),
                "ocspResponderURL": "",
                "externalAccountBindingRequired": self.eab_required,
            }
        }
        if self.eab_required:
            config["pebble"]["externalAccountMACKeys"] = EAB_KEYS
        if self.validity_seconds:
            config["pebble"]["certificateValidityPeriod"] = self.validity_seconds
        path = os.path.join(self.dir, "pebble.json")
        with open(path, "w") as f:
            json.dump(config, f)
        env = dict(os.environ)
        env["PEBBLE_VA_NOSLEEP"] = "1"
        env["PEBBLE_WFE_NONCEREJECT"] = str(self.nonce_reject)
        if self.authz_reuse is not None:
            env["PEBBLE_AUTHZREUSE"] = str(self.authz_reuse)
        args = ["pebble", "-config", path]
        args += ["-dnsserver", self.dns_server or "127.0.0.1:%d" % free_port()]
        self.log_path = os.path.join(self.dir, "pebble.log")
        self.log = open(self.log_path, "w")
        self._args, self._env = args, env
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        with open(cert) as f:
            self.tls_cert_pem = f.read()
        self._wait_ready()
        return self

    @property
    def directory_url(self):
        return "https://127.0.0.1:%d/dir" % self.port

    def _context(self):
        ctx = ssl.create_default_context(cadata=self.tls_cert_pem)
        return ctx

    def _wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pebble exited: " + open(self.log_path).read())
            try:
                with urllib.request.urlopen(self.directory_url, context=self._context(), timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("pebble did not come up: " + open(self.log_path).read())

    def root_pem(self):
        ctx = ssl.create_default_context(cadata=self.tls_cert_pem)
        url = "https://127.0.0.1:%d/roots/0" % self.mgmt_port
        with urllib.request.urlopen(url, context=ctx, timeout=5) as r:
            return r.read().decode()

    def request_count(self, needle=""):
        with open(self.log_path) as f:
            return sum(1 for line in f if needle in line)

    def restart(self):
        """Stops Pebble and starts it again on the same ports with the same TLS certificate. Pebble
        keeps everything in memory, so the new one knows no account, order or certificate: a CA
        that was reset (a wiped staging environment)."""
        self.proc.terminate()
        self.proc.wait(10)
        self.proc = subprocess.Popen(self._args, env=self._env, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.dir)
        self._wait_ready()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class _TlsThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, context):
        self.context = context
        super().__init__(address, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # The handshake happens in the handler's thread, not in the accept loop.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # clients that go away mid-request are part of these tests


class AcmeProxy:
    """A TLS-terminating proxy in front of Pebble, for the faults a real CA shows but Pebble
    cannot be told to: going away in the middle of an order, losing connections, and orders that
    expire (Pebble's last a day, its authorizations an hour).

    Requests pass unchanged, the Host header too, so Pebble builds its URLs with the proxy's
    address and checks each JWS "url" against it. The proxy learns the order, authorization,
    challenge and finalize URLs from Pebble's answers; it knows none of Pebble's paths. Faults,
    each armed by a test before the apply:
      down_at_challenge = N      at the first challenge POST, once N orders have been placed (it
                                 waits for them), that POST gets no answer and the proxy stops
                                 listening until up(): connections are refused (the port stays
                                 bound, so no other test can take it) and every request on a
                                 kept-alive connection is dropped.
      drop_challenge_posts = N   the next N challenge POSTs get no answer (connection closed).
      expire_orders = N          the next N orders placed expire when their first challenge is
                                 answered: that POST gets 404 malformed "Expired authorization"
                                 (Boulder's answer); from then on the order reads "invalid" with
                                 "expires" in the past, its authorizations "expired" (RFC 8555
                                 §7.1.6), and its finalize gets 403 orderNotReady.
      rate_limit_new_orders = N  the next N newOrder requests get 429 rateLimited with
                                 Retry-After: 1, as a CA enforcing its limits answers.
      bare_404_accounts = N      the next N POSTs to an account URL (Pebble's /my-account/...) get
                                 an HTML 404 without a problem document, as a misrouting proxy or
                                 load balancer answers: not the CA's word about the account.
      lose_finalize_answers = N  the next N finalize POSTs reach Pebble, which acts on them, but
                                 their answers are lost (the connection is closed).
    """

    PAST = "2020-01-01T00:00:00Z"

    def __init__(self, pebble):
        self.pebble = pebble
        self.port = free_port()
        self.lock = threading.Condition()
        self.down_at_challenge = 0
        self.drop_challenge_posts = 0
        self.expire_orders = 0
        self.rate_limit_new_orders = 0
        self.bare_404_accounts = 0
        self.lose_finalize_answers = 0
        self.finalize_posts = 0   # finalize requests that reached Pebble
        self.lost_answers = 0
        self.rate_limited = 0     # newOrder requests answered 429
        self.dropped = 0          # requests that got no answer
        self.new_orders = 0       # orders placed through the proxy
        self.expired_orders = 0
        self._down = False
        self._orders = {}         # order URL -> {"expiring": bool, "expired": bool}
        self._owner = {}          # authorization, challenge and finalize URL -> order URL
        self._kind = {}           # URL -> "order" | "authz" | "challenge" | "finalize"
        self._server = None
        self._placeholder = None  # holds the port while the proxy is down
        self._upstream = ssl.create_default_context(cadata=pebble.tls_cert_pem)

    @property
    def directory_url(self):
        return "https://127.0.0.1:%d/dir" % self.port

    def start(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pebble.tls_cert_path, self.pebble.tls_key_path)
        with self.lock:
            if self._placeholder:
                self._placeholder.close()
                self._placeholder = None
            server = _TlsThreadingServer(("127.0.0.1", self.port), self._handler(), context)
            self._server = server
            self._down = False
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def up(self):
        return self.start()

    def stop(self):
        with self.lock:
            server, self._server = self._server, None
            placeholder, self._placeholder = self._placeholder, None
        if server:
            server.shutdown()
            server.server_close()
        if placeholder:
            placeholder.close()

    def _go_down(self):
        # Called with the lock held from a handler thread. shutdown() waits for the accept loop,
        # so it runs on its own thread; then a bound socket that does not listen keeps the port
        # (connections to it are refused) until up().
        server, self._server = self._server, None

        def take_down():
            server.shutdown()
            server.server_close()
            placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            placeholder.bind(("127.0.0.1", self.port))
            with self.lock:
                if self._down and self._server is None:
                    self._placeholder = placeholder
                    return
            placeholder.close()

        threading.Thread(target=take_down, daemon=True).start()

    # ---- decisions

    def _before(self, method, url):
        """None to forward; "drop"; or (status, problem type, detail, headers) to answer."""
        with self.lock:
            if self._down:
                self.dropped += 1
                return "drop"
            kind = self._kind.get(url)
            order = self._orders.get(self._owner.get(url, url))
            if method == "POST" and kind == "newOrder" and self.rate_limit_new_orders > 0:
                self.rate_limit_new_orders -= 1
                self.rate_limited += 1
                return (429, "rateLimited", "too many new orders for this account recently (a limit of the "
                        "test CA)", [("Retry-After", "1")])
            if method == "POST" and kind == "challenge":
                if self.down_at_challenge:
                    self.lock.wait_for(lambda: self.new_orders >= self.down_at_challenge, timeout=20)
                    self.down_at_challenge = 0
                    self._down = True
                    self.dropped += 1
                    self._go_down()
                    return "drop"
                if self.drop_challenge_posts > 0:
                    self.drop_challenge_posts -= 1
                    self.dropped += 1
                    return "drop"
                if order and order["expiring"] and not order["expired"]:
                    order["expired"] = True
                    self.expired_orders += 1
                if order and order["expired"]:
                    return (404, "malformed", "Expired authorization", [])
            if order and order["expired"] and kind == "finalize":
                return (403, "orderNotReady", 'Order\'s status ("invalid") is not acceptable for finalization', [])
            if method == "POST" and "/my-account/" in url and self.bare_404_accounts > 0:
                self.bare_404_accounts -= 1
                return "bare404"
            if method == "POST" and kind == "finalize":
                self.finalize_posts += 1
                if self.lose_finalize_answers > 0:
                    self.lose_finalize_answers -= 1
                    self.lost_answers += 1
                    return "forward-then-drop"
            return None

    def _after(self, method, url, status, headers, body):
        """Learns URLs from Pebble's answers; rewrites those about expired orders."""
        try:
            obj = json.loads(body) if body else None
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            return body
        with self.lock:
            if isinstance(obj.get("newOrder"), str):  # the directory
                self._kind[obj["newOrder"]] = "newOrder"
            location = dict((k.lower(), v) for k, v in headers).get("location", "")
            if status == 201 and "authorizations" in obj and "finalize" in obj and location:
                self.new_orders += 1
                expiring = self.expire_orders > 0
                if expiring:
                    self.expire_orders -= 1
                self._orders[location] = {"expiring": expiring, "expired": False}
                self.lock.notify_all()
                self._kind[location] = "order"
                for authz in obj["authorizations"]:
                    self._owner[authz] = location
                    self._kind[authz] = "authz"
                self._owner[obj["finalize"]] = location
                self._kind[obj["finalize"]] = "finalize"
            if "challenges" in obj and url in self._owner:
                for challenge in obj["challenges"]:
                    self._owner[challenge.get("url", "")] = self._owner[url]
                    self._kind[challenge.get("url", "")] = "challenge"
            kind = self._kind.get(url)
            order = self._orders.get(self._owner.get(url, url))
            if not (order and order["expired"]):
                return body
            if kind == "order":
                obj["status"] = "invalid"
                obj["expires"] = self.PAST
                obj.pop("certificate", None)
            elif kind == "authz":
                obj["status"] = "expired"
                obj["expires"] = self.PAST
            return json.dumps(obj).encode()

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                self.request.do_handshake()
                super().setup()

            def log_message(self, *args):
                pass

            def do_GET(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host = self.headers.get("Host", "127.0.0.1:%d" % proxy.port)
                url = "https://%s%s" % (host, self.path)
                decision = proxy._before(self.command, url)
                if decision == "drop":
                    self.close_connection = True
                    return
                if decision == "bare404":
                    self._answer(404, [("Content-Type", "text/html")], b"<html><body>404 Not Found</body></html>")
                    return
                if decision is not None and decision != "forward-then-drop":
                    status, kind, detail, extra = decision
                    problem = json.dumps({"type": "urn:ietf:params:acme:error:" + kind, "detail": detail,
                                          "status": status}).encode()
                    self._answer(status, [("Content-Type", "application/problem+json")] + extra, problem)
                    return
                upstream = http.client.HTTPSConnection("127.0.0.1", proxy.pebble.port, context=proxy._upstream,
                                                       timeout=30)
                try:
                    upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    upstream.putheader("Host", host)
                    for k, v in self.headers.items():
                        if k.lower() not in ("host", "connection", "keep-alive", "content-length",
                                             "transfer-encoding"):
                            upstream.putheader(k, v)
                    if self.command == "POST" or body:
                        upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body)
                    response = upstream.getresponse()
                    data = response.read()
                    headers = response.getheaders()
                    status = response.status
                finally:
                    upstream.close()
                if decision == "forward-then-drop":
                    self.close_connection = True  # Pebble acted; the answer is lost on the way back
                    return
                data = proxy._after(self.command, url, status, headers, data)
                self._answer(status, headers, data)

            do_HEAD = do_GET
            do_POST = do_GET

            def _answer(self, status, headers, data):
                self.send_response_only(status)
                for k, v in headers:
                    if k.lower() not in ("connection", "keep-alive", "content-length", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

        return Handler


class Workdir:
    """A Terraform working directory using the built plugin through dev_overrides."""

    def __init__(self, store_path=None, extra_env=None, tls=True):
        self.dir = tempfile.mkdtemp(prefix="tf-e2e-")
        self.plugin_dir = os.path.join(self.dir, ".plugin")
        os.makedirs(self.plugin_dir)
        os.symlink(PROVIDER_BINARY, os.path.join(self.plugin_dir, "terraform-provider-ionos"))
        self.cli_config = os.path.join(self.dir, ".terraformrc")
        with open(self.cli_config, "w") as f:
            f.write(textwrap.dedent("""\
                provider_installation {
                  dev_overrides {
                    "local/ionos" = "%s"
                  }
                }
                """ % self.plugin_dir))
        self.store_path = store_path or os.path.join(self.dir, "store", "certificates.db")
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("TF_") or k.startswith("IONOS_"):
                del self.env[k]
        self.env.update({
            "TF_CLI_CONFIG_FILE": self.cli_config,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "HOME": self.dir,
            "TF_PLUGIN_CACHE_DIR": "",
        })
        del self.env["TF_PLUGIN_CACHE_DIR"]
        if not tls:
            self.env["TF_DISABLE_PLUGIN_TLS"] = "1"
        if extra_env:
            self.env.update(extra_env)

    def write(self, main_tf, name="main.tf"):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(textwrap.dedent(main_tf))

    def tf(self, *args, check=True, env=None, timeout=300):
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        proc = subprocess.run(["terraform"] + list(args), cwd=self.dir, env=full_env, capture_output=True,
                              text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError("terraform %s failed (%d):\nSTDOUT:\n%s\nSTDERR:\n%s" %
                                 (" ".join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def tf_start(self, *args, env=None):
        """terraform running in the background: a Popen with piped text output."""
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        return subprocess.Popen(["terraform"] + list(args), cwd=self.dir, env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def apply(self, *extra, **kw):
        return self.tf("apply", "-auto-approve", "-no-color", *extra, **kw)

    def plan_exitcode(self, *extra, env=None):
        proc = self.tf("plan", "-detailed-exitcode", "-no-color", *extra, check=False, env=env)
        return proc.returncode, proc

    def state(self):
        path = os.path.join(self.dir, "terraform.tfstate")
        if not os.path.exists(path):
            return {"resources": []}
        with open(path) as f:
            return json.load(f)

    def resources(self, type_name=None):
        out = []
        for r in self.state().get("resources", []):
            if r.get("mode") != "managed":
                continue
            if type_name and r["type"] != type_name:
                continue
            for inst in r["instances"]:
                out.append(inst["attributes"])
        return out

    def store_rows(self, table):
        if not os.path.exists(self.store_path):
            return []
        con = sqlite3.connect(self.store_path)
        try:
            return con.execute("SELECT * FROM %s" % table).fetchall()
        except sqlite3.OperationalError:
            return []
        finally:
            con.close()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def provider_block(pebble=None, store_path=None, extra=""):
    lines = ['provider "ionos" {']
    if store_path:
        lines.append('  store = "sqlite:%s"' % store_path)
    if pebble:
        lines.append("  ca_certificates_pem = <<-EOT\n%s  EOT" % pebble.tls_cert_pem)
    if extra:
        lines.append(extra)
    lines.append("}")
    return textwrap.dedent("""\
        terraform {
          required_providers {
            ionos = {
              source = "local/ionos"
            }
          }
        }
        """) + "\n".join(lines) + "\n"


@contextlib.contextmanager
def pebble(**kw):
    p = Pebble(**kw).start()
    try:
        yield p
    finally:
        p.stop()


EMULATOR_BINARY = os.environ.get("IONOS_DNS_EMULATOR") or os.path.join(
    os.path.dirname(PROVIDER_BINARY), "tests", "ionos-dns-emulator")
DNS_TOKEN = "e2e-dns-token"


class ChallTestSrv:
    """pebble-challtestsrv: the DNS server Pebble validates DNS-01 against."""

    def start(self):
        self.dns_port = free_port()
        self.mgmt_port = free_port()
        self.dir = tempfile.mkdtemp(prefix="challtestsrv-")
        self.log = open(os.path.join(self.dir, "challtestsrv.log"), "w")
        self.proc = subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", "127.0.0.1:%d" % self.dns_port,
             "-management", "127.0.0.1:%d" % self.mgmt_port, "-http01", "", "-https01", "", "-tlsalpn01", "",
             "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.mgmt_port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("pebble-challtestsrv did not come up")

    @property
    def dns_address(self):
        return "127.0.0.1:%d" % self.dns_port

    @property
    def management_url(self):
        return "http://127.0.0.1:%d" % self.mgmt_port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class DnsEmulator:
    """The IONOS Cloud DNS API emulator (tests/dns_emulator) publishing into challtestsrv, or into
    an authoritative server by RFC 2136 (`rfc2136`: a bind.Bind). `nameservers` become the zones'
    metadata.nameservers (default: the emulator's, IONOS's own). With `rfc2136` the emulator's
    stderr is kept in stderr_path (a failed update is reported there)."""

    def __init__(self, zones, challtestsrv=None, token=DNS_TOKEN, rfc2136=None, nameservers=None,
                 certificate_manager=False):
        self.zones = zones
        self.certificate_manager = certificate_manager
        self.cm_url = None
        self.challtestsrv = challtestsrv
        self.token = token
        self.rfc2136 = rfc2136
        self.nameservers = nameservers or []
        self.stderr_path = None

    def start(self):
        args = [EMULATOR_BINARY, "--listen", "127.0.0.1:0", "--token", self.token]
        for z in self.zones:
            args += ["--zone", z]
        if self.challtestsrv:
            args += ["--challtestsrv", self.challtestsrv.management_url]
        if self.rfc2136:
            args += ["--rfc2136", self.rfc2136.address, "--tsig-key", self.rfc2136.tsig_spec]
        for ns in self.nameservers:
            args += ["--nameserver", ns]
        if self.certificate_manager:
            args.append("--certificate-manager")
        stderr = subprocess.DEVNULL
        if self.rfc2136:
            fd, self.stderr_path = tempfile.mkstemp(prefix="dns-emulator-", suffix=".log")
            stderr = os.fdopen(fd, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
        if stderr is not subprocess.DEVNULL:
            stderr.close()
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError("emulator did not start: %r %s" % (line, self.stderr_text()))
        self.url = line[len("listening on "):]
        if self.certificate_manager:
            line = self.proc.stdout.readline().strip()
            if not line.startswith("certificate manager listening on "):
                raise RuntimeError("certificate manager emulator did not start: %r" % line)
            self.cm_url = line[len("certificate manager listening on "):]
        return self

    def _call(self, method, path, body=None, base=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request((base or self.url) + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            text = r.read().decode()
            return json.loads(text) if text else None

    def set_faults(self, **faults):
        return self._call("POST", "/_emulator/faults", faults)

    # The Certificate Manager API emulator (certificate_manager=True;
    # tests/dns_emulator/certificate_manager_emulator.h).
    def _cm_call(self, method, path, body=None):
        return self._call(method, path, body, base=self.cm_url)

    def cm_copies(self):
        """Every copy in the Certificate Manager: [{id, name, serialNumber, commonName, state, inUseBy}]."""
        return self._cm_call("GET", "/_emulator/certificates")["certificates"]

    def cm_set_faults(self, **faults):
        return self._cm_call("POST", "/_emulator/faults", faults)

    def cm_in_use(self, copy_id, by, status=409):
        return self._cm_call("POST", "/_emulator/in-use", {"id": copy_id, "by": by, "status": status})

    def cm_requests(self):
        return self._cm_call("GET", "/_emulator/requests")

    def cm_delete(self, copy_id, token=DNS_TOKEN):
        """DELETE /certificates/{id} through the API itself (what someone outside Terraform does)."""
        req = urllib.request.Request(self.cm_url + "/certificates/" + copy_id, method="DELETE",
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status

    def reset_faults(self):
        return self._call("POST", "/_emulator/faults", {
            "unauthorized": False, "rate_limit_next": 0, "server_error": "off",
            "provisioning_delay_ms": 0, "fail_provisioning_next": 0, "hold_provisioning": False})

    def records(self):
        out = self._call("GET", "/_emulator/records")
        return out.get("records", out) if isinstance(out, dict) else out

    def txt_records(self):
        return [r for r in self.records() if "TXT" in json.dumps(r)]

    def requests(self):
        return self._call("GET", "/_emulator/requests")

    def published(self):
        """{"<fqdn>.": [values]} as published into the DNS server, and "errors": [...]."""
        return self._call("GET", "/_emulator/published")

    def stderr_text(self):
        if not self.stderr_path:
            return ""
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.stdout.close()
        if self.stderr_path:
            os.unlink(self.stderr_path)
            self.stderr_path = None


class IssuanceEnv:
    """challtestsrv + Pebble validating against it + the DNS API emulator publishing into it."""

    def __init__(self, zones, validity_seconds=None, eab_required=False, authz_reuse=None,
                 certificate_manager=False):
        self.zones = zones
        self.certificate_manager = certificate_manager
        self.validity_seconds = validity_seconds
        self.eab_required = eab_required
        self.authz_reuse = authz_reuse

    def start(self):
        self.chall = ChallTestSrv().start()
        self.pebble = Pebble(dns_server=self.chall.dns_address, validity_seconds=self.validity_seconds,
                             eab_required=self.eab_required, authz_reuse=self.authz_reuse).start()
        self.dns = DnsEmulator(self.zones, self.chall, certificate_manager=self.certificate_manager).start()
        return self

    def provider_block(self, ws, token=DNS_TOKEN, extra="", store=True):
        settings = ['  token = "%s"' % token]
        if "dns_api_url" not in extra:
            settings.append('  dns_api_url = "%s"' % self.dns.url)
            # The commands of this working directory (renew) take the DNS API from their
            # environment, never from the store, as a scheduler's environment names it.
            ws.env["IONOS_API_URL_DNS"] = self.dns.url
        if self.dns.cm_url and "certificate_manager_url" not in extra:
            settings.append('  certificate_manager_url = "%s"' % self.dns.cm_url)
            ws.env["IONOS_API_URL_CERT"] = self.dns.cm_url
        if "dns_resolvers" not in extra:
            settings.append('  dns_resolvers = ["%s"]' % self.chall.dns_address)
        if extra:
            settings.append(extra)
        pebble = None if "ca_certificates_pem" in extra else self.pebble
        return provider_block(pebble, ws.store_path if store else None, "\n".join(settings))

    def stop(self):
        for part in ("dns", "pebble", "chall"):
            p = getattr(self, part, None)
            if p:
                p.stop()


def openssl(*args, input=None):
    proc = subprocess.run(["openssl"] + list(args), input=input, capture_output=True, text=True)
    return proc


def cert_text(pem):
    return openssl("x509", "-noout", "-text", input=pem).stdout


def cert_dns_names(pem):
    text = cert_text(pem)
    names = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("DNS:"):
            names += [n.strip()[4:] for n in line.split(",")]
    return sorted(names)


def public_key_of_cert(pem):
    return openssl("x509", "-noout", "-pubkey", input=pem).stdout


def public_key_of_key(pem):
    return openssl("pkey", "-pubout", input=pem).stdout


def verify_chain(leaf_pem, chain_pem, root_pem, workdir):
    paths = {}
    for name, content in (("leaf", leaf_pem), ("chain", chain_pem), ("root", root_pem)):
        paths[name] = os.path.join(workdir, name + ".pem")
        with open(paths[name], "w") as f:
            f.write(content)
    args = ["verify", "-CAfile", paths["root"]]
    if chain_pem.strip():
        args += ["-untrusted", paths["chain"]]
    return openssl(*(args + [paths["leaf"]]))

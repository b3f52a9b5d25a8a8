"""End to end: independent monitoring. data "ionos_served_certificate" in `check` blocks
against a TLS server the test runs on 127.0.0.1, `certificates --format openmetrics`, and
`renew --metrics-file` with its exit code 3 when the CA refuses to renew a certificate 20 days
before its expiry.

One Pebble, DNS emulator and ACME proxy for the class; the certificate is issued once and renewed
once (by the `renew` command, with IONOS_CERT_NOW moving the provider's clock), so the store holds
a newest and a superseded certificate. The OpenMetrics output is read by a strict parser of the
text format (OpenMetrics 1.0), tested on malformed input of its own."""

import datetime
import math
import os
import re
import select
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import unittest

import harness
from test_auto_certificate import account, auto_cert

DAY = 86400


def flat(text):
    """Terraform's diagnostics with its line wrapping and box drawing undone."""
    return re.sub(r"\s+", " ", text.replace("│", " "))


def rfc3339(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_of(iso_time):
    return int(datetime.datetime.strptime(iso_time, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


# ---------------------------------------------------------------- a strict OpenMetrics parser

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
TYPES = ("counter", "gauge", "histogram", "gaugehistogram", "stateset", "info", "summary", "unknown")


def _unescape(text, allow_quote):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in ("\\", "n", '"'):
                raise ValueError("invalid escape in %r" % text)
            out.append({"\\": "\\", "n": "\n", '"': '"'}[text[i + 1]])
            i += 2
            continue
        if c == "\n" or (c == '"' and not allow_quote):
            raise ValueError("unescaped %r in %r" % (c, text))
        out.append(c)
        i += 1
    return "".join(out)


def _parse_labels(text):
    """`text` starts after "{"; returns (labels, rest after "}")."""
    labels, i = {}, 0
    if text.startswith("}"):
        return labels, text[1:]
    while True:
        m = re.match(r"([^=]*)=\"", text[i:])
        if not m or not LABEL_NAME.match(m.group(1)) or m.group(1).startswith("__"):
            raise ValueError("bad label name in %r" % text)
        name = m.group(1)
        i += m.end()
        j = i
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        if j >= len(text):
            raise ValueError("unterminated label value in %r" % text)
        if name in labels:
            raise ValueError("label %s twice" % name)
        labels[name] = _unescape(text[i:j], allow_quote=False)
        i = j + 1
        if text[i:i + 1] == "}":
            return labels, text[i + 1:]
        if text[i:i + 1] != ",":
            raise ValueError("expected , or } in %r" % text)
        i += 1


def _parse_value(text):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not NUMBER.match(text):
        raise ValueError("bad value %r" % text)
    return float(text)


def parse_openmetrics(text):
    """Families by name: {"type", "help", "unit", "samples": [(labels, value)]}. Raises ValueError
    for anything the OpenMetrics 1.0 text format does not allow (and for timestamps and exemplars,
    which the provider never writes); only gauges are expected."""
    if not text.endswith("# EOF\n"):
        raise ValueError("the text does not end with the line # EOF")
    lines = text[:-len("# EOF\n")].split("\n")
    if lines[-1] != "":
        raise ValueError("the last line before # EOF has no newline")
    families, order, current = {}, [], None
    for line in lines[:-1]:
        if line == "":
            raise ValueError("empty line")
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE|UNIT) (\S+)(?: (.*))?\Z", line, re.S)
            if not m:
                raise ValueError("not a metric descriptor: %r" % line)
            kind, name, rest = m.group(1), m.group(2), m.group(3) or ""
            if not METRIC_NAME.match(name):
                raise ValueError("bad metric name %r" % name)
            if name != current:
                if name in families:
                    raise ValueError("family %s appears twice (its lines are not together)" % name)
                families[name] = {"type": None, "help": None, "unit": None, "samples": []}
                order.append(name)
                current = name
            fam = families[name]
            if fam["samples"]:
                raise ValueError("descriptor %r after samples" % line)
            key = kind.lower()
            if fam[key] is not None:
                raise ValueError("%s given twice for %s" % (kind, name))
            if kind == "TYPE":
                if rest not in TYPES:
                    raise ValueError("bad type %r" % rest)
                fam["type"] = rest
            elif kind == "HELP":
                fam["help"] = _unescape(rest, allow_quote=True)
            else:
                if not rest or not name.endswith("_" + rest):
                    raise ValueError("unit %r does not end the name %s" % (rest, name))
                fam["unit"] = rest
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)", line)
        if not m:
            raise ValueError("bad sample line %r" % line)
        name = m.group(1)
        if name != current or families[name]["type"] is None:
            raise ValueError("sample of %s outside its family (or without # TYPE)" % name)
        fam = families[name]
        if fam["type"] != "gauge":
            raise ValueError("unexpected type %s" % fam["type"])
        rest = line[len(name):]
        labels = {}
        if rest.startswith("{"):
            labels, rest = _parse_labels(rest[1:])
        if not rest.startswith(" ") or rest.startswith("  "):
            raise ValueError("expected one space before the value in %r" % line)
        parts = rest[1:].split(" ")
        if len(parts) != 1:
            raise ValueError("timestamps or exemplars in %r" % line)
        value = _parse_value(parts[0])
        if any(labels == other for other, _ in fam["samples"]):
            raise ValueError("series %s%r twice" % (name, labels))
        fam["samples"].append((labels, value))
    return families


class StrictOpenMetricsParser(unittest.TestCase):
    """The parser this file relies on refuses what the format forbids."""

    GOOD = ('# HELP a_seconds Help with \\\\ and \\n.\n# TYPE a_seconds gauge\n# UNIT a_seconds seconds\n'
            'a_seconds{x="q\\"uote",y="new\\nline"} 1.5e3\na_seconds{x="2",y=""} -Inf\n# TYPE b gauge\nb 0\n# EOF\n')

    def test_accepts_well_formed_text(self):
        fams = parse_openmetrics(self.GOOD)
        self.assertEqual(list(fams), ["a_seconds", "b"])
        self.assertEqual(fams["a_seconds"]["help"], "Help with \\ and \n.")
        self.assertEqual(fams["a_seconds"]["samples"][0], ({"x": 'q"uote', "y": "new\nline"}, 1500.0))
        self.assertTrue(math.isinf(fams["a_seconds"]["samples"][1][1]))

    def test_refuses_malformed_text(self):
        cases = {
            "no # EOF": self.GOOD[:-len("# EOF\n")],
            "text after # EOF": self.GOOD + "b 1\n",
            "a family twice": self.GOOD.replace("# EOF\n", "# TYPE a_seconds gauge\n# EOF\n"),
            "samples interleaved": self.GOOD.replace("b 0\n", "b 0\na_seconds 1\n"),
            "sample without # TYPE": "c 1\n# EOF\n",
            "descriptor after samples": "# TYPE c gauge\nc 1\n# HELP c late\n# EOF\n",
            "unit not ending the name": "# TYPE c gauge\n# UNIT c seconds\n# EOF\n",
            "unknown escape": '# TYPE c gauge\nc{x="\\t"} 1\n# EOF\n',
            "raw quote in a label value": '# TYPE c gauge\nc{x="a"b"} 1\n# EOF\n',
            "trailing comma in labels": '# TYPE c gauge\nc{x="a",} 1\n# EOF\n',
            "label twice": '# TYPE c gauge\nc{x="a",x="b"} 1\n# EOF\n',
            "series twice": '# TYPE c gauge\nc{x="a"} 1\nc{x="a"} 2\n# EOF\n',
            "bad value": "# TYPE c gauge\nc one\n# EOF\n",
            "empty line": "# TYPE c gauge\n\nc 1\n# EOF\n",
            "plain comment": "# just a comment\n# EOF\n",
            "bad metric name": "# TYPE 1c gauge\n# EOF\n",
        }
        for name, text in cases.items():
            with self.subTest(name):
                with self.assertRaises(ValueError):
                    parse_openmetrics(text)


# ---------------------------------------------------------------- the served endpoint

def certificate_and_key(ws, serial_number):
    """The PEM chain (leaf, then intermediates) and the private key of a stored certificate, read
    from the test's SQLite store (the one place that knows where a certificate's key is)."""
    con = sqlite3.connect(ws.store_path)
    try:
        row = con.execute("SELECT certificate_pem, chain_pem, private_key FROM certificates WHERE serial_number = ?",
                          (serial_number,)).fetchone()
    finally:
        con.close()
    if row is None:
        raise AssertionError("no certificate with serial %s in the store" % serial_number)
    leaf, chain, key = row
    if key.startswith("enc:"):
        raise AssertionError("the test store has no encryption key; found an encrypted private key")
    return leaf + chain, key


def stored_certificates(ws):
    """(name, serial, not_after from the PEM itself) of every certificate in the store."""
    con = sqlite3.connect(ws.store_path)
    try:
        rows = con.execute("SELECT name, serial_number, certificate_pem FROM certificates ORDER BY seq").fetchall()
    finally:
        con.close()
    out = []
    for name, serial, pem in rows:
        end = harness.openssl("x509", "-noout", "-enddate", input=pem).stdout.strip()
        not_after = datetime.datetime.strptime(end.split("=", 1)[1], "%b %d %H:%M:%S %Y GMT")
        out.append((name, serial, int(not_after.replace(tzinfo=datetime.timezone.utc).timestamp())))
    return out


class TlsEndpoint:
    """A TLS server on 127.0.0.1 that completes handshakes with one certificate chain and closes;
    what a load balancer serving the certificate would show the probe."""

    def __init__(self, chain_pem, key_pem, directory):
        fd, self.chain_path = tempfile.mkstemp(dir=directory, suffix=".pem")
        with os.fdopen(fd, "w") as f:
            f.write(chain_pem)
        fd, self.key_path = tempfile.mkstemp(dir=directory, suffix=".key")
        with os.fdopen(fd, "w") as f:
            f.write(key_pem)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.chain_path, self.key_path)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.server_names = []
        self.context.sni_callback = lambda conn, name, ctx: self.server_names.append(name)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def endpoint(self):
        return "127.0.0.1:%d" % self.port

    def _serve(self):
        while True:
            ready, _, _ = select.select([self.sock, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            conn, _ = self.sock.accept()
            conn.settimeout(5)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.unwrap()
            except (OSError, ssl.SSLError):
                pass  # the probe closes without waiting for close_notify
            finally:
                conn.close()

    def stop(self):
        if self._thread is None:
            return
        os.write(self._stop_w, b"x")
        self._thread.join(10)
        self.sock.close()
        os.close(self._stop_r)
        os.close(self._stop_w)
        self._thread = None


class RefusingProxy(harness.AcmeProxy):
    """harness.AcmeProxy that can also refuse new orders as a CA does that will not issue for a
    name (RFC 8555 §6.7 rejectedIdentifier): `refuse_new_orders` = N refuses the next N."""

    def __init__(self, pebble):
        super().__init__(pebble)
        self.refuse_new_orders = 0
        self.refused = 0

    def _before(self, method, url):
        with self.lock:
            if method == "POST" and self._kind.get(url) == "newOrder" and self.refuse_new_orders > 0:
                self.refuse_new_orders -= 1
                self.refused += 1
                return (400, "rejectedIdentifier", "the test CA refuses to issue for this name", [])
        return super()._before(method, url)


def run_command(ws, *args, env=None):
    full = dict(ws.env)
    full["IONOS_CERT_STORE"] = "sqlite:" + ws.store_path
    full["IONOS_TOKEN"] = harness.DNS_TOKEN
    full.update(env or {})
    return subprocess.run([harness.PROVIDER_BINARY] + list(args), capture_output=True, text=True, env=full,
                          timeout=300)


class Monitoring(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY).start()
        cls.proxy = RefusingProxy(cls.env.pebble).start()
        cls.ws = harness.Workdir()
        cls.base = (cls.env.provider_block(cls.ws) + account() % cls.proxy.directory_url +
                    auto_cert("www", "www", "probe.example.com", key_algorithm="ecdsa256"))
        cls.ws.write(cls.base)
        cls.ws.apply()
        [first] = cls.ws.resources("ionos_auto_certificate")
        cls.auto_id = first["id"]
        # The `renew` command renews it on day 61 of 90: the store keeps both certificates.
        proc = run_command(cls.ws, "renew", "--json",
                           env={"IONOS_CERT_NOW": rfc3339(epoch_of(first["not_before"]) + 61 * DAY)})
        if proc.returncode != 0:
            raise AssertionError(proc.stdout + proc.stderr)
        certs = stored_certificates(cls.ws)
        assert len(certs) == 2, certs
        cls.old_serial, cls.new_serial = certs[0][1], certs[1][1]
        cls.root_pem = cls.env.pebble.root_pem()

    @classmethod
    def tearDownClass(cls):
        cls.ws.cleanup()
        cls.proxy.stop()
        cls.env.stop()

    def serve(self, serial):
        chain, key = certificate_and_key(self.ws, serial)
        endpoint = TlsEndpoint(chain, key, self.ws.dir)
        self.addCleanup(endpoint.stop)
        return endpoint

    def data_block(self, endpoint, extra=""):
        root = "\n".join("    " + line for line in self.root_pem.strip().splitlines())
        return '''  data "ionos_served_certificate" "www" {
    endpoint            = "%s"
    server_name         = "probe.example.com"
    auto_certificate_id = ionos_auto_certificate.www.id
    timeout             = "5s"
%s    ca_certificates_pem = <<-EOT
%s
    EOT
  }
''' % (endpoint, extra, root)

    ASSERT = '''
  assert {
    condition     = data.ionos_served_certificate.www.is_newest && data.ionos_served_certificate.www.chain_verified
    error_message = "probe.example.com serves ${coalesce(data.ionos_served_certificate.www.serial_number, "nothing")}, not the newest certificate"
  }
'''

    def write_check(self, endpoint):
        """The data source at the top level (read at plan only) with warn_on_failure, and a check
        block asserting on it: the pattern the docs give drift-detection jobs."""
        data = self.data_block(endpoint, "    warn_on_failure     = true\n")
        self.ws.write(self.base + "\n" + "\n".join(line[2:] for line in data.splitlines()) + "\n\n" +
                      'check "probe_served" {' + self.ASSERT + "}\n")

    def write_nested_check(self, endpoint):
        """The data source nested in the check block: Terraform makes its failures warnings."""
        self.ws.write(self.base + '\ncheck "probe_served" {\n' + self.data_block(endpoint) + self.ASSERT + "}\n")

    def test_check_passes_for_the_newest_warns_for_another_and_for_a_closed_endpoint(self):
        newest = self.serve(self.new_serial)
        self.write_check(newest.endpoint)
        code, proc = self.ws.plan_exitcode()
        out = proc.stdout + proc.stderr
        self.assertEqual(code, 0, out)
        self.assertNotIn("Warning: Check", out)
        self.assertNotIn("Warning: Endpoint", out)
        self.assertNotIn("Error", out)
        self.assertIn("probe.example.com", newest.server_names, "the probe sent SNI")

        older = self.serve(self.old_serial)
        self.write_check(older.endpoint)
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 0, out)
        self.assertIn("Warning: Check block assertion failed", out)
        self.assertIn("probe.example.com serves %s, not the newest certificate" % self.old_serial, out)

        newest.stop()
        older.stop()  # nothing listens on its port now
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 0, out)
        self.assertIn("Warning: Endpoint refused the connection", out)
        self.assertIn("%s (server name probe.example.com): connection refused" % older.endpoint, out)
        self.assertIn("probe.example.com serves nothing, not the newest certificate", out)
        self.assertNotIn("panic", out.lower())
        self.assertNotIn("Error", out)

    def test_nested_in_a_check_block_a_failure_is_a_warning(self):
        older = self.serve(self.old_serial)
        older.stop()
        self.write_nested_check(older.endpoint)
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        # Terraform 1.11 plans every data source nested in a check block to be read again at
        # apply and counts that as a change (hashicorp/terraform#35226): exit 2, never 1.
        self.assertEqual(code, 2, out)
        self.assertIn("(config will be reloaded to verify a check block)", out)
        self.assertIn("Warning: Endpoint refused the connection", out)
        self.assertIn("%s (server name probe.example.com): connection refused" % older.endpoint, out)
        self.assertNotIn("Error", out)

    def test_outside_a_check_block_a_failure_is_an_error_on_endpoint(self):
        ws = harness.Workdir(store_path=self.ws.store_path)
        self.addCleanup(ws.cleanup)
        older = self.serve(self.old_serial)
        ws.write(self.env.provider_block(ws) + '''
data "ionos_served_certificate" "www" {
  endpoint    = "%s"
  server_name = "other.example.com"
}
''' % older.endpoint)
        code, proc = ws.plan_exitcode()
        err = flat(proc.stderr)
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        self.assertIn("Error: Served certificate does not match the server name", err)
        self.assertIn("not for other.example.com (name mismatch)", err)
        self.assertIn('endpoint = "%s"' % older.endpoint, err, "the diagnostic points at endpoint")

    def test_certificates_in_openmetrics_give_one_expiration_gauge_per_certificate(self):
        proc = run_command(self.ws, "certificates", "--format", "openmetrics")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        families = parse_openmetrics(proc.stdout)
        for name in ("ionos_certificate_expiration_timestamp_seconds", "ionos_certificate_renewal_timestamp_seconds",
                     "ionos_certificate_renewal_due"):
            self.assertEqual(families[name]["type"], "gauge", name)
            self.assertTrue(families[name]["help"], name)
        expiration = families["ionos_certificate_expiration_timestamp_seconds"]
        self.assertEqual(expiration["unit"], "seconds")
        got = {labels["name"]: (labels, value) for labels, value in expiration["samples"]}
        stored = stored_certificates(self.ws)
        self.assertEqual(len(expiration["samples"]), len(stored), expiration["samples"])
        statuses = {}
        for name, serial, not_after in stored:
            labels, value = got[name]
            self.assertEqual(value, not_after, name)
            self.assertEqual(labels["auto_certificate"], "www")
            self.assertEqual(labels["auto_certificate_id"], self.auto_id)
            self.assertEqual(labels["common_name"], "probe.example.com")
            statuses[serial] = labels["status"]
        self.assertEqual(statuses, {self.old_serial: "superseded", self.new_serial: "active"})
        self.assertEqual(families["ionos_certificate_renewal_due"]["samples"],
                         [({"auto_certificate": "www", "auto_certificate_id": self.auto_id,
                            "common_name": "probe.example.com"}, 0.0)])

    def test_renew_writes_the_metrics_file_and_exits_3_when_the_ca_refuses_near_expiry(self):
        newest = [c for c in stored_certificates(self.ws) if c[1] == self.new_serial][0]
        # 20 days (and an hour, so that the run's own seconds do not make it 19) before expiry.
        now = newest[2] - 20 * DAY - 3600
        metrics = os.path.join(self.ws.dir, "textfile", "ionos.prom")
        os.makedirs(os.path.dirname(metrics), exist_ok=True)
        self.proxy.refuse_new_orders = 1
        self.addCleanup(setattr, self.proxy, "refuse_new_orders", 0)
        proc = run_command(self.ws, "renew", "--metrics-file", metrics, env={"IONOS_CERT_NOW": rfc3339(now)})
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertEqual(self.proxy.refused, 1)
        self.assertIn("failed: www (probe.example.com): ", proc.stdout)
        self.assertIn("rejectedIdentifier", proc.stdout)
        self.assertRegex(proc.stderr, r"warning: probe\.example\.com-\S+ \(www\) expires on \S+, in 20 days and was "
                                      r"not renewed in this run")
        self.assertEqual(os.listdir(os.path.dirname(metrics)), ["ionos.prom"], "no temporary file is left")
        with open(metrics) as f:
            families = parse_openmetrics(f.read())
        actions = {labels["action"]: value for labels, value in families["ionos_renew_certificates"]["samples"]}
        self.assertEqual(actions, {"renewed": 0, "adopted": 0, "not_due": 0, "failed": 1})
        [(labels, last_run)] = families["ionos_renew_last_run_timestamp_seconds"]["samples"]
        self.assertEqual(labels, {})
        self.assertGreaterEqual(last_run, now - 1)  # the moved clock keeps whole seconds of offset
        self.assertLess(last_run, now + 600, "the run ended at the provider's (moved) clock")
        expiration = families["ionos_certificate_expiration_timestamp_seconds"]["samples"]
        self.assertEqual(sorted(v for _, v in expiration), sorted(c[2] for c in stored_certificates(self.ws)))
        self.assertEqual(families["ionos_certificate_renewal_due"]["samples"][0][1], 1.0)
        self.assertEqual(len(stored_certificates(self.ws)), 2, "the refused renewal stored nothing")


if __name__ == "__main__":
    unittest.main()

"""tests/fakes/acme_extensions_proxy.py: ARI (RFC 9773) and ACME profiles in front of Pebble 2.4.

Most tests drive the proxy with a minimal ACME client written here (ES256 JWS
signed by the openssl CLI, DNS-01 answered through pebble-challtestsrv), so
they can send exactly the newOrder payloads they mean to. One test issues a
certificate with the real terraform CLI and the built provider through the
proxy. Everything runs on 127.0.0.1.
"""

import datetime
import hashlib
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import harness
from test_auto_certificate import account, auto_cert

sys.path.insert(0, os.path.join(harness.SOURCE_DIR, "tests", "fakes"))
import acme_extensions_proxy as ext  # noqa: E402

DAY = 86400

# RFC 9773 Appendix A: the example end-entity certificate and its certID (§4.1).
RFC9773_EXAMPLE = """-----BEGIN CERTIFICATE-----
MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt
cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS
BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu
7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf
qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B
yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb
+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK
-----END CERTIFICATE-----
"""
RFC9773_EXAMPLE_ID = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"


def b64url(data):
    return ext.b64url(data)


def openssl(args, input=None):
    return subprocess.run(["openssl"] + args, input=input, capture_output=True, check=True).stdout


def openssl_cert_id(pem):
    """The RFC 9773 §4.1 certID computed from the openssl CLI's view of a certificate, independently
    of the proxy's DER parser."""
    text = openssl(["x509", "-noout", "-serial", "-ext", "authorityKeyIdentifier"], pem.encode()).decode()
    serial = int(re.search(r"serial=([0-9A-Fa-f]+)", text).group(1), 16)
    serial_der = serial.to_bytes(serial.bit_length() // 8 + 1, "big")  # a leading 0x00 iff the high bit is set
    aki = re.search(r"Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-Fa-f:]+)", text).group(1)
    return b64url(bytes.fromhex(aki.replace(":", ""))) + "." + b64url(serial_der)


def openssl_dates(pem):
    text = openssl(["x509", "-noout", "-dates"], pem.encode()).decode()
    out = {}
    for line in text.splitlines():
        key, value = line.split("=", 1)
        out[key] = datetime.datetime.strptime(" ".join(value.split()), "%b %d %H:%M:%S %Y GMT").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    return out["notBefore"], out["notAfter"]


def http_request(url, ca_pem, method="GET", body=None, headers=None, host=None, port=None):
    """One HTTPS request: (status, [(header, value)], body bytes). host/port redirect the connection
    while the Host header stays that of the URL."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPSConnection(host or parts.hostname, port or parts.port,
                                       context=ssl.create_default_context(cadata=ca_pem), timeout=30)
    try:
        conn.putrequest(method, parts.path + ("?" + parts.query if parts.query else ""), skip_host=True,
                        skip_accept_encoding=True)
        conn.putheader("Host", parts.netloc)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def header(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), None)


class AcmeClient:
    """The smallest RFC 8555 client these tests need: an ES256 account key made and used through the
    openssl CLI, flattened JWS, DNS-01 through pebble-challtestsrv's management API."""

    def __init__(self, directory_url, ca_pem, workdir, chall=None):
        self.directory_url, self.ca_pem, self.workdir, self.chall = directory_url, ca_pem, workdir, chall
        self.key = self._new_key("account")
        self.cert_key = self._new_key("cert")
        point = openssl(["pkey", "-in", self.key, "-pubout", "-outform", "DER"])[-65:]  # 0x04 || X || Y
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64url(point[1:33]), "y": b64url(point[33:])}
        self.thumbprint = b64url(hashlib.sha256(json.dumps(self.jwk, sort_keys=True, separators=(",", ":"))
                                                .encode()).digest())  # RFC 7638
        self.kid = None
        self.nonce = None
        self.directory = json.loads(self.request("GET", directory_url)[2])

    def _new_key(self, name):
        path = os.path.join(self.workdir, name + ".key")
        openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        return path

    def request(self, method, url, body=None, headers=None):
        status, hdrs, data = http_request(url, self.ca_pem, method, body, headers)
        nonce = header(hdrs, "Replay-Nonce")
        if nonce:
            self.nonce = nonce
        return status, hdrs, data

    def _sign(self, data):
        der = openssl(["dgst", "-sha256", "-sign", self.key], data)
        # ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s, 32 bytes each (RFC 7518 §3.4)
        (_, r), (_, s) = ext._children(ext._tlv(der, 0)[1])
        return int.from_bytes(r, "big").to_bytes(32, "big") + int.from_bytes(s, "big").to_bytes(32, "big")

    def jws(self, url, payload):
        """A flattened JWS for url; payload None is POST-as-GET (RFC 8555 §6.3)."""
        if self.nonce is None:
            self.request("HEAD", self.directory["newNonce"])
        protected = {"alg": "ES256", "nonce": self.nonce, "url": url}
        if self.kid:
            protected["kid"] = self.kid
        else:
            protected["jwk"] = self.jwk
        self.nonce = None
        protected_b64 = b64url(json.dumps(protected).encode())
        payload_b64 = "" if payload is None else b64url(json.dumps(payload).encode())
        signature = self._sign((protected_b64 + "." + payload_b64).encode())
        return json.dumps({"protected": protected_b64, "payload": payload_b64,
                           "signature": b64url(signature)}).encode()

    def post(self, url, payload=None):
        """(status, headers, body); a badNonce answer is retried with the nonce it brought."""
        for _ in range(3):
            status, hdrs, data = self.request("POST", url, self.jws(url, payload),
                                              {"Content-Type": "application/jose+json"})
            if status == 400 and b"badNonce" in data:
                continue
            return status, hdrs, data
        return status, hdrs, data

    def register(self):
        status, hdrs, data = self.post(self.directory["newAccount"], {"termsOfServiceAgreed": True})
        assert status in (200, 201), data
        self.kid = header(hdrs, "Location")
        return self

    def new_order(self, names, **extra):
        payload = {"identifiers": [{"type": "dns", "value": n} for n in names]}
        payload.update(extra)
        return self.post(self.directory["newOrder"], payload)

    def poll(self, url, done, timeout=30):
        deadline = time.time() + timeout
        while True:
            status, hdrs, data = self.post(url)
            obj = json.loads(data)
            if done(obj) or time.time() > deadline:
                return status, hdrs, obj
            time.sleep(0.1)

    def answer_challenges(self, order, publish=True):
        """DNS-01 (RFC 8555 §8.4) for every authorization of the order; publish=False answers the
        challenge without a TXT record, so validation fails."""
        for authz_url in order["authorizations"]:
            authz = json.loads(self.post(authz_url)[2])
            if authz["status"] == "valid":
                continue
            challenge = next(c for c in authz["challenges"] if c["type"] == "dns-01")
            host = "_acme-challenge.%s." % authz["identifier"]["value"]
            if publish:
                key_authorization = challenge["token"] + "." + self.thumbprint
                value = b64url(hashlib.sha256(key_authorization.encode()).digest())
                self._chall("/set-txt", {"host": host, "value": value})
            self.post(challenge["url"], {})
            self.poll(authz_url, lambda a: a["status"] != "pending")
            if publish:
                self._chall("/clear-txt", {"host": host})

    def _chall(self, path, body):
        """pebble-challtestsrv's management API (plain HTTP on loopback)."""
        parts = urllib.parse.urlsplit(self.chall.management_url + path)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request("POST", parts.path, json.dumps(body), {"Content-Type": "application/json"})
            response = conn.getresponse()
            assert response.status == 200, response.read()
        finally:
            conn.close()

    def finalize(self, order_url, order, names):
        """Finalize with a CSR for names, wait for "valid", download the chain. Returns a dict of the
        answers seen: finalize (status, headers, obj), order (obj), certificate (status, headers, bytes)."""
        csr = openssl(["req", "-new", "-key", self.cert_key, "-subj", "/CN=" + names[0], "-outform", "DER",
                       "-addext", "subjectAltName=" + ",".join("DNS:" + n for n in names)])
        status, hdrs, data = self.post(order["finalize"], {"csr": b64url(csr)})
        out = {"finalize": (status, hdrs, json.loads(data))}
        _, _, final = self.poll(order_url, lambda o: o["status"] in ("valid", "invalid"))
        out["order"] = final
        out["certificate"] = self.post(final["certificate"])
        return out

    def issue(self, names, **extra):
        """newOrder (with extra payload members), DNS-01, finalize, download. Returns the dict of
        finalize() plus "new_order" (status, headers, obj) and "order_url"."""
        status, hdrs, data = self.new_order(names, **extra)
        assert status == 201, data
        order = json.loads(data)
        order_url = header(hdrs, "Location")
        self.answer_challenges(order)
        out = self.finalize(order_url, order, names)
        out["new_order"] = (status, hdrs, order)
        out["order_url"] = order_url
        return out


class CertIdAndWindowRules(unittest.TestCase):
    """The proxy's pure functions, against RFC 9773's own example."""

    def test_rfc9773_appendix_a_cert_id(self):
        self.assertEqual(ext.cert_id(RFC9773_EXAMPLE), RFC9773_EXAMPLE_ID)
        info = ext.parse_certificate(RFC9773_EXAMPLE)
        self.assertEqual(info["aki"].hex(), "69885b6b87464041e1b37b847ba0ae2cde01c8d4")
        self.assertEqual(info["serial"].hex(), "0087654321")  # the leading zero byte is kept (§4.1)
        self.assertEqual(ext.parse_cert_id(RFC9773_EXAMPLE_ID), (info["aki"], info["serial"]))

    def test_malformed_cert_ids(self):
        for bad in ["", "aYhba4dGQEHhs3uEe6CuLN4ByNQ", "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE",
                    "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE=", "a.b.c", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.",
                    "aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ",   # 87654321 without its leading zero: negative
                    "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AAE",      # 00 01: not minimal DER
                    "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQy+",  # base64, not base64url
                    "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyF"]:  # non-canonical trailing bits
            with self.assertRaises(ValueError, msg=bad):
                ext.parse_cert_id(bad)

    def test_default_window_is_around_two_thirds(self):
        start, end = ext.AcmeExtensionsProxy.default_window(0, 90 * DAY)
        self.assertEqual((start, end), (59 * DAY, 61 * DAY))
        start, end = ext.AcmeExtensionsProxy.default_window(1000, 1000 + 160 * 3600)
        self.assertEqual((start + end) / 2, 1000 + 160 * 3600 * 2 / 3)
        start, end = ext.AcmeExtensionsProxy.default_window(0, 10)
        self.assertLess(start, end)


class ProxyInFrontOfPebble(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.chall = harness.ChallTestSrv().start()
        cls.pebble = harness.Pebble(dns_server=cls.chall.dns_address, validity_seconds=90 * DAY).start()
        cls.proxy = ext.AcmeExtensionsProxy(cls.pebble.port, cls.pebble.tls_cert_pem).start()
        cls.dir = tempfile.mkdtemp(prefix="acme-ext-test-")
        cls.client = AcmeClient(cls.proxy.directory_url, cls.proxy.tls_cert_pem, cls.dir, cls.chall).register()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.pebble.stop()
        cls.chall.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.proxy.reset_records()

    def tearDown(self):
        self.assertEqual(self.proxy.errors(), [])

    def pebble_new_orders(self):
        return self.pebble.request_count("POST /order-plz")

    def renewal_info(self, cert_id, method="GET"):
        status, hdrs, data = http_request(self.proxy.renewal_info_url + "/" + cert_id, self.proxy.tls_cert_pem,
                                          method)
        is_json = "json" in (header(hdrs, "Content-Type") or "")
        return status, hdrs, json.loads(data) if is_json else data

    def test_directory_gains_renewal_info_and_profiles_only(self):
        _, _, proxied = http_request(self.proxy.directory_url, self.proxy.tls_cert_pem)
        _, _, direct = http_request(self.pebble.directory_url, self.pebble.tls_cert_pem)
        proxied, direct = json.loads(proxied), json.loads(direct)
        self.assertEqual(proxied.pop("renewalInfo"), self.proxy.renewal_info_url)
        self.assertEqual(proxied["meta"].pop("profiles"), ext.DEFAULT_PROFILES)
        here = "https://127.0.0.1:%d/" % self.proxy.port
        pebble = "https://127.0.0.1:%d/" % self.pebble.port
        self.assertEqual(json.dumps(proxied, sort_keys=True), json.dumps(direct, sort_keys=True).replace(pebble, here))

        self.proxy.profiles = {"only": "the one profile"}
        try:
            _, _, data = http_request(self.proxy.directory_url, self.proxy.tls_cert_pem)
            self.assertEqual(json.loads(data)["meta"]["profiles"], {"only": "the one profile"})
        finally:
            self.proxy.profiles = dict(ext.DEFAULT_PROFILES)

    def test_issue_with_profile_then_renewal_info(self):
        names = ["ari.example.com", "www.ari.example.com"]
        out = self.client.issue(names, profile="tlsserver")
        # The profile is echoed on the newOrder answer, on later reads and by finalize (draft §4).
        self.assertEqual(out["new_order"][2]["profile"], "tlsserver")
        self.assertEqual(out["finalize"][2]["profile"], "tlsserver")
        self.assertEqual(out["order"]["profile"], "tlsserver")
        self.assertEqual(out["order"]["status"], "valid")
        self.assertNotIn("replaces", out["order"])
        status, hdrs, pem = out["certificate"]
        pem = pem.decode()
        self.assertEqual(status, 200)
        cid = openssl_cert_id(pem)
        self.assertEqual(ext.cert_id(pem), cid)
        known = self.proxy.certificates()[cid]
        self.assertEqual(sorted(known["names"]), sorted(names))
        self.assertEqual(known["profile"], "tlsserver")
        self.assertEqual(known["account"], self.client.kid)
        [payload] = self.proxy.new_order_payloads()
        self.assertEqual(payload["profile"], "tlsserver")

        # RFC 9773 §4.2: the default window, two days around two thirds of the 90 days.
        status, hdrs, info = self.renewal_info(cid)
        self.assertEqual(status, 200)
        self.assertEqual(header(hdrs, "Content-Type"), "application/json")
        self.assertEqual(header(hdrs, "Retry-After"), "21600")
        self.assertEqual(set(info), {"suggestedWindow"})
        not_before, not_after = openssl_dates(pem)
        start, end = ext.AcmeExtensionsProxy.default_window(not_before, not_after)
        self.assertEqual(info["suggestedWindow"], {"start": ext.rfc3339(start), "end": ext.rfc3339(end)})
        self.assertAlmostEqual((start + end) / 2 - not_before, 60 * DAY, delta=2)

        # Windows set by the test, explanationURL and Retry-After.
        self.proxy.retry_after = 60
        self.proxy.explanation_url = "https://ca.example/why"
        self.proxy.set_window("2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z")
        status, hdrs, info = self.renewal_info(cid)
        self.assertEqual(info, {"suggestedWindow": {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"},
                                "explanationURL": "https://ca.example/why"})
        self.assertEqual(header(hdrs, "Retry-After"), "60")
        self.proxy.window_open_now(cid, explanation_url="https://ca.example/revoked")
        status, hdrs, info = self.renewal_info(cid)
        self.assertLess(info["suggestedWindow"]["end"], ext.rfc3339(time.time()))
        self.assertEqual(info["explanationURL"], "https://ca.example/revoked")
        self.proxy.clear_windows()
        self.proxy.retry_after = 21600
        self.proxy.explanation_url = None
        self.assertEqual(self.renewal_info(cid)[2]["suggestedWindow"]["start"], ext.rfc3339(start))
        with self.assertRaises(ValueError):
            self.proxy.set_window(100, 100)

        # Errors: unknown (404), malformed (400), not a GET (405), no certID (404).
        unknown = "AAAA." + cid.split(".")[1]
        status, hdrs, problem = self.renewal_info(unknown)
        self.assertEqual((status, problem["type"]), (404, "urn:ietf:params:acme:error:malformed"))
        self.assertEqual(header(hdrs, "Content-Type"), "application/problem+json")
        status, _, problem = self.renewal_info(cid + "=")
        self.assertEqual((status, problem["type"]), (400, "urn:ietf:params:acme:error:malformed"))
        self.assertEqual(self.renewal_info(cid, "POST")[0], 405)
        self.assertEqual(http_request(self.proxy.renewal_info_url, self.proxy.tls_cert_pem)[0], 404)

        # Counting, per certID as sent.
        counts = self.proxy.renewal_info_counts()
        self.assertEqual(counts, {cid: 5, unknown: 1, cid + "=": 1, "": 1})
        self.assertEqual([r["status"] for r in self.proxy.renewal_info_requests() if r["cert_id"] == cid],
                         [200, 200, 200, 200, 405])

    def test_replaces_is_checked_echoed_and_refusable(self):
        first = self.client.issue(["old.example.com"])
        self.assertNotIn("profile", first["order"])
        old = ext.cert_id(first["certificate"][2].decode())

        # A foreign or unknown certificate, no shared identifier: refused without reaching Pebble.
        before = self.pebble_new_orders()
        status, _, data = self.client.new_order(["old.example.com"], replaces="AAAA." + old.split(".")[1])
        self.assertEqual((status, json.loads(data)["type"]), (400, "urn:ietf:params:acme:error:malformed"))
        status, _, data = self.client.new_order(["other.example.com"], replaces=old)
        self.assertEqual(status, 400, data)
        self.assertEqual(self.pebble_new_orders(), before)

        # Accepted: "replaces" is reflected in the answer and on later reads (RFC 9773 §5).
        status, hdrs, data = self.client.new_order(["old.example.com", "new.example.com"], replaces=old)
        self.assertEqual(status, 201, data)
        self.assertEqual(json.loads(data)["replaces"], old)
        renewal_url = header(hdrs, "Location")
        self.assertEqual(json.loads(self.client.post(renewal_url)[2])["replaces"], old)
        self.assertEqual(self.proxy.certificates()[old]["replaced_by"], urllib.parse.urlsplit(renewal_url).path)

        # A second replacement while the first order lives: 409 alreadyReplaced (§5, §7.4), with a
        # fresh Replay-Nonce, not forwarded.
        before = self.pebble_new_orders()
        status, hdrs, data = self.client.new_order(["old.example.com"], replaces=old)
        self.assertEqual(status, 409)
        self.assertEqual(json.loads(data)["type"], "urn:ietf:params:acme:error:alreadyReplaced")
        self.assertTrue(header(hdrs, "Replay-Nonce"))
        self.assertEqual(self.pebble_new_orders(), before)

        # Once that order is invalid (its DNS-01 fails), the certificate can be replaced again.
        self.client.answer_challenges(json.loads(self.client.post(renewal_url)[2]), publish=False)
        _, _, invalid = self.client.poll(renewal_url, lambda o: o["status"] != "pending")
        self.assertEqual(invalid["status"], "invalid")
        self.assertEqual(invalid["replaces"], old)
        renewed = self.client.issue(["old.example.com"], replaces=old)
        self.assertEqual(renewed["order"]["replaces"], old)
        new = ext.cert_id(renewed["certificate"][2].decode())
        self.assertEqual(self.proxy.certificates()[new]["replaces"], old)

        # Forced refusals: the next one carrying "replaces" gets 409, the one after passes.
        self.proxy.refuse_replaces(1)
        before = self.pebble_new_orders()
        status, hdrs, data = self.client.new_order(["old.example.com"], replaces=new)
        self.assertEqual(status, 409)
        self.assertTrue(header(hdrs, "Replay-Nonce"))
        self.assertEqual(self.pebble_new_orders(), before)
        status, _, data = self.client.new_order(["old.example.com"], replaces=new)
        self.assertEqual(status, 201, data)
        self.assertEqual([r["outcome"] for r in self.proxy.new_orders()],
                         ["forwarded", "malformed", "malformed", "forwarded", "alreadyReplaced", "forwarded",
                          "alreadyReplaced", "forwarded"])
        self.assertEqual(sum(1 for p in self.proxy.new_order_payloads() if "replaces" in p), 7)

        # Without the checks, anything goes to Pebble; only a string is echoed.
        self.proxy.check_replaces = False
        try:
            status, _, data = self.client.new_order(["old.example.com"], replaces=["not", "a", "string"])
            self.assertEqual(status, 201, data)
            self.assertNotIn("replaces", json.loads(data))
            status, _, data = self.client.new_order(["elsewhere.example.com"], replaces=new)
            self.assertEqual((status, json.loads(data)["replaces"]), (201, new))
        finally:
            self.proxy.check_replaces = True

    def test_unknown_profile_is_refused_without_reaching_pebble(self):
        before = self.pebble_new_orders()
        for profile in ("nope", 7, ""):
            status, hdrs, data = self.client.new_order(["p.example.com"], profile=profile)
            problem = json.loads(data)
            self.assertEqual(status, 400)
            self.assertEqual(header(hdrs, "Content-Type"), "application/problem+json")
            self.assertEqual(problem["type"], "urn:ietf:params:acme:error:invalidProfile")
            for name in ext.DEFAULT_PROFILES:
                self.assertIn(name, problem["detail"])
            self.assertTrue(header(hdrs, "Replay-Nonce"))
        self.assertEqual(self.pebble_new_orders(), before)
        self.assertEqual([p.get("profile") for p in self.proxy.new_order_payloads()], ["nope", 7, ""])
        self.assertEqual({r["outcome"] for r in self.proxy.new_orders()}, {"invalidProfile"})

    def test_ordinary_order_passes_through_unchanged(self):
        status, hdrs, data = self.client.new_order(["plain.example.com"])
        self.assertEqual(status, 201, data)
        order_url = header(hdrs, "Location")
        self.assertTrue(order_url.startswith("https://127.0.0.1:%d/" % self.proxy.port))
        self.assertTrue(header(hdrs, "Replay-Nonce"))
        self.assertNotIn(b"profile", data)
        self.assertNotIn(b"replaces", data)
        [record] = self.proxy.new_orders()
        self.assertEqual((record["outcome"], record["status"]), ("forwarded", 201))
        self.assertEqual(record["payload"], {"identifiers": [{"type": "dns", "value": "plain.example.com"}]})

        # The same POST-as-GET, through the proxy and straight to Pebble (with the proxy's Host):
        # identical bodies.
        def read(**redirect):
            body = self.client.jws(order_url, None)
            if redirect:
                self.client.nonce = None
                return http_request(order_url, self.pebble.tls_cert_pem, "POST", body,
                                    {"Content-Type": "application/jose+json"}, **redirect)
            return self.client.request("POST", order_url, body, {"Content-Type": "application/jose+json"})
        via_proxy = read()
        direct = read(host="127.0.0.1", port=self.pebble.port)
        self.assertEqual(via_proxy[0], 200)
        self.assertEqual(via_proxy[2], direct[2])
        for name in ("Content-Type", "Link", "Location", "Cache-Control"):
            self.assertEqual(header(via_proxy[1], name), header(direct[1], name), name)

    def test_plain_ca_mode(self):
        issued = self.client.issue(["mode.example.com"])
        cid = ext.cert_id(issued["certificate"][2].decode())
        self.proxy.ari_enabled = False
        self.proxy.profiles_enabled = False
        try:
            _, _, proxied = http_request(self.proxy.directory_url, self.proxy.tls_cert_pem)
            _, _, direct = http_request(self.pebble.directory_url, self.pebble.tls_cert_pem)
            here = "https://127.0.0.1:%d/" % self.proxy.port
            pebble = "https://127.0.0.1:%d/" % self.pebble.port
            self.assertEqual(proxied, direct.replace(pebble.encode(), here.encode()))  # Pebble's bytes
            # renewalInfo goes to Pebble, which has none.
            self.assertEqual(self.renewal_info(cid)[0], 404)
            self.assertEqual(self.proxy.renewal_info_counts(), {})
            # "profile" and "replaces" go to Pebble unchecked; Pebble 2.4 ignores them.
            status, _, data = self.client.new_order(["mode.example.com"], profile="nope", replaces=cid)
            self.assertEqual(status, 201, data)
            self.assertNotIn("profile", json.loads(data))
            self.assertNotIn("replaces", json.loads(data))
        finally:
            self.proxy.ari_enabled = True
            self.proxy.profiles_enabled = True


class Pebble24Itself(unittest.TestCase):
    """What the proxy relies on: Pebble 2.4 accepts newOrder payloads with "profile" and "replaces"
    (Go's encoding/json ignores unknown members), creates the order and does not echo them."""

    def test_pebble_ignores_profile_and_replaces(self):
        with harness.pebble() as pebble, tempfile.TemporaryDirectory() as d:
            client = AcmeClient(pebble.directory_url, pebble.tls_cert_pem, d).register()
            self.assertNotIn("renewalInfo", client.directory)
            self.assertNotIn("profiles", client.directory.get("meta", {}))
            status, _, data = client.new_order(["x.example.com"], profile="no-such-profile",
                                               replaces=RFC9773_EXAMPLE_ID)
            self.assertEqual(status, 201, data)
            order = json.loads(data)
            self.assertEqual(order["status"], "pending")
            self.assertNotIn("profile", order)
            self.assertNotIn("replaces", order)


class TerraformThroughProxy(unittest.TestCase):
    """The real terraform CLI and provider issue a certificate through the proxy."""

    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"]).start()
        cls.proxy = ext.AcmeExtensionsProxy(cls.env.pebble.port, cls.env.pebble.tls_cert_pem).start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.env.stop()

    def test_issue_through_proxy(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ca = '  ca_certificates_pem = <<-EOT\n%s  EOT' % self.proxy.tls_cert_pem
        ws.write(self.env.provider_block(ws, extra=ca) + account() % self.proxy.directory_url +
                 auto_cert("c", "c", "tf.example.com", key_algorithm="ecdsa256"))
        ws.apply()
        [cert] = ws.resources("ionos_auto_certificate")
        cid = openssl_cert_id(cert["certificate_pem"])
        self.assertIn(cid, self.proxy.certificates())
        [record] = self.proxy.new_orders()
        self.assertEqual(record["outcome"], "forwarded")
        self.assertEqual(record["payload"]["identifiers"], [{"type": "dns", "value": "tf.example.com"}])
        self.assertEqual(self.proxy.certificates()[cid]["account"], record["account"])
        status, _, _ = http_request(self.proxy.renewal_info_url + "/" + cid, self.proxy.tls_cert_pem)
        self.assertEqual(status, 200)
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        self.assertEqual(self.proxy.errors(), [])


if __name__ == "__main__":
    unittest.main()

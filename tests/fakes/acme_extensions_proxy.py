#!/usr/bin/env python3
"""ACME Renewal Information and ACME profiles in front of Pebble.

Debian's Pebble 2.4 implements RFC 8555 but neither ACME Renewal Information
(ARI, RFC 9773) nor ACME profiles (draft-ietf-acme-profiles, formerly
draft-aaron-acme-profiles). `AcmeExtensionsProxy` is a TLS-terminating HTTP
proxy on 127.0.0.1 that adds exactly those two extensions and forwards every
other request to a Pebble on 127.0.0.1 unchanged:

* Directory (RFC 9773 §3, profiles draft §3): Pebble's directory gets a
  "renewalInfo" URL on the proxy and "meta": {"profiles": {name: description}}.
* RenewalInfo (RFC 9773 §4.1, §4.2): unauthenticated GET <renewalInfo>/<certID>
  answers 200 {"suggestedWindow": {"start", "end"}, "explanationURL"?} with a
  Retry-After header, for every certificate whose download passed through the
  proxy.
* newOrder (RFC 9773 §5, profiles draft §4): "replaces" and "profile" in the
  newOrder payload are checked; refused orders never reach Pebble; accepted
  ones are forwarded unchanged (Pebble 2.4 ignores both members) and the order
  object the client then sees, on every later read too, carries them.

Requests pass unchanged, the Host header included, so Pebble builds its URLs
with the proxy's address and its JWS "url" checks pass. The proxy knows none of
Pebble's paths except the directory's: it learns newOrder and newNonce from the
directory, order URLs from the Location of newOrder answers, finalize and
certificate URLs from order objects, and issued certificates from answers of
type application/pem-certificate-chain.

Standard library only; the proxy's own TLS certificate is made with the
openssl CLI. Run as a script for manual use:

    python3 acme_extensions_proxy.py --pebble-port 14000 --pebble-ca pebble.pem
"""

import argparse
import base64
import binascii
import datetime
import http.client
import http.server
import json
import math
import os
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

__all__ = ["AcmeExtensionsProxy", "cert_id", "parse_certificate", "parse_cert_id", "rfc3339", "DEFAULT_PROFILES"]

ACME_ERROR = "urn:ietf:params:acme:error:"

# Let's Encrypt's three profiles (Let's Encrypt's profile announcement); descriptions are free text (profiles draft §3).
DEFAULT_PROFILES = {
    "classic": "90-day certificates; the default profile",
    "tlsserver": "45-day certificates for TLS servers, no common name",
    "shortlived": "160-hour certificates; only for fully trusted automation",
}

# Hop-by-hop headers (RFC 9110 §7.6.1) and the length, which the proxy sets itself.
_HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade", "content-length"))


# ---------------------------------------------------------------- base64url, time

def b64url(data):
    """base64url without padding (RFC 4648 §5, as ACME uses it: RFC 8555 §6.1)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Strict inverse of b64url: no padding, no characters outside the alphabet, canonical trailing bits."""
    if not isinstance(text, str) or "=" in text or not text:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url")
    if b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data


def rfc3339(when):
    """A UTC timestamp in the RFC 3339 form ACME uses, whole seconds: 2025-01-02T04:00:00Z."""
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        when = when.timestamp()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(when)))


def _timestamp(when):
    """Seconds since the epoch from a number, an aware/naive-UTC datetime, or an RFC 3339 string ending in Z."""
    if isinstance(when, (int, float)):
        return float(when)
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return when.timestamp()
    if isinstance(when, str):
        parsed = datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return parsed.timestamp()
    raise TypeError("a time is a number, a datetime or an RFC 3339 string")


# ---------------------------------------------------------------- certificates (DER)

def _tlv(data, pos):
    """One DER element at pos: (tag, content, position after it). Single-byte tags only (X.509 needs no more)."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte DER tag")
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos:pos + length], pos + length


def _children(content):
    out, pos = [], 0
    while pos < len(content):
        tag, value, pos = _tlv(content, pos)
        out.append((tag, value))
    return out


def _der_time(tag, value):
    text = value.decode("ascii")
    if tag == 0x17:  # UTCTime, RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif tag != 0x18:  # GeneralizedTime, RFC 5280 §4.1.2.5.2
        raise ValueError("validity is not a time")
    if not text.endswith("Z") or len(text) != 15:
        raise ValueError("time is not YYYYMMDDHHMMSSZ")
    return datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


_OID_AKI = bytes.fromhex("551d23")  # 2.5.29.35 authorityKeyIdentifier (RFC 5280 §4.2.1.1)
_OID_SAN = bytes.fromhex("551d11")  # 2.5.29.17 subjectAltName (RFC 5280 §4.2.1.6)


def parse_certificate(cert):
    """The fields of an X.509 certificate (PEM text, or DER bytes) that ARI needs.

    Returns a dict: "serial" (the DER content octets of serialNumber, RFC 5280
    §4.1.2.2, leading 0x00 kept), "aki" (the keyIdentifier octets of the
    Authority Key Identifier extension, RFC 5280 §4.2.1.1, or None),
    "not_before"/"not_after" (seconds since the epoch), "names" (the dNSName
    and iPAddress entries of the subjectAltName, lower-cased DNS names, IP
    addresses as text) and "cert_id" (RFC 9773 §4.1, or None without AKI).
    """
    der = _pem_to_der(cert) if isinstance(cert, str) else bytes(cert)
    tag, certificate, _ = _tlv(der, 0)
    if tag != 0x30:
        raise ValueError("not a certificate")
    parts = _children(certificate)
    if not parts or parts[0][0] != 0x30:
        raise ValueError("no tbsCertificate")
    tbs = _children(parts[0][1])
    i = 1 if tbs and tbs[0][0] == 0xA0 else 0  # [0] EXPLICIT version
    if len(tbs) < i + 6 or tbs[i][0] != 0x02:
        raise ValueError("no serialNumber")
    serial = tbs[i][1]
    validity = _children(tbs[i + 3][1])
    if len(validity) != 2:
        raise ValueError("bad validity")
    info = {"serial": serial, "aki": None, "names": [],
            "not_before": _der_time(*validity[0]), "not_after": _der_time(*validity[1])}
    for tag, value in tbs[i + 6:]:
        if tag != 0xA3:  # [3] EXPLICIT extensions
            continue
        (_, extensions), = _children(value)
        for _, extension in _children(extensions):
            fields = _children(extension)
            oid, octets = fields[0][1], fields[-1][1]
            if oid == _OID_AKI:
                (_, aki), = _children(octets)
                for t, v in _children(aki):
                    if t == 0x80:  # [0] IMPLICIT KeyIdentifier
                        info["aki"] = v
            elif oid == _OID_SAN:
                (_, names), = _children(octets)
                for t, v in _children(names):
                    if t == 0x82:  # [2] dNSName
                        info["names"].append(v.decode("ascii").lower())
                    elif t == 0x87:  # [7] iPAddress
                        info["names"].append(socket.inet_ntop(socket.AF_INET if len(v) == 4 else socket.AF_INET6, v))
    info["cert_id"] = b64url(info["aki"]) + "." + b64url(serial) if info["aki"] is not None else None
    return info


def _pem_to_der(pem):
    """The DER of the first certificate in a PEM text (the leaf of a chain, RFC 8555 §9.1)."""
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    start = pem.index(begin) + len(begin)
    return base64.b64decode("".join(pem[start:pem.index(end, start)].split()), validate=True)


def cert_id(cert):
    """RFC 9773 §4.1 unique identifier of a certificate (PEM or DER):
    base64url(AKI keyIdentifier) "." base64url(serialNumber content octets), no padding."""
    info = parse_certificate(cert)
    if info["cert_id"] is None:
        raise ValueError("certificate has no Authority Key Identifier keyIdentifier")
    return info["cert_id"]


def parse_cert_id(text):
    """(keyIdentifier bytes, serial content octets) of an RFC 9773 §4.1 certID; ValueError if malformed.

    Both parts must be unpadded canonical base64url; the serial part must be a
    minimal DER INTEGER content of a positive number (RFC 5280 §4.1.2.2), so an
    identifier built from a serial without its leading 0x00 is malformed."""
    if not isinstance(text, str) or text.count(".") != 1:
        raise ValueError("a certID is two base64url parts joined by '.'")
    aki_text, serial_text = text.split(".")
    aki, serial = b64url_decode(aki_text), b64url_decode(serial_text)
    if serial[0] & 0x80:
        raise ValueError("serial is negative (missing leading zero byte?)")
    if len(serial) > 1 and serial[0] == 0 and not serial[1] & 0x80:
        raise ValueError("serial is not minimally encoded")
    return aki, serial


# ---------------------------------------------------------------- the proxy

class _TlsServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, context):
        self.context = context
        super().__init__(address, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # The TLS handshake happens in the handler's thread, not in the accept loop.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # clients going away mid-request are not the proxy's concern


class AcmeExtensionsProxy:
    """ARI (RFC 9773) and ACME profiles (draft-ietf-acme-profiles) in front of Pebble on 127.0.0.1.

    Constructor:
      pebble_port        Pebble's ACME port on 127.0.0.1 (the only upstream; nothing else is contacted).
      pebble_ca_pem      PEM that verifies Pebble's TLS certificate (harness.Pebble.tls_cert_pem);
                         None: Pebble's certificate is not verified (loopback test CA).
      port               port to listen on, 127.0.0.1 only; 0 picks a free one at start().
      profiles           offered profiles {name: description}; default DEFAULT_PROFILES.
      ari, profiles_enabled   initial values of the switches below.
      clock              a function returning seconds since the epoch (default time.time); it serves
                         window_open_now() and order expiry in the replaces checks.
      directory_path     Pebble's directory path ("/dir").

    Settings (plain attributes; a test may change them at any time):
      ari_enabled        False: no renewalInfo in the directory, renewalInfo paths go to Pebble (404),
                         "replaces" is forwarded without checks or echo: a plain RFC 8555 CA.
      profiles_enabled   False: no meta.profiles, "profile" is forwarded without checks or echo.
      profiles           the offered profiles, a dict {name: description}.
      default_profile    None, or the profile given to orders that name none (the draft's §4
                         RECOMMENDED server choice); it is then echoed like a requested one.
      retry_after        seconds in the Retry-After header of renewalInfo answers (RFC 9773 §4.3.1).
      explanation_url    explanationURL of renewalInfo answers unless a window sets its own; None omits it.
      check_replaces     True: newOrder "replaces" gets RFC 9773 §5's checks (see _check_replaces).

    Renewal windows (RFC 9773 §4.2), chosen per certificate in this order: a window set for that
    certID, a window set for all certificates, the default window (see default_window).
    """

    RENEWAL_INFO_PATH = "/renewal-info"

    def __init__(self, pebble_port, pebble_ca_pem=None, port=0, profiles=None, ari=True, profiles_enabled=True,
                 clock=time.time, directory_path="/dir"):
        self.pebble_port = int(pebble_port)
        self.port = int(port)
        self.directory_path = directory_path
        self.clock = clock
        self.ari_enabled = ari
        self.profiles_enabled = profiles_enabled
        self.profiles = dict(DEFAULT_PROFILES if profiles is None else profiles)
        self.default_profile = None
        self.retry_after = 21600
        self.explanation_url = None
        self.check_replaces = True
        self.tls_cert_pem = None   # the proxy's own TLS certificate (PEM), once started
        self.tls_cert_path = None  # ... and a file holding it while the proxy runs
        self.tls_key_path = None
        self._tls_key_pem = None
        self._lock = threading.Lock()
        if pebble_ca_pem:
            self._upstream_tls = ssl.create_default_context(cadata=pebble_ca_pem)
        else:
            self._upstream_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self._upstream_tls.check_hostname = False
            self._upstream_tls.verify_mode = ssl.CERT_NONE
        self._dir = None
        self._server = None
        self._paths = {}          # Pebble path -> "newOrder" | "newNonce"
        self._orders = {}         # order path -> order record (see _after_new_order)
        self._order_of = {}       # finalize or certificate path -> order path
        self._certs = {}          # certID -> certificate record (see _learn_certificate)
        self._windows = {}        # certID, or None for all -> (start, end, explanationURL or None)
        self._refuse_replaces = []  # pending forced refusals: (status, problem type, detail)
        self._errors = []         # tracebacks of requests the proxy itself failed on
        self.reset_records()

    # ---- lifecycle

    @property
    def directory_url(self):
        return "https://127.0.0.1:%d%s" % (self.port, self.directory_path)

    @property
    def renewal_info_url(self):
        return "https://127.0.0.1:%d%s" % (self.port, self.RENEWAL_INFO_PATH)

    def start(self):
        """Listen on 127.0.0.1:port (a free port if 0; after a stop(), the same port and the same TLS
        certificate). The first start makes a self-signed P-256 certificate for 127.0.0.1 and
        localhost with the openssl CLI. Returns self."""
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="acme-ext-proxy-")
            self.tls_key_path = os.path.join(self._dir, "proxy.key")
            self.tls_cert_path = os.path.join(self._dir, "proxy.pem")
            if self.tls_cert_pem is None:
                subprocess.run(
                    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", self.tls_key_path, "-out", self.tls_cert_path, "-days", "30", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                    check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with open(self.tls_cert_path) as f:
                    self.tls_cert_pem = f.read()
                with open(self.tls_key_path) as f:
                    self._tls_key_pem = f.read()
            else:
                fd = os.open(self.tls_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(self._tls_key_pem)
                with open(self.tls_cert_path, "w") as f:
                    f.write(self.tls_cert_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls_cert_path, self.tls_key_path)
        server = _TlsServer(("127.0.0.1", self.port), self._handler(), context)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        """Stop listening and remove the TLS files (start() writes them again). Recorded state and
        tls_cert_pem stay."""
        server, self._server = self._server, None
        if server:
            server.shutdown()
            server.server_close()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- test controls

    def set_window(self, start, end, cert_id=None, explanation_url=None):
        """Serve [start, end] (numbers, datetimes or RFC 3339 strings) for cert_id, or for every
        certificate without a window of its own when cert_id is None. RFC 9773 §4.2 forbids
        end <= start, so that raises ValueError."""
        start, end = _timestamp(start), _timestamp(end)
        if int(end) <= int(start):
            raise ValueError("RFC 9773 §4.2: the end of a window must follow its start")
        with self._lock:
            self._windows[cert_id] = (int(start), int(end), explanation_url)

    def window_open_now(self, cert_id=None, explanation_url=None):
        """A window from an hour ago until a second ago (by the proxy's clock): every time in it has
        come, so an RFC 9773 §4.2 client picking a time in it renews at once."""
        now = self.clock()
        self.set_window(now - 3600, now - 1, cert_id, explanation_url)

    def clear_windows(self, cert_id=None):
        """Back to the default window for cert_id; with None, every set window is dropped."""
        with self._lock:
            if cert_id is None:
                self._windows.clear()
            else:
                self._windows.pop(cert_id, None)

    def refuse_replaces(self, count=1, problem="alreadyReplaced", status=409, detail=None):
        """The next `count` newOrder requests carrying "replaces" are answered with this problem
        (default RFC 9773 §5/§7.4: 409 alreadyReplaced) and not forwarded."""
        detail = detail or "the certificate named in replaces has already been replaced (a refusal of the test CA)"
        with self._lock:
            self._refuse_replaces += [(status, problem, detail)] * count

    def reset_records(self):
        """Forget the recorded newOrder payloads and renewalInfo requests (not orders or certificates)."""
        with self._lock:
            self._new_orders = []
            self._renewal_info_log = []

    # ---- observations

    def new_orders(self):
        """Every newOrder request seen, oldest first: dicts with "payload" (the decoded JWS payload,
        None if undecodable), "account" (the JWS kid), "outcome" ("forwarded", or the problem type
        the proxy answered with), "status" (the HTTP status the client got) and "order" (the order
        URL path when Pebble created one)."""
        with self._lock:
            return [dict(r) for r in self._new_orders]

    def new_order_payloads(self):
        """The decoded payloads of every newOrder request, oldest first."""
        return [r["payload"] for r in self.new_orders()]

    def errors(self):
        """Tracebacks of requests the proxy failed on itself (answered 500 serverInternal); a test
        may assert this stays empty."""
        with self._lock:
            return list(self._errors)

    def renewal_info_requests(self):
        """Every renewalInfo request, oldest first: dicts with "cert_id" (the path segment as sent),
        "status" (the answer's HTTP status) and "time" (proxy clock)."""
        with self._lock:
            return [dict(r) for r in self._renewal_info_log]

    def renewal_info_counts(self):
        """{certID: number of renewalInfo requests for it}, unknown and malformed ones included."""
        counts = {}
        for r in self.renewal_info_requests():
            counts[r["cert_id"]] = counts.get(r["cert_id"], 0) + 1
        return counts

    def certificates(self):
        """{certID: record} of every certificate downloaded through the proxy. A record has "serial"
        and "aki" (hex), "not_before"/"not_after" (RFC 3339), "names", "order" (order path),
        "account" (kid of the order), "profile", "replaces" (the certID its order replaced) and
        "replaced_by" (order path of an accepted order that named it in "replaces")."""
        with self._lock:
            out = {}
            for cid, c in self._certs.items():
                order = self._orders.get(c["order"], {})
                out[cid] = {"serial": c["serial"].hex(), "aki": c["aki"].hex(),
                            "not_before": rfc3339(c["not_before"]), "not_after": rfc3339(c["not_after"]),
                            "names": list(c["names"]), "order": c["order"], "account": order.get("account"),
                            "profile": order.get("profile"), "replaces": order.get("replaces"),
                            "replaced_by": c["replaced_by"]}
            return out

    def orders(self):
        """{order path: {"account", "identifiers", "profile", "replaces", "status", "expires"}}
        of every order Pebble created through the proxy, as last seen."""
        with self._lock:
            return {path: {k: o[k] for k in ("account", "identifiers", "profile", "replaces", "status", "expires")}
                    for path, o in self._orders.items()}

    @staticmethod
    def default_window(not_before, not_after):
        """The window served when no test has set one, in the manner of Let's Encrypt: centred on the
        moment two thirds of the validity period V = notAfter - notBefore have passed, V/45 wide
        (two days for a 90-day certificate, 3.6 hours for a 160-hour one), at least two seconds
        wide and in whole seconds. Returns (start, end) in seconds since the epoch."""
        validity = not_after - not_before
        centre = not_before + validity * 2 / 3
        half = max(validity / 90, 1)
        return math.floor(centre - half), math.ceil(centre + half)

    def window(self, cert_id):
        """(start, end, explanationURL) served now for a known certID, or None if unknown."""
        with self._lock:
            return self._window_locked(cert_id)

    def _window_locked(self, cert_id):
        cert = self._certs.get(cert_id)
        if cert is None:
            return None
        chosen = self._windows.get(cert_id) or self._windows.get(None)
        if chosen:
            return chosen[0], chosen[1], chosen[2] if chosen[2] is not None else self.explanation_url
        start, end = self.default_window(cert["not_before"], cert["not_after"])
        return start, end, self.explanation_url

    # ---- renewalInfo (RFC 9773 §4)

    def _answer_renewal_info(self, method, path):
        """(status, headers, body) for a request under the renewalInfo URL.

        RFC 9773 §4.1: unauthenticated GET of <renewalInfo>/<certID>. §4.2: 200 with a RenewalInfo
        object; Retry-After per §4.3. The RFC leaves errors to RFC 8555 §6.7: a malformed certID gets
        400 malformed, a well-formed certID of no certificate this CA issued 404, other methods 405.
        """
        segment = path[len(self.RENEWAL_INFO_PATH) + 1:]
        if not segment or "/" in segment:
            status, answer = 404, _problem(404, "malformed", "renewalInfo is GET %s/<certID>" % self.renewal_info_url)
        elif method not in ("GET", "HEAD"):
            status, answer = 405, _problem(405, "malformed", "renewalInfo takes unauthenticated GET (RFC 9773 §4.1)")
            answer[1].append(("Allow", "GET, HEAD"))
        else:
            try:
                parse_cert_id(segment)
            except ValueError as e:
                status, answer = 400, _problem(400, "malformed", "malformed certID %r: %s" % (segment, e))
            else:
                with self._lock:
                    window = self._window_locked(segment)
                if window is None:
                    status, answer = 404, _problem(404, "malformed",
                                                   "no certificate %s was issued by this CA" % segment)
                else:
                    start, end, explanation = window
                    body = {"suggestedWindow": {"start": rfc3339(start), "end": rfc3339(end)}}
                    if explanation:
                        body["explanationURL"] = explanation
                    status = 200
                    answer = (200, [("Content-Type", "application/json"), ("Retry-After", str(int(self.retry_after)))],
                              json.dumps(body, indent=3).encode())
        with self._lock:
            self._renewal_info_log.append({"cert_id": segment, "status": status, "time": self.clock()})
        return answer

    # ---- newOrder (RFC 9773 §5, profiles draft §4)

    def _before_new_order(self, body):
        """Records a newOrder request. Returns (refusal or None, context for _after_new_order)."""
        payload, account = None, None
        try:
            jws = json.loads(body)
            protected = json.loads(b64url_decode_lenient(jws["protected"]))
            account = protected.get("kid")
            payload = json.loads(b64url_decode_lenient(jws["payload"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # Pebble will answer it as the malformed request it is
        record = {"payload": payload, "account": account, "outcome": "forwarded", "status": None, "order": None}
        with self._lock:
            self._new_orders.append(record)
        refusal = None
        if isinstance(payload, dict):
            refusal = self._check_profile(payload) or self._check_replaces(payload, account)
        if refusal:
            with self._lock:
                record["outcome"], record["status"] = refusal[1], refusal[0]
        return refusal, record

    def _check_profile(self, payload):
        """Profiles draft §4: a profile the server does not advertise MUST be refused with
        invalidProfile (the draft names no status; 400 as for other request errors, RFC 8555 §6.7)."""
        if not self.profiles_enabled or "profile" not in payload:
            return None
        profile = payload["profile"]
        offered = dict(self.profiles)
        if isinstance(profile, str) and profile in offered:
            return None
        return (400, "invalidProfile", "profile %s is not offered; this CA offers: %s"
                % (json.dumps(profile), ", ".join(sorted(offered))))

    def _check_replaces(self, payload, account):
        """RFC 9773 §5 on a newOrder "replaces": forced refusals first (refuse_replaces); then, if
        check_replaces, the server SHOULD checks: the certificate exists and belongs to the same
        account (else 400 malformed / 403 unauthorized), shares at least one identifier with the
        order (else 400 malformed), and has not been marked as replaced by a different order that is
        not "invalid" (else the MUST answer 409 alreadyReplaced, §7.4). An order past its "expires"
        counts as invalid (RFC 8555 §7.1.6)."""
        if not self.ari_enabled or "replaces" not in payload:
            return None
        with self._lock:
            if self._refuse_replaces:
                return self._refuse_replaces.pop(0)
            if not self.check_replaces:
                return None
            replaces = payload["replaces"]
            try:
                parse_cert_id(replaces)
            except ValueError as e:
                return 400, "malformed", "replaces %s is not a certID: %s" % (json.dumps(replaces), e)
            cert = self._certs.get(replaces)
            if cert is None:
                return 400, "malformed", "replaces names %s, which this CA did not issue" % replaces
            owner = self._orders.get(cert["order"], {}).get("account")
            if owner and account and owner != account:
                return 403, "unauthorized", "certificate %s belongs to another account" % replaces
            identifiers = payload.get("identifiers")
            wanted = {str(i.get("value", "")).lower() for i in identifiers if isinstance(i, dict)} \
                if isinstance(identifiers, list) else set()
            if cert["names"] and not wanted & set(cert["names"]):
                return 400, "malformed", "the order shares no identifier with certificate %s" % replaces
            successor = self._orders.get(cert["replaced_by"])
            if successor and successor["status"] != "invalid" and not self._expired(successor):
                return (409, "alreadyReplaced", "certificate %s has already been replaced by order %s"
                        % (replaces, cert["replaced_by"]))
        return None

    def _expired(self, order):
        try:
            return bool(order["expires"]) and _timestamp(order["expires"]) < self.clock()
        except (TypeError, ValueError):
            return False

    def _after_new_order(self, record, status, headers, obj):
        """Pebble created an order (201 + Location): remember what the client asked for."""
        record["status"] = status
        location = _header(headers, "location")
        if status != 201 or not location or not isinstance(obj, dict):
            return
        path = _path(location)
        payload = record["payload"] if isinstance(record["payload"], dict) else {}
        profile = None
        if self.profiles_enabled:
            profile = payload.get("profile", self.default_profile)
        replaces = payload.get("replaces") if self.ari_enabled else None
        if not isinstance(profile, str):
            profile = None
        if not isinstance(replaces, str):
            replaces = None
        record["order"] = path
        self._orders[path] = {"account": record["account"], "identifiers": obj.get("identifiers", []),
                              "profile": profile, "replaces": replaces, "status": obj.get("status"),
                              "expires": obj.get("expires")}
        if replaces in self._certs:
            self._certs[replaces]["replaced_by"] = path

    # ---- answers from Pebble

    def _after(self, path, request_record, status, headers, body, host):
        """Learns from Pebble's answer; returns the body to send (changed only for the directory and
        for order objects of orders that carry "profile"/"replaces")."""
        content_type = (_header(headers, "content-type") or "").split(";")[0].strip().lower()
        if status == 200 and content_type == "application/pem-certificate-chain":
            self._learn_certificate(path, body)
            return body
        if not content_type.endswith("json"):
            return body
        try:
            obj = json.loads(body)
        except ValueError:
            return body
        if not isinstance(obj, dict):
            return body
        with self._lock:
            if status == 200 and all(isinstance(obj.get(k), str) for k in ("newNonce", "newAccount", "newOrder")):
                return self._augment_directory(obj, path, host) or body
            if request_record is not None:
                self._after_new_order(request_record, status, headers, obj)
                order_path = request_record["order"]
            else:
                order_path = path if path in self._orders else self._order_of.get(path)
            order = self._orders.get(order_path)
            if order is None or "finalize" not in obj or "identifiers" not in obj:
                return body
            order["status"], order["expires"] = obj.get("status"), obj.get("expires")
            self._order_of[_path(obj["finalize"])] = order_path
            if isinstance(obj.get("certificate"), str):
                self._order_of[_path(obj["certificate"])] = order_path
            changed = False
            for field in ("profile", "replaces"):  # profiles draft §4; RFC 9773 §5 "MUST reflect"
                if order[field] is not None and field not in obj:
                    obj[field] = order[field]
                    changed = True
            return json.dumps(obj, indent=3).encode() if changed else body

    def _augment_directory(self, directory, path, host):
        """RFC 9773 §3: "renewalInfo" URL; profiles draft §3: meta.profiles. Returns the new body, or
        None when both extensions are off. Called with the lock held."""
        self.directory_path = path
        self._paths[_path(directory["newOrder"])] = "newOrder"
        self._paths[_path(directory["newNonce"])] = "newNonce"
        if not self.ari_enabled and not self.profiles_enabled:
            return None  # a plain CA: Pebble's bytes
        if self.ari_enabled:
            directory["renewalInfo"] = "https://%s%s" % (host, self.RENEWAL_INFO_PATH)
        if self.profiles_enabled:
            meta = directory.setdefault("meta", {})
            meta["profiles"] = dict(self.profiles)
        return json.dumps(directory, indent=3).encode()

    def _learn_certificate(self, path, body):
        """A certificate download (RFC 8555 §7.4.2): index the leaf by its RFC 9773 §4.1 certID."""
        try:
            info = parse_certificate(body.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            return
        if info["cert_id"] is None:
            return
        with self._lock:
            known = self._certs.get(info["cert_id"])
            info["order"] = self._order_of.get(path) or (known or {}).get("order")
            info["replaced_by"] = (known or {}).get("replaced_by")
            self._certs[info["cert_id"]] = info

    # ---- plumbing

    def _kind(self, path):
        with self._lock:
            return self._paths.get(path.split("?", 1)[0])

    def _fresh_nonce(self, host):
        """A Replay-Nonce from Pebble for an answer the proxy makes itself (RFC 8555 §6.5: error
        answers to POSTs carry a fresh nonce too)."""
        with self._lock:
            nonce_paths = [p for p, k in self._paths.items() if k == "newNonce"]
        if not nonce_paths:
            return None
        try:
            status, headers, _ = self._upstream("HEAD", nonce_paths[0], [("Host", host)], b"")
        except OSError:
            return None
        return _header(headers, "replay-nonce")

    def _upstream(self, method, path, headers, body):
        conn = http.client.HTTPSConnection("127.0.0.1", self.pebble_port, context=self._upstream_tls, timeout=60)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() not in _HOP_BY_HOP:
                    conn.putheader(k, v)
            if method == "POST" or body:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

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
                try:
                    self._proxy()
                except Exception:  # a fault of the proxy itself: answer, and keep it for errors()
                    with proxy._lock:
                        proxy._errors.append(traceback.format_exc())
                    self._answer(*_problem(500, "serverInternal", "acme_extensions_proxy failed; see errors()"))

            def _proxy(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host = self.headers.get("Host") or "127.0.0.1:%d" % proxy.port
                path = self.path
                bare = path.split("?", 1)[0]
                if proxy.ari_enabled and (bare + "/").startswith(proxy.RENEWAL_INFO_PATH + "/"):
                    self._answer(*proxy._answer_renewal_info(self.command, bare))
                    return
                record = None
                if self.command == "POST" and proxy._kind(path) == "newOrder":
                    refusal, record = proxy._before_new_order(body)
                    if refusal:
                        status, headers, data = _problem(*refusal)
                        nonce = proxy._fresh_nonce(host)
                        if nonce:
                            headers.append(("Replay-Nonce", nonce))
                        headers.append(("Link", '<https://%s%s>;rel="index"' % (host, proxy.directory_path)))
                        self._answer(status, headers, data)
                        return
                headers = [("Host", host)] + [(k, v) for k, v in self.headers.items() if k.lower() != "host"]
                try:
                    status, headers, data = proxy._upstream(self.command, path, headers, body)
                except OSError as e:
                    self._answer(*_problem(502, "serverInternal", "Pebble did not answer: %s" % e))
                    return
                data = proxy._after(path.split("?", 1)[0], record, status, headers, data, host)
                self._answer(status, headers, data)

            do_HEAD = do_GET
            do_POST = do_GET
            do_PUT = do_GET
            do_DELETE = do_GET

            def _answer(self, status, headers, data):
                self.send_response_only(status)
                for k, v in headers:
                    if k.lower() not in _HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

        return Handler


def b64url_decode_lenient(text):
    """base64url with or without padding, as JWS parts are decoded (RFC 7515 §2 forbids padding,
    but judging JWS is Pebble's job, not the proxy's)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _problem(status, kind, detail):
    """(status, headers, body) of an RFC 8555 §6.7 problem document (RFC 7807)."""
    body = json.dumps({"type": ACME_ERROR + kind, "detail": detail, "status": status}, indent=3).encode()
    return status, [("Content-Type", "application/problem+json")], body


def _header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def _path(url):
    """The path (and query) of an absolute URL; Pebble's URLs carry the proxy's host anyway."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


# ---------------------------------------------------------------- script

def main(argv=None):
    parser = argparse.ArgumentParser(description="ARI (RFC 9773) and ACME profiles in front of a Pebble on 127.0.0.1")
    parser.add_argument("--pebble-port", type=int, required=True, help="Pebble's ACME port on 127.0.0.1")
    parser.add_argument("--pebble-ca", help="PEM file verifying Pebble's TLS certificate (default: not verified)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on, 127.0.0.1 (default: a free one)")
    parser.add_argument("--no-ari", action="store_true", help="no renewalInfo: a plain RFC 8555 CA")
    parser.add_argument("--no-profiles", action="store_true", help="no meta.profiles, no profile checks")
    parser.add_argument("--profiles", help='offered profiles as JSON, e.g. \'{"classic": "90 days"}\'')
    parser.add_argument("--retry-after", type=int, default=21600, help="Retry-After of renewalInfo answers (s)")
    parser.add_argument("--explanation-url", help="explanationURL of renewalInfo answers")
    args = parser.parse_args(argv)
    ca = None
    if args.pebble_ca:
        with open(args.pebble_ca) as f:
            ca = f.read()
    proxy = AcmeExtensionsProxy(args.pebble_port, ca, port=args.port, ari=not args.no_ari,
                                profiles=json.loads(args.profiles) if args.profiles else None,
                                profiles_enabled=not args.no_profiles)
    proxy.retry_after = args.retry_after
    proxy.explanation_url = args.explanation_url
    proxy.start()
    print("directory %s" % proxy.directory_url, flush=True)
    print("tls certificate %s" % proxy.tls_cert_path, flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/<name>.

    python3 tests/fuzz/make_corpus.py [TARGET ...]   (default: every target)

Seeds are a handful of valid inputs per target (the fuzzer mutates them); certificates and keys
are made with the openssl CLI, so they differ on every run. The formats are described at the top
of each fuzz_*.cc file. Re-run after changing a format; commit the result.
"""
import datetime
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# ---------------------------------------------------------------- value targets

# Indexes into FuzzTypes() (tests/fuzz/fuzz_value_support.cc).
T_STRING, T_NUMBER, T_BOOL, T_DYNAMIC, T_LIST_STRING, T_SET_NUMBER, T_MAP_BOOL, T_TUPLE = range(8)
T_COMPLEX, T_LIST_DYN, T_SET_DYN, T_MAP_DYN, T_SET_OBJ, T_MAP_LIST_SET, T_LIST3 = range(8, 15)
T_OBJ_DYN_LIST = 19
K_FIXED_TYPES = 20


def schema_types():
    """(index, name, cty type JSON) of every schemas/**/*.json, in FuzzTypes() order."""
    files = []
    for dirpath, _, names in os.walk(os.path.join(ROOT, "schemas")):
        for n in names:
            if n.endswith(".json"):
                full = os.path.join(dirpath, n)
                files.append(os.path.relpath(full, os.path.join(ROOT, "schemas")))
    out = []
    for i, rel in enumerate(sorted(files)):
        with open(os.path.join(ROOT, "schemas", rel)) as f:
            out.append((K_FIXED_TYPES + i, rel, block_type(json.load(f))))
    return out


def seed_name(rel):
    """The seed name part of a schema file: its type name, "ephemeral_" before an ephemeral
    resource's (which shares its type name with the data source)."""
    name = os.path.splitext(os.path.basename(rel))[0]
    return "ephemeral_" + name if rel.startswith("ephemeral-resources" + os.sep) else name


def block_type(block):
    attrs = {a["name"]: a["type"] for a in block.get("attributes", [])}
    for b in block.get("blocks", []):
        obj = block_type(b)
        nesting = b.get("nesting", "list")
        attrs[b["name"]] = obj if nesting == "single" else [nesting, obj]
    return ["object", attrs]


class Unknown:
    pass


class Dyn:
    """A known value in a dynamic slot, with its concrete type JSON."""

    def __init__(self, type_json, value):
        self.type_json = type_json
        self.value = value


def mp(v, t="dynamic"):
    """msgpack of a cty value `v` of schema type `t` (type JSON), as Terraform encodes it."""
    if v is None:
        return b"\xc0"
    if isinstance(v, Unknown):
        return b"\xd4\x00\x00"
    if t == "dynamic":
        assert isinstance(v, Dyn)
        tj = json.dumps(v.type_json, separators=(",", ":"), sort_keys=True).encode()
        return b"\x92" + mp_bin(tj) + mp(v.value, v.type_json)
    if t == "string":
        return mp_str(v.encode())
    if t == "bool":
        return b"\xc3" if v else b"\xc2"
    if t == "number":
        if isinstance(v, str):
            return mp_str(v.encode())
        if isinstance(v, float):
            return b"\xcb" + struct.pack(">d", v)
        return mp_int(v)
    kind = t[0]
    if kind in ("list", "set"):
        return mp_array_header(len(v)) + b"".join(mp(e, t[1]) for e in v)
    if kind == "tuple":
        return mp_array_header(len(v)) + b"".join(mp(e, et) for e, et in zip(v, t[1]))
    if kind == "map":
        return mp_map_header(len(v)) + b"".join(mp_str(k.encode()) + mp(e, t[1]) for k, e in sorted(v.items()))
    if kind == "object":
        return mp_map_header(len(t[1])) + b"".join(
            mp_str(k.encode()) + mp(v.get(k), at) for k, at in sorted(t[1].items()))
    raise ValueError(t)


def mp_int(i):
    if 0 <= i < 128:
        return bytes([i])
    if -32 <= i < 0:
        return struct.pack(">b", i)
    if i >= 0:
        for code, fmt, limit in ((0xCC, ">B", 1 << 8), (0xCD, ">H", 1 << 16), (0xCE, ">I", 1 << 32), (0xCF, ">Q", 1 << 64)):
            if i < limit:
                return bytes([code]) + struct.pack(fmt, i)
    for code, fmt, limit in ((0xD0, ">b", 1 << 7), (0xD1, ">h", 1 << 15), (0xD2, ">i", 1 << 31), (0xD3, ">q", 1 << 63)):
        if -limit <= i:
            return bytes([code]) + struct.pack(fmt, i)
    raise ValueError(i)


def mp_str(b):
    if len(b) < 32:
        return bytes([0xA0 | len(b)]) + b
    if len(b) < 256:
        return b"\xd9" + bytes([len(b)]) + b
    return b"\xda" + struct.pack(">H", len(b)) + b


def mp_bin(b):
    return b"\xc4" + bytes([len(b)]) + b


def mp_array_header(n):
    return bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n)


def mp_map_header(n):
    return bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)


def sample(t, name=""):
    """A plausible value of type JSON `t` (strings say what the attribute holds)."""
    if t == "string":
        if name.endswith("_pem"):
            return "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        if name in ("not_before", "not_after", "renew_at"):
            return "2026-03-01T00:00:00Z"
        if name == "id":
            return "0b9c6a0e-7f38-4c56-a8f3-9a1d2c3e4f50"
        return name.replace("_", "-") or "s"
    if t == "number":
        return 30
    if t == "bool":
        return False
    if t == "dynamic":
        return Dyn("string", "d")
    kind = t[0]
    if kind in ("list", "set"):
        return [sample(t[1], name)]
    if kind == "map":
        return {"k": sample(t[1], name)}
    if kind == "tuple":
        return [sample(e, name) for e in t[1]]
    if kind == "object":
        return {k: sample(at, k) for k, at in t[1].items()}
    raise ValueError(t)


def to_json(v, t):
    """cty JSON of `v` (RawState.json)."""
    if v is None:
        return None
    if t == "dynamic":
        return {"value": to_json(v.value, v.type_json), "type": v.type_json}
    if isinstance(t, str):
        return v
    kind = t[0]
    if kind in ("list", "set"):
        return [to_json(e, t[1]) for e in v]
    if kind == "tuple":
        return [to_json(e, et) for e, et in zip(v, t[1])]
    if kind == "map":
        return {k: to_json(e, t[1]) for k, e in v.items()}
    return {k: to_json(v.get(k), at) for k, at in t[1].items()}


COMPLEX_T = ["object", {
    "id": "string", "count": "number", "enabled": "bool", "names": ["list", "string"],
    "ports": ["set", "number"], "labels": ["map", "string"],
    "nested": ["object", {"a": "string", "b": ["list", ["object", {"x": "number"}]]}],
    "pair": ["tuple", ["string", "number"]], "dyn": "dynamic"}]
EXAMPLE_TYPE = ["object", {"x": "number", "y": ["tuple", ["string"]]}]
EXAMPLE = Dyn(EXAMPLE_TYPE, {"x": 1, "y": ["a"]})


def msgpack_seeds():
    h = bytes.fromhex
    seeds = {
        # cty's msgpack encoding, byte for byte.
        "string_alpha": bytes([T_STRING]) + h("a5616c706861"),
        "string_as_bin": bytes([T_STRING]) + h("c405616c706861"),
        "bool_true": bytes([T_BOOL]) + h("c3"),
        "null_dynamic": bytes([T_DYNAMIC]) + h("c0"),
        "unknown": bytes([T_STRING]) + h("d40000"),
        "refined_unknown_prefix": bytes([T_STRING]) + h("c7090c8201c202a47072652d"),
        "dynamic_example": bytes([T_DYNAMIC]) + mp(EXAMPLE),
        "list_string_empty": bytes([T_LIST_STRING]) + h("90"),
    }
    for name, hexbytes in (("2", "02"), ("minus1", "ff"), ("300", "cd012c"), ("3e9", "ceb2d05e00"),
                           ("minus40000", "d2ffff63c0"), ("int64_max", "cf7fffffffffffffff"),
                           ("1_5", "cb3ff8000000000000"), ("0_1", "a3302e31"),
                           ("1e20", "b5313030303030303030303030303030303030303030"),
                           ("float32", "ca3fc00000")):
        seeds["number_" + name] = bytes([T_NUMBER]) + h(hexbytes)
    complex_value = {
        "id": "cert-1", "count": "12345678901234567890123", "enabled": True, "names": ["a", Unknown()],
        "ports": [443, -40000, 1.5], "labels": {"env": "prod", "": ""},
        "nested": {"a": "é ✓", "b": [{"x": 1}, {"x": "100000000000000000000"}]},
        "pair": ["p", float("-inf")], "dyn": EXAMPLE}
    seeds["complex_object"] = bytes([T_COMPLEX]) + mp(complex_value, COMPLEX_T)
    seeds["list_of_dynamic"] = bytes([T_LIST_DYN]) + mp([Dyn("number", 1), Dyn("string", "a"), EXAMPLE, None],
                                                      ["list", "dynamic"])
    seeds["set_of_objects"] = bytes([T_SET_OBJ]) + mp(
        [{"a": "x", "b": ["p", "q"], "d": Dyn(["list", "bool"], [True])}, {"a": "y", "b": [], "d": None}],
        ["set", ["object", {"a": "string", "b": ["set", "string"], "d": "dynamic"}]])
    seeds["map_list_set"] = bytes([T_MAP_LIST_SET]) + mp({"k": [[1, 2], []]}, ["map", ["list", ["set", "number"]]])
    for index, rel, t in schema_types():
        name = seed_name(rel)
        seeds["state_" + name] = bytes([index]) + mp(sample(t), t)
        seeds["unknowns_" + name] = bytes([index]) + mp({k: Unknown() for k in t[1]}, t)
    return seeds


def json_seeds():
    seeds = {
        "string": bytes([T_STRING]) + b'"alpha"',
        "string_from_number": bytes([T_STRING]) + b"12",
        "number_big": bytes([T_NUMBER]) + b"12345678901234567890123",
        "number_fraction": bytes([T_NUMBER]) + b"0.1",
        "number_exponent": bytes([T_NUMBER]) + b"-1.5e+20",
        "number_as_string": bytes([T_NUMBER]) + b'"42"',
        "bool_as_string": bytes([T_BOOL]) + b'"true"',
        "null": bytes([T_LIST_STRING]) + b"null",
        "dynamic_example": bytes([T_DYNAMIC]) + json.dumps(to_json(EXAMPLE, "dynamic")).encode(),
        "tuple": bytes([T_TUPLE]) + b'["a", 1, {"value": true, "type": "bool"}]',
        "set_of_dynamic": bytes([T_SET_DYN]) + b'[{"value": 1, "type": "number"}, {"value": "1", "type": "string"}]',
        "map_of_dynamic": bytes([T_MAP_DYN]) + b'{"a": {"value": ["x"], "type": ["list", "string"]}, "b": null}',
        "object_dyn_list": bytes([T_OBJ_DYN_LIST]) + b'{"dyn": null, "list": [{"value": {}, "type": ["object", {}]}]}',
    }
    complex_json = {"id": "cert-1", "count": 12345678901234567890123, "enabled": True, "names": ["a", "b"],
                    "ports": [443, 0.1], "labels": {"env": "prod"},
                    "nested": {"a": "é ✓", "b": [{"x": 1}, {"x": 1e20}]}, "pair": ["p", -1],
                    "dyn": to_json(EXAMPLE, "dynamic")}
    seeds["complex_object"] = bytes([T_COMPLEX]) + json.dumps(complex_json, ensure_ascii=False).encode()
    for index, rel, t in schema_types():
        name = seed_name(rel)
        state = to_json(sample(t), t)
        seeds["raw_state_" + name] = bytes([index]) + json.dumps(state, indent=2).encode()
        # Raw state of an older schema version: attributes missing (null) is valid.
        first = sorted(t[1])[0]
        seeds["partial_state_" + name] = bytes([index]) + json.dumps({first: to_json(sample(t[1][first], first),
                                                                                     t[1][first])}).encode()
    return seeds


# ---------------------------------------------------------------- certificates (openssl CLI)

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    """A Pebble-like chain: RSA root, ECDSA intermediate, ECDSA leaf for example.com + *.example.com."""
    with open(os.path.join(d, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:example.com,DNS:*.example.com\n"
                "authorityKeyIdentifier=keyid\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem",
            "-subj", "/CN=Pebble Root CA 4a5b6c", "-days", "3650", "-sha256", cwd=d)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "int.key.trad", cwd=d)
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "int.key.trad", "-out", "int.key", cwd=d)
    openssl("req", "-new", "-key", "int.key", "-subj", "/CN=Pebble Intermediate CA 1d2e3f", "-out", "int.csr", cwd=d)
    openssl("x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-days", "1825", "-sha256", "-extfile", "ca.ext", "-out", "int.pem", cwd=d)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key.trad", cwd=d)
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key.trad", "-out", "leaf.key", cwd=d)
    openssl("req", "-new", "-key", "leaf.key", "-subj", "/CN=example.com", "-out", "leaf.csr", cwd=d)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "int.pem", "-CAkey", "int.key", "-CAcreateserial",
            "-days", "90", "-sha256", "-extfile", "leaf.ext", "-out", "leaf.pem", cwd=d)
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key", cwd=d)
    openssl("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa.key.trad", cwd=d)
    openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "p384.key.trad", cwd=d)
    # RFC 5280 §4.1.2.5: a notAfter of 9999-12-31 means "no well-defined expiration date".
    days = (datetime.date(9999, 12, 31) - datetime.date.today()).days
    openssl("req", "-x509", "-key", "leaf.key", "-out", "forever.pem", "-subj", "/CN=forever.example",
            "-days", str(days), "-sha256", cwd=d)

    def read(n):
        with open(os.path.join(d, n), "rb") as f:
            return f.read()

    return {n: read(n) for n in ("root.pem", "int.pem", "leaf.pem", "leaf.key", "leaf.key.trad", "rsa.key",
                                   "rsa.key.trad", "p384.key.trad", "forever.pem")}


def pem_seeds(pki):
    chain = pki["leaf.pem"] + pki["int.pem"]
    return {
        "pebble_chain": chain,
        "pebble_chain_with_root": chain + pki["root.pem"],
        "leaf_only": pki["leaf.pem"],
        "ca_bundle_with_comments": b"# Pebble test roots\n" + pki["root.pem"] + b"\n" + pki["int.pem"],
        "ec_key_pkcs8": pki["leaf.key"],
        "ec_key_traditional": pki["leaf.key.trad"],
        "ec_p384_key_traditional": pki["p384.key.trad"],
        "rsa_key_pkcs8": pki["rsa.key"],
        "rsa_key_traditional": pki["rsa.key.trad"],
        "leaf_and_key": pki["leaf.pem"] + pki["leaf.key"],
        "not_after_9999": pki["forever.pem"],
    }


def acme_seeds(pki):
    problem = {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "Error creating new order",
               "status": 400, "subproblems": [
                   {"type": "urn:ietf:params:acme:error:malformed", "detail": "Invalid underscore in DNS name",
                    "identifier": {"type": "dns", "value": "_example.com"}}]}
    order = {"status": "pending", "expires": "2026-01-08T00:00:00Z",
             "identifiers": [{"type": "dns", "value": "example.com"}, {"type": "dns", "value": "*.example.com"}],
             "authorizations": ["https://ca.test/authz/1", "https://ca.test/authz/2"],
             "finalize": "https://ca.test/order/1/finalize"}
    challenge = {"type": "dns-01", "url": "https://ca.test/chall/1", "token": "DGyRejmCefe7v4NfDGDKfA",
                 "status": "pending"}
    authz = {"status": "pending", "expires": "2026-01-08T00:00:00Z",
             "identifier": {"type": "dns", "value": "example.com"}, "wildcard": False,
             "challenges": [{"type": "http-01", "url": "https://ca.test/chall/0", "token": "abc", "status": "pending"},
                            challenge]}
    invalid_challenge = dict(challenge, status="invalid", error={
        "type": "urn:ietf:params:acme:error:dns", "detail": "no TXT record found at _acme-challenge.example.com"})
    directory = {"newNonce": "https://ca.test/nonce", "newAccount": "https://ca.test/acct",
                 "newOrder": "https://ca.test/order", "revokeCert": "https://ca.test/revoke",
                 "keyChange": "https://ca.test/keychange",
                 "meta": {"termsOfService": "https://ca.test/tos", "externalAccountRequired": False,
                          "caaIdentities": ["ca.test"]}}
    account = {"status": "valid", "contact": ["mailto:admin@example.com"], "orders": "https://ca.test/acct/1/orders"}

    def response(status, body=b"", headers=(), nonce=True):
        lines = [str(status).encode()]
        if nonce:
            lines.append(b"Replay-Nonce: nonce" + str(response.n).encode())
            response.n += 1
        lines += [h.encode() for h in headers]
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return b"\n".join(lines) + b"\n\n" + body

    response.n = 0

    def conversation(*responses):
        return bytes([7]) + b"\n--\n".join(responses)

    chain = pki["leaf.pem"] + pki["int.pem"]
    happy = conversation(
        response(200, directory),
        response(201, account, ["Location: https://ca.test/acct/1"]),
        response(200, account),
        response(201, order, ["Location: https://ca.test/order/1"]),
        response(200, authz),
        response(200, dict(challenge, status="processing")),
        response(200, dict(authz, status="valid"), ["Retry-After: 1"]),
        response(200, dict(authz, identifier={"type": "dns", "value": "example.com"}, wildcard=True,
                           status="valid", challenges=[dict(challenge, status="valid")])),
        response(200, dict(challenge, status="valid")),
        response(200, dict(order, status="ready")),
        response(200, dict(order, status="processing"), ["Retry-After: 1"]),
        response(200, dict(order, status="valid", certificate="https://ca.test/cert/1")),
        response(200, chain, ["Content-Type: application/pem-certificate-chain",
                              'Link: <https://ca.test/cert/1/1>;rel="alternate"',
                              'Link: <https://ca.test/root>; rel="up"']),
        response(200, dict(account, status="deactivated")))
    bad_nonce = {"type": "urn:ietf:params:acme:error:badNonce", "detail": "JWS has an invalid anti-replay nonce"}
    troubled = conversation(
        response(200, directory, nonce=False),
        response(200, b"", nonce=True),  # HEAD newNonce
        response(400, bad_nonce),
        response(503, b"<html>Service Unavailable</html>", ["Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"]),
        response(200, account, ["Location: https://ca.test/acct/1"]),
        response(403, {"type": "urn:ietf:params:acme:error:unauthorized", "detail": "account deactivated"}),
        response(201, dict(order, status="invalid", error=problem), ["Location: https://ca.test/order/1"]),
        response(200, dict(authz, status="invalid", challenges=[invalid_challenge])),
        response(400, {"type": "urn:ietf:params:acme:error:malformed", "detail": "challenge is not pending"}),
        response(404, {"type": "urn:ietf:params:acme:error:malformed", "detail": "no such authorization"}),
        response(200, dict(authz, status="invalid", challenges=[invalid_challenge])),
        response(500, {"type": "urn:ietf:params:acme:error:serverInternal", "detail": "oops", "status": 500}),
        response(429, {"type": "urn:ietf:params:acme:error:rateLimited", "detail": "too many"},
                 ["Retry-After: 3600"]),
        response(200, b"<html>not a certificate</html>", ["Content-Type: text/html"]),
        response(403, {"type": "urn:ietf:params:acme:error:unauthorized", "detail": "account is not valid"}))
    return {
        "problem": bytes([0]) + json.dumps(problem).encode(),
        "problem_user_action": bytes([0]) + json.dumps({
            "type": "urn:ietf:params:acme:error:userActionRequired", "detail": "Terms of service have changed",
            "instance": "https://ca.test/tos-update"}).encode(),
        "order": bytes([1]) + json.dumps(order).encode(),
        "order_invalid": bytes([1]) + json.dumps(dict(order, status="invalid", error=problem)).encode(),
        "authorization": bytes([2]) + json.dumps(authz).encode(),
        "authorization_invalid": bytes([2]) + json.dumps(dict(authz, status="invalid",
                                                              challenges=[invalid_challenge])).encode(),
        "challenge": bytes([3]) + json.dumps(challenge).encode(),
        "retry_after_seconds": bytes([4]) + b"120",
        "retry_after_date": bytes([4]) + b"Wed, 21 Oct 2015 07:28:00 GMT",
        "timestamp": bytes([5]) + b"2026-01-08T00:00:00Z",
        "timestamp_offset": bytes([5]) + b"2016-01-01T00:00:00.123456+01:00",
        "headers": bytes([6]) + b'Location: https://ca.test/order/1\nLink: <https://ca.test/dir>;rel="index", '
                                b'<https://ca.test/cert/1/1>; rel=alternate\nRetry-After: 5\n\n'
                   + json.dumps(order).encode(),
        "conversation_happy": happy,
        "conversation_troubled": troubled,
    }


# ---------------------------------------------------------------- fuzz_dns_api_json

def dns_seeds():
    """Answers of the IONOS Cloud DNS API (its published API description) and of things in front of it; the format
    is described at the top of tests/fuzz/fuzz_dns_api_json.cc."""
    def body(v):
        return json.dumps(v).encode()

    def record(state, **extra):
        metadata = {"state": state, "fqdn": "_acme-challenge.www.example.com", "zoneId": "z1",
                    "createdDate": "2026-01-01T00:00:00Z", "lastModifiedDate": "2026-01-01T00:00:00Z"}
        metadata.update(extra)
        return {"id": "11111111-2222-4333-8444-555555555555", "type": "record",
                "href": "/zones/z1/records/11111111-2222-4333-8444-555555555555", "metadata": metadata,
                "properties": {"name": "_acme-challenge.www", "type": "TXT", "content": "digest", "ttl": 60,
                               "priority": 0, "enabled": True}}

    def zone(zid, name):
        return {"id": zid, "type": "zone", "href": "/zones/" + zid,
                "metadata": {"state": "AVAILABLE", "nameservers": ["ns-ic.ui-dns.com", "ns-ic.ui-dns.de"],
                             "createdDate": "2026-01-01T00:00:00Z"},
                "properties": {"zoneName": name, "description": "", "enabled": True}}

    def page(items, offset, more):
        links = {"self": "/zones?offset=%d&limit=2" % offset}
        if offset:
            links["prev"] = "/zones?offset=%d&limit=2" % max(0, offset - 2)
        if more:
            links["next"] = "/zones?offset=%d&limit=2" % (offset + 2)
        return {"id": "zones", "type": "collection", "href": "/zones", "offset": offset, "limit": 2,
                "_links": links, "items": items}

    def error(status, code, message):
        return {"httpStatus": status, "messages": [{"errorCode": code, "message": message}]}

    def response(status, payload=b"", headers=()):
        lines = [str(status).encode()] + [h.encode() for h in headers]
        if not isinstance(payload, bytes):
            payload = body(payload)
        return b"\n".join(lines) + b"\n\n" + payload

    def conversation(*responses):
        return bytes([3]) + b"\n--\n".join(responses)

    def error_answer(status, payload):
        return bytes([0, status - 400]) + (payload if isinstance(payload, bytes) else body(payload))

    zones = [zone("z1", "example.com"), zone("z2", "example.org"), zone("z3", "sub.example.com")]
    unauthorized = error(401, "paas-auth-1", "Unauthorized, wrong or no api key provided to process this request")
    wrong_types = {"httpStatus": 500, "messages": [{"errorCode": 1, "message": {"x": 1}}]}
    happy = conversation(
        response(200, page(zones[:2], 0, True)),
        response(200, page(zones[2:], 2, False)),
        response(202, record("PROVISIONING")),
        response(200, record("PROVISIONING")),
        response(200, record("AVAILABLE")),
        response(200, record("AVAILABLE")),
        response(202, b""))
    troubled = conversation(
        response(429, error(429, "paas-rate-limit-1", "Too many requests"), ["Retry-After: 2"]),
        response(503, b"<html><body>Service Unavailable</body></html>",
                 ["Retry-After: Thu, 01 Jan 2026 00:00:07 GMT", "Content-Type: text/html"]),
        response(200, {"items": zones, "limit": 1000, "offset": 0, "_links": {"self": "/zones"}}),
        response(500, wrong_types),
        response(502, b""),
        response(202, record("PROVISIONING")),
        response(200, record("FAILED", message="the zone is locked")),
        response(500, {"httpStatus": "500", "messages": "internal"}),
        response(404, error(404, "paas-resource-1", "no such record")))
    return {
        "error_unauthorized": error_answer(401, unauthorized),
        "error_validation": error_answer(400, error(400, "paas-validation-1",
                                                    "properties.ttl: must be between 60 and 86400")),
        "error_wrong_types": error_answer(500, wrong_types),
        "error_messages_not_list": error_answer(500, {"httpStatus": 500, "messages": {"message": "x"}}),
        "error_two_messages": error_answer(409, {"httpStatus": 409, "messages": [
            {"errorCode": "paas-conflict-1", "message": "record exists"}, "stray", {"message": None}]}),
        "error_html": error_answer(502, b"<html><head><title>502 Bad Gateway</title></head></html>"),
        "error_token_echo": error_answer(400, error(400, "paas-auth-2", "bad token fuzz-T0KEN-4711")),
        "error_empty": error_answer(504, b""),
        "record_provisioning": bytes([1]) + body(record("PROVISIONING")),
        "record_failed": bytes([1]) + body(record("FAILED", message="provisioning failed")),
        "record_wrong_types": bytes([1]) + body({"id": "r1", "metadata": ["AVAILABLE"],
                                                 "properties": {"name": 7, "ttl": "60", "enabled": "yes"}}),
        "record_big_ttl": bytes([1]) + body(dict(record("AVAILABLE"), properties={"ttl": 18446744073709551615})),
        "zones_one_page": bytes([2]) + body({"items": zones, "offset": 0, "limit": 1000}),
        "zones_paged": bytes([2]) + body(page(zones[:2], 0, True)) + b"\n--\n" + body(page(zones[2:], 2, False)),
        "zones_wrong_types": bytes([2]) + body({"_links": "next", "items": [
            1, None, {"id": 5}, {"id": "z9", "properties": {"zoneName": ["a"]}},
            {"id": "z1", "properties": {"zoneName": "example.com"}, "metadata": {"nameservers": "ns1"}}]}),
        "conversation_happy": happy,
        "conversation_troubled": troubled,
    }


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(seeds)} seeds")


def main():
    targets = {
        "fuzz_msgpack_decode": lambda pki: msgpack_seeds(),
        "fuzz_json_state_decode": lambda pki: json_seeds(),
        "fuzz_acme_json": acme_seeds,
        "fuzz_pem_certificate": pem_seeds,
        "fuzz_dns_api_json": lambda pki: dns_seeds(),
    }
    wanted = sys.argv[1:] or list(targets)
    unknown = [t for t in wanted if t not in targets]
    if unknown:
        sys.exit("unknown target(s): %s (known: %s)" % (", ".join(unknown), ", ".join(targets)))
    pki = None
    if {"fuzz_acme_json", "fuzz_pem_certificate"} & set(wanted):
        with tempfile.TemporaryDirectory() as d:
            pki = make_pki(d)
    for target in wanted:
        write(target, targets[target](pki))


if __name__ == "__main__":
    sys.exit(main())

"""The default DNS-01 propagation path end to end, against a real authoritative server.

Without `dns_resolvers` the provider waits until the challenge TXT records are visible at the
zone's own authoritative name servers: the host names the DNS API lists in the zone's
metadata.nameservers, resolved through the system resolver and asked on port 53. Here those are
BIND 9's: BIND serves the test zones with NS records naming ns1/ns2.nameservers.test, which it
serves too (A 127.0.0.1); the DNS API emulator writes the TXT records into BIND by RFC 2136 dynamic
updates (TSIG) and lists the same host names as the zones' name servers; Pebble validates against
BIND. So the provider runs its real code path with nothing faked: getaddrinfo, port 53, TXT
queries to an authoritative server, and the records it asked the API for, in a real zone.

Port 53 and name resolution: DefaultPropagationPath runs in a private network namespace whose
/etc/resolv.conf names 127.0.0.1 (bind.PrivateNetwork; root only, else skipped, or failed under
IONOS_TEST_REQUIRE_ALL=1 as in CI), so BIND listens on
127.0.0.1:53 without touching the machine's port 53, and no packet can leave loopback. The
RFC 2136 publishing itself is also tested without namespaces (Rfc2136Publishing, BIND on a free
port).
"""

import json
import os
import re
import socket
import subprocess
import time
import types
import unittest
import urllib.error
import urllib.request
import uuid

import bind
import harness
from test_auto_certificate import KEY_IN_STATE, account, auto_cert

ZONES = ["example.com", "example.net"]


class Rfc2136Publishing(unittest.TestCase):
    """The DNS API emulator's RFC 2136 mode: AVAILABLE TXT records are in BIND, removed ones are not."""

    @classmethod
    def setUpClass(cls):
        cls.bind = bind.Bind(ZONES).start()
        try:
            cls.dns = harness.DnsEmulator(ZONES, rfc2136=cls.bind, nameservers=bind.NAMESERVERS).start()
        except BaseException:
            cls.bind.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        cls.bind.stop()

    def tearDown(self):
        self.dns._call("POST", "/_emulator/reset")
        self.assertEqual(self.bind.acme_challenge_records(), [], "reset unpublishes every record")

    def api(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.dns.url + path, data=data, method=method, headers={
            "Content-Type": "application/json", "Authorization": "Bearer " + harness.DNS_TOKEN})
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return json.loads(text) if text else None

    def zone(self, name):
        [zone] = self.api("GET", "/zones?filter.zoneName=" + name)["items"]
        return zone

    def put_txt(self, zone, name, content):
        record_id = str(uuid.uuid4())
        self.api("PUT", "/zones/%s/records/%s" % (zone["id"], record_id),
                 {"properties": {"name": name, "type": "TXT", "content": content, "ttl": 60}})
        return record_id

    def state(self, zone, record_id):
        return self.api("GET", "/zones/%s/records/%s" % (zone["id"], record_id))["metadata"]["state"]

    def test_available_records_are_in_bind_and_deleted_ones_leave(self):
        com, net = self.zone("example.com"), self.zone("example.net")
        first = self.put_txt(com, "_acme-challenge.www", "value-1")
        self.assertEqual(self.state(com, first), "AVAILABLE")
        self.assertEqual(self.bind.txt("_acme-challenge.www.example.com"), ["value-1"])

        # A second value on the same name (a wildcard and its apex) is added to the set.
        second = self.put_txt(com, "_acme-challenge.www", "value-2")
        wild = self.put_txt(net, "_acme-challenge", "apex-and-wildcard")
        self.assertEqual(self.state(com, second), "AVAILABLE")
        self.assertEqual(self.bind.txt("_acme-challenge.www.example.com"), ["value-1", "value-2"])
        self.assertEqual(self.state(net, wild), "AVAILABLE")
        self.assertEqual(self.bind.txt("_acme-challenge.example.net"), ["apex-and-wildcard"])

        # Deletion is immediate in the API, so in BIND too when the DELETE is answered.
        self.api("DELETE", "/zones/%s/records/%s" % (com["id"], first))
        self.assertEqual(self.bind.txt("_acme-challenge.www.example.com"), ["value-2"])
        self.api("DELETE", "/zones/%s/records/%s" % (com["id"], second))
        self.api("DELETE", "/zones/%s/records/%s" % (net["id"], wild))
        self.assertEqual(self.bind.acme_challenge_records(), [])
        self.assertEqual(self.dns.published(), {"errors": []})

        log = self.bind.log_text()
        self.assertIn("/key %s: updating zone 'example.com/IN': adding an RR at "
                      "'_acme-challenge.www.example.com' TXT \"value-2\"" % bind.TSIG_KEY_NAME, log)
        self.assertIn("/key %s: updating zone 'example.net/IN': deleting rrset at "
                      "'_acme-challenge.example.net' TXT" % bind.TSIG_KEY_NAME, log)

    def test_provisioning_record_reaches_bind_when_available(self):
        com = self.zone("example.com")
        self.dns.set_faults(provisioning_delay_ms=400)
        record = self.put_txt(com, "_acme-challenge.slow", "slow-value")
        self.assertEqual(self.state(com, record), "PROVISIONING")
        self.assertEqual(self.bind.txt("_acme-challenge.slow.example.com"), [], "not in DNS while PROVISIONING")
        deadline = time.time() + 10
        while self.state(com, record) != "AVAILABLE":
            self.assertLess(time.time(), deadline, "the record never became AVAILABLE")
            time.sleep(0.05)
        self.assertEqual(self.bind.txt("_acme-challenge.slow.example.com"), ["slow-value"], "AVAILABLE implies in DNS")

    def test_zones_name_bind_as_their_name_servers(self):
        for name in ZONES:
            self.assertEqual(self.zone(name)["metadata"]["nameservers"], bind.NAMESERVERS)
            served_ns = sorted(line.split()[4].rstrip(".") for line in self.bind.dig(name, "NS"))
            self.assertEqual(served_ns, bind.NAMESERVERS)
        for ns in bind.NAMESERVERS:
            self.assertEqual([line.split()[4] for line in self.bind.dig(ns, "A")], ["127.0.0.1"])

    def test_updates_need_the_tsig_key(self):
        wrong_key = types.SimpleNamespace(address=self.bind.address,
                                          tsig_spec="hmac-sha256:%s:%s" % (bind.TSIG_KEY_NAME, "A" * 43 + "="))
        other = harness.DnsEmulator(ZONES, rfc2136=wrong_key).start()
        self.addCleanup(other.stop)
        [zone] = [z for z in other._call("GET", "/_emulator/zones")["zones"] if z["name"] == "example.com"]
        req = urllib.request.Request(other.url + "/zones/%s/records" % zone["id"], method="POST", data=json.dumps(
            {"properties": {"name": "_acme-challenge.forged", "type": "TXT", "content": "x"}}).encode(),
            headers={"Authorization": "Bearer " + harness.DNS_TOKEN, "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).close()
        other.records()  # settles provisioning, which publishes
        [error] = other.published()["errors"]
        self.assertIn("_acme-challenge.forged.example.com", error)
        self.assertRegex(error, "TSIG")
        self.assertIn("RFC 2136 update", other.stderr_text())
        self.assertEqual(self.bind.txt("_acme-challenge.forged.example.com"), [])
        self.assertRegex(self.bind.log_text(), r"request has invalid signature: TSIG %s" % bind.TSIG_KEY_NAME)

    def test_command_line_checks(self):
        def run(*args):
            return subprocess.run([harness.EMULATOR_BINARY, "--zone", "example.com"] + list(args),
                                  capture_output=True, text=True, timeout=10)
        proc = run("--rfc2136", "192.0.2.1:53")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("a loopback address literal is required", proc.stderr)
        proc = run("--rfc2136", self.bind.address, "--challtestsrv", "http://127.0.0.1:1")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("not both", proc.stderr)
        proc = run("--rfc2136", self.bind.address, "--tsig-key", "md5:key:c2VjcmV0")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("TSIG algorithm \"md5\"", proc.stderr)
        proc = run("--rfc2136", self.bind.address, "--tsig-key", "just-a-name")
        self.assertEqual(proc.returncode, 2)

    def test_only_txt_records_are_published(self):
        # An A record written through the API stays in the API (BIND's policy would refuse it too).
        com = self.zone("example.com")
        self.api("PUT", "/zones/%s/records/%s" % (com["id"], uuid.uuid4()),
                 {"properties": {"name": "host", "type": "A", "content": "192.0.2.1", "ttl": 60}})
        self.api("GET", "/zones/%s/records" % com["id"])
        self.assertEqual(self.bind.dig("host.example.com", "A"), [])
        self.assertEqual(self.dns.published(), {"errors": []})


def provider_lines(log_path):
    with open(log_path) as f:
        return [l for l in f if "provider.terraform-provider-ionos" in l or "@module=provider" in l]


class DefaultPropagationPath(unittest.TestCase):
    """terraform apply without dns_resolvers: the provider asks BIND as the zones' authoritative
    name servers (by host name, through the system resolver, on port 53) and Pebble validates
    against the same BIND."""

    @classmethod
    def setUpClass(cls):
        reason = bind.PrivateNetwork.unavailable_reason()
        if reason:
            harness.skip_or_fail(reason)
        cls.net = bind.PrivateNetwork().enter()
        try:
            cls.env = bind.AuthoritativeEnv(ZONES, bind_port=53).start()
            cls.root_pem = cls.env.pebble.root_pem()
        except BaseException:
            if getattr(cls, "env", None):
                cls.env.stop()
            cls.net.leave()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.env.stop()
        finally:
            cls.net.leave()

    def setUp(self):
        self.ws = harness.Workdir()

    def tearDown(self):
        self.ws.cleanup()

    def diagnostics(self):
        return "\nBIND log (tail):\n%s\nemulator stderr:\n%s" % (
            "".join(self.env.bind.log_text().splitlines(True)[-40:]), self.env.dns.stderr_text())

    def check_certificate(self, attrs, names):
        leaf, chain = attrs["certificate_pem"], attrs["certificate_chain_pem"]
        verified = harness.verify_chain(leaf, chain, self.root_pem, self.ws.dir)
        self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
        self.assertEqual(harness.cert_dns_names(leaf), sorted(names))
        self.assertEqual(harness.public_key_of_cert(leaf), harness.public_key_of_key(attrs["private_key_pem"]))

    def test_names_resolve_through_the_system_resolver_to_bind(self):
        # What the provider's getaddrinfo sees in this network: BIND's own answer for its NS names.
        for ns in bind.NAMESERVERS:
            addresses = {ai[4][0] for ai in socket.getaddrinfo(ns, 53, type=socket.SOCK_DGRAM)}
            self.assertEqual(addresses, {"127.0.0.1"}, ns)
        self.assertRegex(self.env.bind.log_text(), r"query: ns1\.nameservers\.test IN A ")

    def test_issue_without_dns_resolvers_asking_bind(self):
        ws = self.ws
        certs = (auto_cert("www", "www", "www.example.com", key_algorithm="ecdsa256", extra=KEY_IN_STATE) +
                 auto_cert("wild", "wild", "*.example.net", ["example.net"], key_algorithm="ecdsa256",
                           extra=KEY_IN_STATE))
        config = self.env.provider_block(ws) + account() % self.env.pebble.directory_url + certs
        self.assertNotIn("dns_resolvers", config)
        ws.write(config)
        log_path = os.path.join(ws.dir, "apply.log")
        proc = ws.apply(check=False, env={"TF_LOG": "DEBUG", "TF_LOG_PATH": log_path})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr + self.diagnostics())

        by_name = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}
        self.check_certificate(by_name["www"], ["www.example.com"])
        self.check_certificate(by_name["wild"], ["*.example.net", "example.net"])

        # Nothing is left: not in the API, not in BIND.
        self.assertEqual(self.env.dns.txt_records(), [])
        self.assertEqual(self.env.bind.acme_challenge_records(), [], self.diagnostics())
        self.assertEqual(self.env.dns.published(), {"errors": []})

        # The provider waited for the zones' authoritative name servers, as the API names them.
        lines = provider_lines(log_path)
        waits = [l for l in lines if "waiting for DNS propagation" in l]
        self.assertTrue(waits, "no propagation wait in the provider's DEBUG log")
        for line in waits:
            self.assertRegex(line, r'servers="?%s"? ' % re.escape(",".join(bind.NAMESERVERS)))
        self.assertTrue(any("TXT records visible at every server" in l for l in lines))

        # BIND saw it all: the updates from the emulator (TSIG key), the provider resolving the name
        # server host names through the system resolver, and TXT queries for every challenge name
        # (the provider asks each of the two name servers; Pebble, whose only DNS server BIND is,
        # validated there, or there would be no certificate).
        log = self.env.bind.log_text()
        for fqdn, zone in (("_acme-challenge.www.example.com", "example.com"),
                           ("_acme-challenge.example.net", "example.net")):
            self.assertIn("/key %s: updating zone '%s/IN': adding an RR at '%s' TXT" %
                          (bind.TSIG_KEY_NAME, zone, fqdn), log)
            self.assertIn("deleting rrset at '%s' TXT" % fqdn, log)
            self.assertGreaterEqual(len(re.findall(r"query: %s IN TXT " % re.escape(fqdn), log)), 2,
                                    "TXT queries for %s at BIND" % fqdn)
        for ns in bind.NAMESERVERS:
            self.assertRegex(log, r"query: %s IN A " % re.escape(ns))

        code, plan = ws.plan_exitcode()
        self.assertEqual(code, 0, plan.stdout + plan.stderr)
        ws.tf("destroy", "-auto-approve", "-no-color")
        self.assertEqual(self.env.bind.acme_challenge_records(), [])


if __name__ == "__main__":
    unittest.main()

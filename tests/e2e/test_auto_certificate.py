"""ionos_auto_certificate and data.ionos_certificate end to end: the real
terraform CLI and plugin, Pebble validating DNS-01 against challtestsrv, and
the IONOS Cloud DNS API emulator publishing the TXT records there."""

import json
import os
import re
import unittest

import harness

ZONES = ["example.com", "example.org", "example.net"]
# An auto certificate's private key is in the state only with this.
KEY_IN_STATE = "  private_key_in_state = true\n"


def account(name="acct"):
    return '''
resource "ionos_certificate_provider" "acme" {
  name   = "%s"
  email  = "admin@example.com"
  server = "%s"
}
''' % (name, "%s")


def auto_cert(label, name, common_name, sans=None, key_algorithm=None, extra=""):
    body = 'resource "ionos_auto_certificate" "%s" {\n' % label
    body += '  provider_id = ionos_certificate_provider.acme.id\n'
    body += '  name        = "%s"\n' % name
    body += '  common_name = "%s"\n' % common_name
    if sans is not None:
        body += '  subject_alternative_names = [%s]\n' % ", ".join('"%s"' % s for s in sans)
    if key_algorithm:
        body += '  key_algorithm = "%s"\n' % key_algorithm
    body += extra
    body += "}\n"
    return body


class AutoCertificateIssuance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(ZONES).start()
        cls.root_pem = cls.env.pebble.root_pem()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def setUp(self):
        self.ws = harness.Workdir()
        self.env.dns.reset_faults()

    def tearDown(self):
        self.ws.cleanup()

    def config(self, ws, certs, extra_provider=""):
        return (self.env.provider_block(ws, extra=extra_provider) +
                account() % self.env.pebble.directory_url + certs)

    def check_certificate(self, attrs, names, key_type):
        leaf, chain, key = attrs["certificate_pem"], attrs["certificate_chain_pem"], attrs["private_key_pem"]
        verified = harness.verify_chain(leaf, chain, self.root_pem, self.ws.dir)
        self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
        self.assertEqual(harness.cert_dns_names(leaf), sorted(names))
        self.assertEqual(harness.public_key_of_cert(leaf), harness.public_key_of_key(key))
        text = harness.cert_text(leaf)
        if key_type.startswith("ecdsa"):
            self.assertIn("id-ecPublicKey", text)
            self.assertIn({"ecdsa256": "P-256", "ecdsa384": "P-384"}[key_type], text)
        else:
            self.assertIn("rsaEncryption", text)
            self.assertIn("(%s bit)" % key_type[3:], text)
        [newest] = attrs["certificates"][:1]
        self.assertEqual(attrs["last_issued_certificate_id"], newest["id"])
        self.assertEqual(newest["status"], "active")
        self.assertRegex(newest["name"], r"^%s-\d{8}T\d{6}Z$" % re.escape(attrs["common_name"]))
        self.assertEqual(newest["serial_number"], attrs["serial_number"])
        self.assertFalse(attrs["renewal_due"])

    def test_issue_three_certificates_rename_change_sans_and_data_source(self):
        ws = self.ws
        # The key goes into the state here (private_key_in_state) to check it against the certificate.
        certs = (auto_cert("single", "single", "www.example.com", key_algorithm="ecdsa256", extra=KEY_IN_STATE) +
                 auto_cert("multi", "multi", "shop.example.com", ["api.example.com", "api.example.org"],
                           key_algorithm="rsa2048", extra=KEY_IN_STATE) +
                 auto_cert("wild", "wild", "*.example.net", ["example.net"], key_algorithm="ecdsa384",
                           extra=KEY_IN_STATE))
        ws.write(self.config(ws, certs))
        ws.apply("-parallelism=10")
        by_name = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}
        self.check_certificate(by_name["single"], ["www.example.com"], "ecdsa256")
        self.check_certificate(by_name["multi"], ["shop.example.com", "api.example.com", "api.example.org"],
                               "rsa2048")
        self.check_certificate(by_name["wild"], ["*.example.net", "example.net"], "ecdsa384")
        self.assertEqual(self.env.dns.txt_records(), [], "no TXT record may be left")
        self.assertGreaterEqual(self.env.pebble.request_count("POST /order-plz"), 3, "orders are seen in Pebble's log")

        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # A rename changes one resource in place and keeps the serial.
        renamed = certs.replace('name        = "single"', 'name        = "single renamed"')
        ws.write(self.config(ws, renamed))
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        ws.apply()
        after = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}
        self.assertEqual(after["single renamed"]["serial_number"], by_name["single"]["serial_number"])
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # Changing the SANs issues a new certificate in place.
        changed = renamed.replace('["api.example.com", "api.example.org"]',
                                  '["api.example.com", "api.example.org", "cdn.example.org"]')
        ws.write(self.config(ws, changed))
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        ws.apply()
        multi = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}["multi"]
        self.assertNotEqual(multi["serial_number"], by_name["multi"]["serial_number"])
        self.assertEqual(multi["id"], by_name["multi"]["id"])
        self.check_certificate(multi, ["shop.example.com", "api.example.com", "api.example.org",
                                       "cdn.example.org"], "rsa2048")
        self.assertEqual([c["status"] for c in multi["certificates"]], ["active", "superseded"])

        # The data source returns the same certificate by id.
        ws.write(self.config(ws, changed) + '''
data "ionos_certificate" "multi" {
  id = ionos_auto_certificate.multi.last_issued_certificate_id
}
output "ds_pem" {
  value = data.ionos_certificate.multi.certificate_pem
}
output "ds_name" {
  value = data.ionos_certificate.multi.name
}
output "ds_status" {
  value = data.ionos_certificate.multi.status
}
''')
        ws.apply()
        outputs = json.loads(ws.tf("output", "-json").stdout)
        self.assertEqual(outputs["ds_pem"]["value"], multi["certificate_pem"])
        self.assertEqual(outputs["ds_name"]["value"], multi["certificates"][0]["name"])
        self.assertEqual(outputs["ds_status"]["value"], "active")

        # Importing into a second working directory that shares the store.
        other = harness.Workdir(store_path=ws.store_path)
        try:
            acct = ws.resources("ionos_certificate_provider")[0]
            other.write(self.env.provider_block(other) + '''
import {
  to = ionos_certificate_provider.acme
  id = "%s"
}
import {
  to = ionos_auto_certificate.single
  id = "%s"
}
''' % (acct["id"], after["single renamed"]["id"]) + account("acct") % self.env.pebble.directory_url +
                        auto_cert("single", "single renamed", "www.example.com", key_algorithm="ecdsa256"))
            code, proc = other.plan_exitcode()
            self.assertIn("2 to import, 0 to add, 0 to change, 0 to destroy", proc.stdout, proc.stderr)
            other.apply()
            [imported] = other.resources("ionos_auto_certificate")
            self.assertEqual(imported["serial_number"], after["single renamed"]["serial_number"])
        finally:
            other.cleanup()

        ws.tf("destroy", "-auto-approve", "-no-color")
        self.assertEqual(ws.store_rows("certificates"), [])
        self.assertEqual(self.env.dns.txt_records(), [])

    def test_name_outside_every_zone_fails_at_plan(self):
        ws = self.ws
        ws.write(self.config(ws, auto_cert("bad", "bad", "www.example.com", ["www.not-hosted.io"])))
        ws.apply("-target=ionos_certificate_provider.acme")
        orders_before = self.env.pebble.request_count("POST /order-plz")
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 1)
        self.assertIn("www.not-hosted.io", proc.stderr)
        self.assertRegex(proc.stderr, r"\d+:\s+subject_alternative_names\s+=")
        proc = ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(self.env.pebble.request_count("POST /order-plz"), orders_before, "no order may reach the CA")
        self.assertEqual(ws.resources("ionos_auto_certificate"), [])

    def test_wrong_token_says_unauthorized(self):
        ws = self.ws
        body = (self.env.provider_block(ws, token="wrong-token") + account() % self.env.pebble.directory_url +
                auto_cert("c", "c", "tok.example.com", key_algorithm="ecdsa256"))
        ws.write(body)
        proc = ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertRegex(proc.stderr, re.compile("unauthori[sz]ed", re.I))
        self.assertNotIn("wrong-token", proc.stderr + proc.stdout)
        self.assertEqual(ws.resources("ionos_auto_certificate"), [])
        self.assertEqual(self.env.dns.txt_records(), [])

    def test_rate_limited_twice_then_success(self):
        ws = self.ws
        ws.write(self.config(ws, auto_cert("c", "c", "rate.example.com", key_algorithm="ecdsa256")))
        ws.apply("-target=ionos_certificate_provider.acme")
        self.env.dns.set_faults(rate_limit_next=2, retry_after_seconds=1)
        ws.apply()
        [cert] = ws.resources("ionos_auto_certificate")
        self.assertTrue(cert["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----"))
        self.assertEqual(self.env.dns.txt_records(), [])

    def test_persistent_server_error_is_clear(self):
        ws = self.ws
        ws.write(self.config(ws, auto_cert("c", "c", "err.example.com", key_algorithm="ecdsa256")))
        ws.apply("-target=ionos_certificate_provider.acme")
        self.env.dns.set_faults(server_error="always")
        proc = ws.apply(check=False)
        self.env.dns.reset_faults()
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("500", proc.stderr)
        self.assertRegex(proc.stderr, re.compile("DNS", re.I))
        self.assertEqual(ws.resources("ionos_auto_certificate"), [])
        self.assertEqual(self.env.dns.txt_records(), [])
        self.assertEqual(ws.store_rows("pending_dns_records"), [])


if __name__ == "__main__":
    unittest.main()

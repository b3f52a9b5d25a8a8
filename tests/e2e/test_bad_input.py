"""Bad input reaches the user as a diagnostic that points at the attribute;
the plugin never crashes and nothing is written to state or store."""

import os
import re
import subprocess
import unittest

import harness


def config(ws, pebble, provider_extra="", store=True, **resource):
    attrs = {
        "name": '"bad input"',
        "email": '"admin@example.com"',
        "server": '"%s"' % pebble.directory_url,
    }
    attrs.update(resource)
    body = harness.provider_block(pebble, ws.store_path if store else None, provider_extra)
    body += 'resource "ionos_certificate_provider" "acme" {\n'
    for k, v in attrs.items():
        body += "  %s = %s\n" % (k, v)
    body += "}\n"
    return body


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pebble = harness.Pebble().start()

    @classmethod
    def tearDownClass(cls):
        cls.pebble.stop()

    def check_rejected(self, case, attribute, provider_extra="", **resource):
        ws = harness.Workdir()
        try:
            ws.write(config(ws, self.pebble, provider_extra, **resource))
            proc = ws.apply(check=False)
            out = proc.stdout + proc.stderr
            self.assertNotEqual(proc.returncode, 0, "%s: apply succeeded:\n%s" % (case, out))
            self.assertIn("Error", proc.stderr, case)
            # Terraform quotes the configuration line of the attribute the diagnostic points at.
            self.assertRegex(proc.stderr, re.compile(r"\d+:\s+%s\s+=" % re.escape(attribute)),
                             "%s: diagnostic does not point at %s:\n%s" % (case, attribute, proc.stderr))
            for crash in ["panic", "Plugin did not respond", "plugin exited", "crashed"]:
                self.assertNotIn(crash, out, case)
            self.assertEqual(ws.resources(), [], case)
            self.assertEqual(ws.store_rows("accounts"), [], case)
        finally:
            ws.cleanup()

    def test_bad_resource_arguments(self):
        closed_port = harness.free_port()
        cases = [
            ("invalid e-mail", "email", {"email": '"not-an-email"'}),
            ("e-mail with spaces", "email", {"email": '"admin @example.com"'}),
            ("server not https", "server", {"server": '"http://127.0.0.1:%d/dir"' % self.pebble.port}),
            ("server not a URL", "server", {"server": '"acme directory"'}),
            ("unreachable server", "server", {"server": '"https://127.0.0.1:%d/dir"' % closed_port}),
            ("not an ACME directory", "server",
             {"server": '"https://127.0.0.1:%d/roots/0"' % self.pebble.mgmt_port}),
            ("unknown key algorithm", "key_algorithm", {"key_algorithm": '"dsa1024"'}),
            ("empty name", "name", {"name": '""'}),
        ]
        for name, attribute, resource in cases:
            with self.subTest(name):
                self.check_rejected(name, attribute, **resource)

    def test_bad_provider_settings(self):
        cases = [
            ("unknown store scheme", "store", '  store = "mysql://localhost/certs"'),
            ("short encryption key", "store_encryption_key", '  store_encryption_key = "c2hvcnQ="'),
            ("encryption key not base64", "store_encryption_key", '  store_encryption_key = "%%%%"'),
            ("DNS API URL not http(s)", "dns_api_url", '  dns_api_url = "ftp://dns.example"'),
            ("DNS API URL plain http to a remote host", "dns_api_url",
             '  dns_api_url = "http://dns.example.com"'),
            ("resolver with a port out of range", "dns_resolvers", '  dns_resolvers = ["127.0.0.1:65536"]'),
        ]
        for name, attribute, extra in cases:
            with self.subTest(name):
                self.check_rejected(name, attribute, provider_extra=extra)

    def test_bad_ca_bundle(self):
        ws = harness.Workdir()
        try:
            body = harness.provider_block(None, ws.store_path, '  ca_certificates_pem = "not a certificate"')
            body += 'resource "ionos_certificate_provider" "acme" {\n  name = "x"\n  email = "a@example.com"\n'
            body += '  server = "%s"\n}\n' % self.pebble.directory_url
            ws.write(body)
            proc = ws.apply(check=False)
            self.assertNotEqual(proc.returncode, 0)
            self.assertRegex(proc.stderr, r"\d+:\s+ca_certificates_pem\s+=")
            self.assertEqual(ws.resources(), [])
        finally:
            ws.cleanup()

    def test_untrusted_server_certificate(self):
        # Without ca_certificates_pem Pebble's self-signed TLS certificate is not trusted.
        ws = harness.Workdir()
        try:
            body = harness.provider_block(None, ws.store_path)
            body += 'resource "ionos_certificate_provider" "acme" {\n  name = "x"\n  email = "a@example.com"\n'
            body += '  server = "%s"\n}\n' % self.pebble.directory_url
            ws.write(body)
            proc = ws.apply(check=False)
            self.assertNotEqual(proc.returncode, 0)
            self.assertRegex(proc.stderr, re.compile("certificate", re.I))
            # Reported at once: an untrusted certificate is not a transient failure to retry.
            self.assertNotIn("giving up after", proc.stderr)
            self.assertEqual(ws.resources(), [])
            self.assertEqual(ws.store_rows("accounts"), [])
        finally:
            ws.cleanup()

    def test_listing_a_store_that_does_not_exist_creates_nothing(self):
        ws = harness.Workdir()
        try:
            missing = os.path.join(ws.dir, "typo", "certificates.db")
            proc = subprocess.run([harness.PROVIDER_BINARY, "certificates", "--store", "sqlite:" + missing],
                                  capture_output=True, text=True, timeout=30, env=ws.env)
            self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
            self.assertEqual(proc.stderr.strip(),
                             "error: there is no store at sqlite:%s (the file does not exist); the store is named "
                             "by --store" % missing)
            self.assertFalse(os.path.exists(os.path.dirname(missing)))
        finally:
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()

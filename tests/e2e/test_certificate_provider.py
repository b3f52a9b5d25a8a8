"""ionos_certificate_provider end to end: the real terraform CLI, the built
plugin, and a real Pebble on loopback."""

import json
import os
import re
import unittest

import harness


def account_config(ws, pebble, name="main account", email="admin@example.com", key_algorithm=None, eab=None,
                   server=None):
    body = harness.provider_block(pebble, ws.store_path)
    body += 'resource "ionos_certificate_provider" "acme" {\n'
    body += '  name   = "%s"\n' % name
    body += '  email  = "%s"\n' % email
    body += '  server = "%s"\n' % (server or pebble.directory_url)
    if key_algorithm:
        body += '  key_algorithm = "%s"\n' % key_algorithm
    if eab:
        body += '  external_account_binding {\n    key_id = "%s"\n    key_secret = "%s"\n  }\n' % eab
    body += "}\n"
    return body


class CertificateProviderLifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pebble = harness.Pebble().start()

    @classmethod
    def tearDownClass(cls):
        cls.pebble.stop()

    def setUp(self):
        self.ws = harness.Workdir()

    def tearDown(self):
        self.ws.cleanup()

    def test_full_lifecycle(self):
        ws = self.ws
        ws.write(account_config(ws, self.pebble))
        ws.tf("validate", "-no-color")
        ws.apply()
        [acct] = ws.resources("ionos_certificate_provider")
        self.assertTrue(acct["account_url"].startswith("https://127.0.0.1:%d/" % self.pebble.port), acct)
        self.assertEqual(acct["status"], "valid")
        self.assertEqual(acct["key_algorithm"], "ecdsa256")
        self.assertRegex(acct["id"], r"^[0-9a-f-]{36}$")
        self.assertEqual(len(ws.store_rows("accounts")), 1)
        # The store file is private to its owner.
        self.assertEqual(os.stat(ws.store_path).st_mode & 0o777, 0o600)

        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # A rename is one in-place change that keeps the account.
        ws.write(account_config(ws, self.pebble, name="renamed account"))
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        self.assertIn("update in-place", proc.stdout)
        ws.apply()
        [renamed] = ws.resources("ionos_certificate_provider")
        self.assertEqual(renamed["name"], "renamed account")
        self.assertEqual(renamed["id"], acct["id"])
        self.assertEqual(renamed["account_url"], acct["account_url"])
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # An e-mail change updates the account's contact in place (RFC 8555 §7.3.2): same id, same
        # account URL, nothing replaced.
        ws.write(account_config(ws, self.pebble, name="renamed account", email="ops@example.com"))
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        self.assertNotIn("forces replacement", proc.stdout)
        ws.apply()
        [updated] = ws.resources("ionos_certificate_provider")
        self.assertEqual(updated["id"], acct["id"])
        self.assertEqual(updated["account_url"], acct["account_url"])
        self.assertEqual(updated["email"], "ops@example.com")
        self.assertEqual(len(ws.store_rows("accounts")), 1)
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        ws.tf("destroy", "-auto-approve", "-no-color")
        self.assertEqual(ws.resources("ionos_certificate_provider"), [])
        self.assertEqual(ws.store_rows("accounts"), [])

    def test_rsa_account_key_and_import(self):
        ws = self.ws
        ws.write(account_config(ws, self.pebble, key_algorithm="rsa2048"))
        ws.apply()
        [acct] = ws.resources("ionos_certificate_provider")
        self.assertEqual(acct["key_algorithm"], "rsa2048")

        # A second working directory sharing the store imports the account.
        other = harness.Workdir(store_path=ws.store_path)
        try:
            other.write(account_config(other, self.pebble, key_algorithm="rsa2048"))
            other.tf("import", "-no-color", "ionos_certificate_provider.acme", acct["id"])
            [imported] = other.resources("ionos_certificate_provider")
            self.assertEqual(imported["account_url"], acct["account_url"])
            code, proc = other.plan_exitcode()
            self.assertEqual(code, 0, proc.stdout + proc.stderr)
        finally:
            other.cleanup()

        # An id the store never knew is an error that names the store.
        third = harness.Workdir(store_path=ws.store_path)
        try:
            third.write(account_config(third, self.pebble, key_algorithm="rsa2048"))
            proc = third.tf("import", "-no-color", "ionos_certificate_provider.acme",
                            "00000000-0000-4000-8000-000000000000", check=False)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn(ws.store_path, proc.stderr)
        finally:
            third.cleanup()
        ws.tf("destroy", "-auto-approve", "-no-color")

    def test_destroy_twice_succeeds(self):
        ws = self.ws
        ws.write(account_config(ws, self.pebble))
        ws.apply()
        # A second destroy, with nothing left in state, succeeds too.
        ws.tf("destroy", "-auto-approve", "-no-color")
        ws.tf("destroy", "-auto-approve", "-no-color")

    def test_without_plugin_tls(self):
        ws = harness.Workdir(tls=False)
        try:
            ws.write(account_config(ws, self.pebble, name="plaintext"))
            ws.apply()
            [acct] = ws.resources("ionos_certificate_provider")
            self.assertEqual(acct["status"], "valid")
            code, proc = ws.plan_exitcode()
            self.assertEqual(code, 0, proc.stdout + proc.stderr)
            ws.tf("destroy", "-auto-approve", "-no-color")
        finally:
            ws.cleanup()

    def test_schema_json_has_descriptions(self):
        ws = self.ws
        ws.write(account_config(ws, self.pebble))
        proc = ws.tf("providers", "schema", "-json")
        schema = json.loads(proc.stdout)
        [provider] = schema["provider_schemas"].values()
        cfg = provider["provider"]["block"]["attributes"]
        for name in ["store", "store_encryption_key", "token", "dns_api_url", "dns_resolvers", "ca_certificates_pem"]:
            self.assertIn(name, cfg)
            self.assertTrue(cfg[name].get("description"), name)
        self.assertTrue(cfg["token"].get("sensitive"))
        res = provider["resource_schemas"]["ionos_certificate_provider"]["block"]
        for name in ["id", "name", "email", "server", "key_algorithm", "account_url", "status"]:
            self.assertTrue(res["attributes"][name].get("description"), name)
        eab = res["block_types"]["external_account_binding"]
        self.assertTrue(eab["block"]["attributes"]["key_secret"].get("sensitive"))


class ExternalAccountBinding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pebble = harness.Pebble(eab_required=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.pebble.stop()

    def setUp(self):
        self.ws = harness.Workdir()

    def tearDown(self):
        self.ws.cleanup()

    def test_right_key_gives_account(self):
        ws = self.ws
        ws.write(account_config(ws, self.pebble, eab=("kid-1", harness.EAB_KEYS["kid-1"])))
        ws.apply()
        [acct] = ws.resources("ionos_certificate_provider")
        self.assertEqual(acct["status"], "valid")
        self.assertEqual(acct["external_account_binding"][0]["key_id"], "kid-1")
        ws.tf("destroy", "-auto-approve", "-no-color")

    def test_wrong_key_is_an_error_and_nothing_in_state(self):
        ws = self.ws
        wrong = "A" * 64
        ws.write(account_config(ws, self.pebble, eab=("kid-1", wrong)))
        proc = ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("Error", proc.stderr)
        self.assertIn("external_account_binding", proc.stderr + proc.stdout)
        self.assertNotIn(wrong, proc.stderr + proc.stdout)
        self.assertEqual(ws.resources("ionos_certificate_provider"), [])
        self.assertEqual(ws.store_rows("accounts"), [])

    def test_missing_binding_is_an_error(self):
        ws = self.ws
        ws.write(account_config(ws, self.pebble))
        proc = ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertRegex(proc.stderr, re.compile("external account", re.I))
        self.assertEqual(ws.resources("ionos_certificate_provider"), [])


if __name__ == "__main__":
    unittest.main()

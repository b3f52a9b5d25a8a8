"""The commands of the provider binary for people (issue 15.11): help, unknown flags named, the
listing with accounts and key algorithms, readable warnings, and the store key: a key set on a
store with unencrypted keys is reported with the way to encrypt them, and `store rekey` changes it."""

import base64
import os
import re
import sqlite3
import subprocess
import unittest

import harness
from test_auto_certificate import account, auto_cert


def flat(text):
    return re.sub(r"\s+", " ", text.replace("│", " "))


def run(*args, env=None):
    full = dict(os.environ)
    for k in list(full):
        if k.startswith("IONOS_"):
            del full[k]
    if env:
        full.update(env)
    return subprocess.run([harness.PROVIDER_BINARY] + list(args), capture_output=True, text=True, env=full,
                          timeout=120)


class Commands(unittest.TestCase):
    def test_help_and_usage_errors(self):
        for args in (["--help"], ["-h"], ["help"], ["help", "renew"], ["renew", "--help"]):
            proc = run(*args)
            self.assertEqual(proc.returncode, 0, args)
            self.assertIn("usage: terraform-provider-ionos", proc.stdout)
        proc = run("certificates", "--colour")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown flag --colour", proc.stderr)
        proc = run("renwe")
        self.assertEqual(proc.returncode, 2)
        self.assertIn('unknown command "renwe"', proc.stderr)
        proc = run("certificates", env={"IONOS_CERT_NOW": "tomorrow"})
        self.assertEqual(proc.returncode, 2)
        self.assertIn("IONOS_CERT_NOW", proc.stderr)
        self.assertIn("not an RFC 3339 timestamp", proc.stderr)


class StoreKey(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def write(self, extra=""):
        self.ws.write(self.env.provider_block(self.ws, extra=extra) + account() % self.env.pebble.directory_url +
                      auto_cert("www", "www", "key.example.com", key_algorithm="ecdsa256"))

    def store_bytes(self):
        con = sqlite3.connect(self.ws.store_path)
        try:
            return "\n".join(con.iterdump())
        finally:
            con.close()

    def test_a_new_store_key_is_reported_and_rekey_encrypts_the_old_keys(self):
        self.write()
        self.ws.apply()
        self.assertIn("BEGIN PRIVATE KEY", self.store_bytes())
        key = base64.b64encode(os.urandom(32)).decode()
        self.write('  store_encryption_key = "%s"' % key)
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 0, out)
        self.assertIn("Private keys stored unencrypted", out)
        self.assertIn("store rekey", out)
        self.assertNotIn(key, out, "the key is a secret")
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path, "--key", "", "--new-key", key)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("2 encrypted, 0 unencrypted", proc.stdout)
        self.assertNotIn("PRIVATE KEY", self.store_bytes(), "no plaintext key at rest")
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 0, out)
        self.assertNotIn("Private keys stored unencrypted", out)
        # The listing shows accounts and key algorithms, and needs no key (it decrypts nothing).
        proc = run("certificates", "--store", "sqlite:" + self.ws.store_path)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [acct] = self.ws.resources("ionos_certificate_provider")
        self.assertIn(acct["id"], proc.stdout)
        self.assertRegex(proc.stdout, r"key\.example\.com-\d{8}T\d{6}Z\s+www\s+active\s+ecdsa256")
        # A wrong current key changes nothing.
        wrong = base64.b64encode(os.urandom(32)).decode()
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path, "--key", wrong, "--new-key", "")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("nothing was changed", proc.stderr)
        self.assertIn("the key given by --key is wrong", proc.stderr, "named by where it came from")
        self.assertNotIn(wrong, proc.stderr)
        self.assertNotIn("PRIVATE KEY", self.store_bytes())
        # The same key from the environment is named as such.
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path, "--new-key", "",
                   env={"IONOS_CERT_STORE_KEY": wrong})
        self.assertEqual(proc.returncode, 1)
        self.assertIn("IONOS_CERT_STORE_KEY is wrong", proc.stderr)


if __name__ == "__main__":
    unittest.main()

"""The commands of the provider binary for people: help, unknown flags named, the
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
        # As the warning says: the new key from the environment, never on the command line.
        self.assertIn('IONOS_CERT_STORE_NEW_KEY="$IONOS_CERT_STORE_KEY" IONOS_CERT_STORE_KEY=', out)
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path,
                   env={"IONOS_CERT_STORE_NEW_KEY": key, "IONOS_CERT_STORE_KEY": ""})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("2 encrypted, 0 unencrypted", proc.stdout)
        self.assertNotIn("on the command line", proc.stderr)
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
        # A wrong current key changes nothing, and is named by where it came from: a file ...
        wrong = base64.b64encode(os.urandom(32)).decode()
        key_file = os.path.join(self.ws.dir, "wrong.key")
        with open(key_file, "w") as f:
            f.write(wrong + "\n")
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path, "--key-file", key_file,
                   "--new-key", "")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("nothing was changed", proc.stderr)
        self.assertIn("the file given by --key-file is wrong", proc.stderr, "named by where it came from")
        self.assertNotIn("on the command line", proc.stderr)
        # ... or the command line, which still works but warns that every user can read it.
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path, "--key", wrong, "--new-key", "")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("the key given by --key is wrong", proc.stderr, "named by where it came from")
        self.assertIn("--key puts a secret on the command line", proc.stderr)
        self.assertNotIn(wrong, proc.stderr)
        self.assertNotIn("PRIVATE KEY", self.store_bytes())
        # The same key from the environment is named as such.
        proc = run("store", "rekey", "--store", "sqlite:" + self.ws.store_path, "--new-key", "",
                   env={"IONOS_CERT_STORE_KEY": wrong})
        self.assertEqual(proc.returncode, 1)
        self.assertIn("IONOS_CERT_STORE_KEY is wrong", proc.stderr)


    def test_store_copy_takes_urls_and_keys_from_the_environment_and_files(self):
        # No secret needs the command line: the source from IONOS_CERT_STORE_FROM, the destination
        # from a file, the keys from IONOS_CERT_STORE_FROM_KEY and a key file.
        self.write()
        self.ws.apply()
        to_path = os.path.join(self.ws.dir, "copied", "certificates.db")
        url_file = os.path.join(self.ws.dir, "to.url")
        with open(url_file, "w") as f:
            f.write("sqlite:" + to_path + "\n")
        to_key = base64.b64encode(os.urandom(32)).decode()
        key_file = os.path.join(self.ws.dir, "to.key")
        with open(key_file, "w") as f:
            f.write(to_key)
        proc = run("store", "copy", "--to-file", url_file, "--to-key-file", key_file,
                   env={"IONOS_CERT_STORE_FROM": "sqlite:" + self.ws.store_path, "IONOS_CERT_STORE_FROM_KEY": ""})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertNotIn("on the command line", proc.stderr)
        con = sqlite3.connect(to_path)
        try:
            keys = [r[0] for r in con.execute("SELECT private_key FROM certificates UNION ALL "
                                              "SELECT private_key FROM accounts")]
        finally:
            con.close()
        self.assertEqual(len(keys), 2, keys and "")
        self.assertTrue(all(k.startswith("enc:v1:") for k in keys),
                        "the destination sealed the keys with the key from the file")
        listing = run("certificates", "--store", "sqlite:" + to_path)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn("key.example.com-", listing.stdout)

        # A dry run into a store that does not exist creates nothing there.
        absent = os.path.join(self.ws.dir, "absent", "certificates.db")
        proc = run("store", "copy", "--dry-run", "--from", "sqlite:" + self.ws.store_path, "--to", "sqlite:" + absent)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("would copy from", proc.stdout)
        self.assertFalse(os.path.exists(os.path.dirname(absent)), "the dry run created nothing")

        # A password in a URL on the command line works but is warned about, and never echoed.
        proc = run("store", "copy", "--dry-run", "--from", "sqlite:" + self.ws.store_path,
                   "--to", "postgres://certs:Hunter2-Secret@127.0.0.1:1/certs?connect_timeout=1")
        self.assertIn("--to puts a secret on the command line", proc.stderr)
        self.assertNotIn("Hunter2-Secret", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()

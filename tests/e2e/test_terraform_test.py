"""Terraform's own test framework and the drift-detection example, end to end.

The `terraform test` suites in tests/terraform/ apply real configurations (their
own and the examples, as modules) against Pebble, pebble-challtestsrv and the
IONOS Cloud DNS API emulator, assert on the attributes and destroy. This file
starts that environment, passes its URLs, CA certificate and token as TF_VAR_*
variables and runs each suite with the dev_overrides CLI configuration of
harness.Workdir: `terraform get` installs the example modules, no `terraform
init` is needed. It also runs examples/drift-detection/check-renewal.sh, with
the provider's clock moved by IONOS_CERT_NOW to make a renewal due."""

import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import unittest

import harness

ZONES = ["example.com", "example.org", "example.net"]
DAY = 86400


def copy_sources(dest):
    """examples/ and tests/terraform/ with their relative layout, so module paths resolve."""
    shutil.copytree(os.path.join(harness.SOURCE_DIR, "examples"), os.path.join(dest, "examples"),
                    ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    shutil.copytree(os.path.join(harness.SOURCE_DIR, "tests", "terraform"), os.path.join(dest, "tests", "terraform"),
                    ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))


def run_blocks(suite_dir):
    count = 0
    for path in glob.glob(os.path.join(suite_dir, "*.tftest.hcl")) + glob.glob(
            os.path.join(suite_dir, "tests", "*.tftest.hcl")):
        with open(path) as f:
            count += len(re.findall(r'^run\s+"', f.read(), re.M))
    return count


def environment_vars(env, ws, **extra):
    out = {
        "TF_VAR_acme_server": env.pebble.directory_url,
        "TF_VAR_ca_certificates_pem": env.pebble.tls_cert_pem,
        "TF_VAR_ionos_token": harness.DNS_TOKEN,
        "TF_VAR_dns_api_url": env.dns.url,
        "TF_VAR_dns_resolvers": json.dumps([env.chall.dns_address]),
        "TF_VAR_store": "sqlite:" + ws.store_path,
    }
    out.update({"TF_VAR_" + k: v for k, v in extra.items()})
    return out


class SuiteRunner:
    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)
        copy_sources(self.ws.dir)

    def run_suite(self, suite, **extra_vars):
        ws = self.ws
        suite_dir = os.path.join(ws.dir, "tests", "terraform", suite)
        env = dict(ws.env)
        env.update(environment_vars(self.env, ws, **extra_vars))

        def tf(*args, timeout=600):
            return subprocess.run(["terraform"] + list(args), cwd=suite_dir, env=env, capture_output=True,
                                  text=True, timeout=timeout)

        got = tf("get", "-no-color")
        self.assertEqual(got.returncode, 0, got.stdout + got.stderr)
        proc = tf("test", "-no-color")
        output = proc.stdout + proc.stderr
        expected = run_blocks(suite_dir)
        self.assertGreater(expected, 0)
        self.assertEqual(proc.returncode, 0, output)
        self.assertIn("Success! %d passed, 0 failed." % expected, proc.stdout, output)
        # Everything the suite applied was destroyed again, and no challenge record was left.
        self.assertEqual(ws.store_rows("certificates"), [], output)
        self.assertEqual(self.env.dns.txt_records(), [])
        self.assertNotIn(harness.DNS_TOKEN, output)
        return proc


class TerraformTestIssuance(SuiteRunner, unittest.TestCase):
    """tests/terraform/issuance: lifecycle.tftest.hcl and examples.tftest.hcl."""

    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(ZONES).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def test_issuance_suite_passes(self):
        proc = self.run_suite("issuance")
        for run in ("issue", "rename_keeps_the_certificate", "plan_keeps_the_certificate",
                    "new_names_reissue_in_place", "quickstart", "wildcard_and_apex", "names_in_three_zones",
                    "drift_detection"):
            self.assertRegex(proc.stdout, r'run "%s"\.\.\. pass' % run)
        self.assertGreaterEqual(self.env.pebble.request_count("POST /order-plz"), 6)


class TerraformTestExternalAccountBinding(SuiteRunner, unittest.TestCase):
    """tests/terraform/eab against a Pebble that requires External Account Binding."""

    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(ZONES, eab_required=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def test_eab_suite_passes(self):
        [(kid, key)] = harness.EAB_KEYS.items()
        proc = self.run_suite("eab", eab_key_id=kid, eab_hmac_key=key)
        self.assertIn('run "account_with_external_account_binding"... pass', proc.stdout)
        self.assertNotIn(key, proc.stdout + proc.stderr)


class DriftDetectionScript(unittest.TestCase):
    """examples/drift-detection/check-renewal.sh: exit 0 while nothing is due, 2 once a renewal is
    due, and --apply renews."""

    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(ZONES, validity_seconds=90 * DAY).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def test_exit_codes_and_apply(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        example = os.path.join(harness.SOURCE_DIR, "examples", "drift-detection")
        for name in os.listdir(example):
            if name.endswith(".tf") or name.endswith(".sh"):
                shutil.copy2(os.path.join(example, name), ws.dir)
        env = environment_vars(self.env, ws)
        script = os.path.join(ws.dir, "check-renewal.sh")

        def check(*args, now=None):
            full = dict(ws.env)
            full.update(env)
            if now:
                full["IONOS_CERT_NOW"] = now
            return subprocess.run([script] + list(args), cwd=ws.dir, env=full, capture_output=True, text=True,
                                  timeout=600)

        ws.apply(env=env)
        certs = ws.resources("ionos_auto_certificate")
        self.assertEqual(len(certs), 2)

        proc = check()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("no certificate is due", proc.stdout)

        # 70 days into a 90-day certificate: renew_before_days = 30 makes both due.
        not_before = datetime.datetime.strptime(certs[0]["not_before"], "%Y-%m-%dT%H:%M:%SZ")
        later = (not_before + datetime.timedelta(days=70)).strftime("%Y-%m-%dT%H:%M:%SZ")
        proc = check(now=later)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 2 to change, 0 to destroy", proc.stdout)
        self.assertIn("Certificate renewal due: " + certs[0]["certificates"][0]["name"], proc.stdout + proc.stderr)
        self.assertIn("run `terraform apply`", proc.stdout)
        self.assertEqual([c["serial_number"] for c in ws.resources("ionos_auto_certificate")],
                         [c["serial_number"] for c in certs], "a plan must not renew")

        proc = check("--apply", now=later)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("renewed", proc.stdout)
        renewed = ws.resources("ionos_auto_certificate")
        for before, after in zip(certs, renewed):
            self.assertNotEqual(before["serial_number"], after["serial_number"])
            self.assertEqual([c["status"] for c in after["certificates"]], ["active", "superseded"])

        # Back at today's clock the renewed certificates are not due. (By the moved clock the CA's
        # fresh certificates were already 70 days old, so the state says renewal_due = true until a
        # refresh at today's clock; the script's refresh-only apply records that, and the plan after
        # it has nothing to do.)
        proc = check()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

        # Renewed outside Terraform (the renew command): the outputs refer to the certificates, yet
        # the script exits 0, and the state holds the renewals.
        renewed_serials = {c["serial_number"] for c in ws.resources("ionos_auto_certificate")}
        renew_env = dict(ws.env, IONOS_CERT_STORE="sqlite:" + ws.store_path, IONOS_TOKEN=harness.DNS_TOKEN,
                         IONOS_API_URL_DNS=self.env.dns.url, IONOS_CERT_NOW=later)
        renew = subprocess.run([harness.PROVIDER_BINARY, "renew"], env=renew_env, capture_output=True, text=True,
                               timeout=300)
        self.assertEqual(renew.returncode, 0, renew.stdout + renew.stderr)
        proc = check()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("no certificate is due", proc.stdout)
        now_serials = {c["serial_number"] for c in ws.resources("ionos_auto_certificate")}
        self.assertTrue(renewed_serials.isdisjoint(now_serials), "the state holds the renewals")

        bad = check("--bogus")
        self.assertEqual(bad.returncode, 1)
        ws.tf("destroy", "-auto-approve", "-no-color", env=env)
        self.assertEqual(ws.store_rows("certificates"), [])


if __name__ == "__main__":
    unittest.main()

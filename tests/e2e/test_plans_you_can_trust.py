"""End to end with the real terraform CLI, Pebble and the DNS API emulator: a plan says
exactly what apply will do, a plan never deletes, and no change cascades into re-issuing
everything."""

import concurrent.futures
import datetime
import json
import os
import re
import subprocess
import time
import unittest

import harness
from test_auto_certificate import account, auto_cert


def flat(text):
    """Terraform's output with its line wrapping and box drawing undone."""
    return re.sub(r"\s+", " ", text.replace("│", " "))


def at(iso_time, days):
    t = datetime.datetime.strptime(iso_time, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return {"IONOS_CERT_NOW": t.strftime("%Y-%m-%dT%H:%M:%SZ")}


DAY = 86400


class PlansYouCanTrust(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def write(self, certs, provider_extra="", email="admin@example.com"):
        acct = account() % self.env.pebble.directory_url
        acct = acct.replace('email  = "admin@example.com"', 'email  = "%s"' % email)
        self.ws.write(self.env.provider_block(self.ws, extra=provider_extra) + acct + certs)

    def cert(self):
        [c] = self.ws.resources("ionos_auto_certificate")
        return c

    def test_removing_an_optional_argument_plans_its_default_and_a_rename_keeps_the_certificate(self):
        self.write(auto_cert("www", "www", "defaults.example.com", key_algorithm="ecdsa384"))
        self.ws.apply()
        serial = self.cert()["serial_number"]
        # The line removed: the plan shows the default, and the apply re-issues.
        self.write(auto_cert("www", "www", "defaults.example.com"))
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn('key_algorithm = "ecdsa384" -> "rsa2048"', flat(proc.stdout))
        self.ws.apply()
        rsa = self.cert()
        self.assertNotEqual(rsa["serial_number"], serial)
        self.assertEqual(rsa["key_algorithm"], "rsa2048")
        # A rename alone keeps the serial.
        self.write(auto_cert("www", "renamed", "defaults.example.com"))
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertNotIn("known after apply", proc.stdout)
        self.ws.apply()
        self.assertEqual(self.cert()["serial_number"], rsa["serial_number"])
        self.assertEqual(self.cert()["name"], "renamed")
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

    def test_fractional_day_counts_are_a_plan_error_naming_the_attribute(self):
        self.write(auto_cert("www", "www", "frac.example.com", key_algorithm="ecdsa256",
                             extra="  renew_before_days = 2.5\n"))
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        out = flat(proc.stderr)
        self.assertIn("renew_before_days", out)
        self.assertIn("whole number", out)
        self.assertEqual(self.ws.resources(), [])

    def test_an_email_change_is_one_in_place_change_keeping_the_certificate(self):
        self.write(auto_cert("www", "www", "mail.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        before = self.cert()
        self.write(auto_cert("www", "www", "mail.example.com", key_algorithm="ecdsa256"), email="ops@example.com")
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        self.ws.apply()
        self.assertEqual(self.cert()["serial_number"], before["serial_number"])
        [acct] = self.ws.resources("ionos_certificate_provider")
        self.assertEqual(acct["email"], "ops@example.com")

    def test_a_plan_a_year_ahead_deletes_nothing_and_the_next_apply_prunes(self):
        self.write(auto_cert("www", "www", "year.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        nb = self.cert()["not_before"]
        self.ws.apply(env=at(nb, 61))  # renews: the first one is superseded
        self.assertEqual(len(self.ws.store_rows("certificates")), 2)
        code, proc = self.ws.plan_exitcode(env=at(nb, 365))
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("Old certificates past their grace period", flat(proc.stdout + proc.stderr))
        self.assertEqual(len(self.ws.store_rows("certificates")), 2, "a plan never deletes")
        self.ws.apply(env=at(nb, 365))
        # The apply renewed (everything was expired by that clock) and pruned all but the newest.
        rows = self.ws.store_rows("certificates")
        self.assertEqual(len(rows), 1)
        self.assertEqual([c["id"] for c in self.cert()["certificates"]], [self.cert()["last_issued_certificate_id"]])

    def test_four_certificates_with_one_common_name_get_four_names(self):
        certs = "".join(auto_cert("c%d" % i, "c%d" % i, "dual.example.com", key_algorithm="ecdsa256")
                        for i in range(4))
        self.write(certs)
        self.ws.apply("-parallelism=4")
        names = [c["certificates"][0]["name"] for c in self.ws.resources("ionos_auto_certificate")]
        self.assertEqual(len(set(names)), 4, names)
        for n in names:
            self.assertRegex(n, r"^dual\.example\.com-\d{8}T\d{6}Z(-\d)?$")

    def test_a_resolver_where_nothing_answers_fails_fast_naming_it(self):
        self.write(auto_cert("www", "www", "noresolver.example.com", key_algorithm="ecdsa256"),
                   provider_extra='  dns_resolvers = ["127.0.0.1:1"]\n  propagation_timeout = "20s"')
        started = time.monotonic()
        proc = self.ws.apply(check=False, timeout=120)
        took = time.monotonic() - started
        out = flat(proc.stdout + proc.stderr)
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertIn("127.0.0.1:1", out)
        self.assertIn("answered at all", out)
        self.assertLess(took, 60, "the acceptance bound: within a minute")
        self.assertEqual(self.env.dns.txt_records(), [])

    def test_an_unknown_literal_provider_id_is_a_plan_error(self):
        self.ws.write(self.env.provider_block(self.ws) + '''
resource "ionos_auto_certificate" "www" {
  provider_id = "00000000-0000-4000-8000-000000000000"
  name        = "www"
  common_name = "www.example.com"
}
''')
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        out = flat(proc.stderr)
        self.assertIn("provider_id", out)
        self.assertIn("Unknown certificate provider", out)


class CaThatForgotTheAccount(unittest.TestCase):
    """A restarted or reset CA forgets every account: the certificates stay valid, nothing is
    replaced, the plan warns and the apply registers the account's key again in place."""

    def setUp(self):
        self.env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(self.env.stop)
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def test_restarted_ca_repairs_in_place_and_issues_again(self):
        self.ws.write(self.env.provider_block(self.ws) + account() % self.env.pebble.directory_url +
                      auto_cert("www", "www", "forgot.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        [acct] = self.ws.resources("ionos_certificate_provider")
        [cert] = self.ws.resources("ionos_auto_certificate")
        self.env.pebble.restart()
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 2, out)
        self.assertIn("The CA no longer knows the ACME account", out)
        self.assertIn("0 to add, 1 to change, 0 to destroy", out)
        self.assertNotIn("must be replaced", out)
        self.ws.apply()
        [repaired] = self.ws.resources("ionos_certificate_provider")
        self.assertEqual(repaired["id"], acct["id"])
        self.assertEqual(repaired["status"], "valid")
        self.assertNotEqual(repaired["account_url"], acct["account_url"])
        [same] = self.ws.resources("ionos_auto_certificate")
        self.assertEqual(same["serial_number"], cert["serial_number"], "nothing else changed")
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        # A new certificate can be issued under the repaired account.
        self.ws.write(self.env.provider_block(self.ws) + account() % self.env.pebble.directory_url +
                      auto_cert("www", "www", "forgot.example.com", key_algorithm="ecdsa256") +
                      auto_cert("api", "api", "api.forgot.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        self.assertEqual(len(self.ws.resources("ionos_auto_certificate")), 2)


class DriftDetectionApplyMode(unittest.TestCase):
    """examples/drift-detection's --apply mode refuses a plan that destroys or replaces anything."""

    SCRIPT = os.path.join(harness.SOURCE_DIR, "examples", "drift-detection", "check-renewal.sh")

    def test_apply_mode_refuses_a_destructive_plan(self):
        env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(env.stop)
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.write(env.provider_block(ws) + account() % env.pebble.directory_url +
                 auto_cert("www", "www", "drift.example.com", key_algorithm="ecdsa256"))
        ws.apply()
        # A common_name change replaces the auto certificate: --apply must refuse it.
        ws.write(env.provider_block(ws) + account() % env.pebble.directory_url +
                 auto_cert("www", "www", "other.drift.example.com", key_algorithm="ecdsa256"))
        proc = subprocess.run(["bash", self.SCRIPT, "--apply"], cwd=ws.dir, env=ws.env, capture_output=True,
                              text=True, timeout=300)
        out = proc.stdout + proc.stderr
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertIn("refusing to apply", out)
        [cert] = ws.resources("ionos_auto_certificate")
        self.assertEqual(cert["common_name"], "drift.example.com", "nothing was applied")


if __name__ == "__main__":
    unittest.main()

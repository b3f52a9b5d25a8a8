"""The renewal lifecycle end to end: renewal drift on refresh, renewal on
apply, the grace period and automatic deletion, seen through the real
terraform CLI with the provider's clock moved by IONOS_CERT_NOW.

The CA stamps certificates with the real time, so a certificate renewed while
the plugin's clock is moved to day 61 is, by that clock, already 61 days old;
plans after a renewal are checked at today's clock (IONOS_CERT_NOW unset)."""

import datetime
import json
import re
import subprocess
import unittest

import harness
from test_auto_certificate import KEY_IN_STATE, account, auto_cert

DAY = 86400


def at(not_before, days):
    t = datetime.datetime.strptime(not_before, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return {"IONOS_CERT_NOW": t.strftime("%Y-%m-%dT%H:%M:%SZ")}


def listing(ws, env=None):
    proc = subprocess.run([harness.PROVIDER_BINARY, "certificates", "--store", "sqlite:" + ws.store_path, "--json"],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout)


class Renewal90Days(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def config(self, ws):
        return (self.env.provider_block(ws) + account() % self.env.pebble.directory_url +
                auto_cert("main", "main", "renew.example.com", key_algorithm="ecdsa256", extra=KEY_IN_STATE) +
                auto_cert("late", "late", "late.example.com", key_algorithm="ecdsa256",
                          extra="  renew_before_days = 10\n"))

    def test_drift_renewal_grace_and_deletion(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.write(self.config(ws))
        ws.apply()
        certs = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}
        first = certs["main"]
        nb = first["not_before"]

        # Day 0 and day 59: nothing to do.
        for day in (0, 59):
            code, proc = ws.plan_exitcode(env=at(nb, day))
            self.assertEqual(code, 0, "day %d:\n%s%s" % (day, proc.stdout, proc.stderr))

        # Day 61: exactly one in-place update, with a warning naming the certificate.
        code, proc = ws.plan_exitcode(env=at(nb, 61))
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        self.assertIn("ionos_auto_certificate.main will be updated in-place", proc.stdout)
        self.assertNotIn("ionos_auto_certificate.late will be", proc.stdout)
        old_name = first["certificates"][0]["name"]
        self.assertIn("Certificate renewal due: " + old_name, proc.stdout + proc.stderr)
        code, proc = ws.plan_exitcode("-refresh-only", env=at(nb, 61))
        self.assertEqual(code, 2, proc.stdout + proc.stderr)

        # Apply at day 61: new serial, new key, new timestamped name; both listed.
        ws.apply(env=at(nb, 61))
        renewed = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}["main"]
        self.assertNotEqual(renewed["serial_number"], first["serial_number"])
        self.assertNotEqual(renewed["private_key_pem"], first["private_key_pem"])
        self.assertEqual([c["status"] for c in renewed["certificates"]], ["active", "superseded"])
        self.assertEqual(renewed["certificates"][1]["name"], old_name)
        self.assertNotEqual(renewed["certificates"][0]["name"], old_name)
        self.assertRegex(renewed["certificates"][0]["name"], r"^renew\.example\.com-\d{8}T\d{6}Z$")
        self.assertEqual(renewed["last_issued_certificate_id"], renewed["certificates"][0]["id"])
        late_after = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}["late"]
        self.assertEqual(late_after["serial_number"], certs["late"]["serial_number"])
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # Day 91: the old certificate is listed expired (and still kept).
        ws.apply("-refresh-only", env=at(nb, 91))
        main = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}["main"]
        self.assertEqual(len(main["certificates"]), 2)
        self.assertEqual(main["certificates"][1]["name"], old_name)
        self.assertEqual(main["certificates"][1]["status"], "expired")
        rows = [r for r in listing(ws, at(nb, 91)) if r["common_name"] == "renew.example.com"]
        self.assertEqual([r["status"] for r in rows][1], "expired")

        # Day 121: the old certificate's grace period is over. A refresh (and a plan) only warns:
        # nothing is deleted before an apply.
        first_id = first["last_issued_certificate_id"]
        ws.apply("-refresh-only", env=at(nb, 121))
        main = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}["main"]
        self.assertIn(first_id, [c["id"] for c in main["certificates"]])
        code, proc = ws.plan_exitcode(env=at(nb, 121))
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("Old certificates past their grace period: main", proc.stdout + proc.stderr)
        self.assertIn(first_id, [r[1] for r in ws.store_rows("certificates")])
        # The apply deletes it. By that clock the newest is past its own expiry too (the CA
        # stamped it with the real time), so the apply also renews; the certificate it replaces is
        # then past its grace period as well and goes with it. The new one stays.
        ws.apply("-target=ionos_auto_certificate.main", env=at(nb, 121))
        main = {a["name"]: a for a in ws.resources("ionos_auto_certificate")}["main"]
        self.assertEqual([c["id"] for c in main["certificates"]], [main["last_issued_certificate_id"]])
        self.assertNotIn(main["last_issued_certificate_id"], (first_id, renewed["last_issued_certificate_id"]))
        self.assertNotIn(first_id, [r[1] for r in ws.store_rows("certificates")])
        rows = [r for r in listing(ws, at(nb, 121)) if r["common_name"] == "renew.example.com"]
        self.assertNotIn(first_id, [r["id"] for r in rows])

    def test_listing_command_table(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.write(self.config(ws))
        ws.apply()
        proc = subprocess.run([harness.PROVIDER_BINARY, "certificates", "--store", "sqlite:" + ws.store_path],
                              capture_output=True, text=True, check=True)
        self.assertRegex(proc.stdout, r"NAME\s+AUTO CERTIFICATE\s+STATUS\s+KEY\s+PROFILE\s+NOT AFTER\s+DAYS LEFT\s+RENEW AT")
        self.assertRegex(proc.stdout, r"renew\.example\.com-\d{8}T\d{6}Z\s+main\s+active\s+ecdsa256\s+-\s+\S+\s+(89|90)\s")
        # The accounts, with the ids `terraform import` needs.
        [acct] = ws.resources("ionos_certificate_provider")
        self.assertIn("ACCOUNTS", proc.stdout)
        self.assertRegex(proc.stdout, re.escape(acct["id"]) + r"\s+acct\s+admin@example\.com")

    def test_two_working_directories_share_one_store(self):
        a = harness.Workdir()
        self.addCleanup(a.cleanup)
        a.write(self.config(a))
        a.apply()
        acct = a.resources("ionos_certificate_provider")[0]
        main = {x["name"]: x for x in a.resources("ionos_auto_certificate")}["main"]

        b = harness.Workdir(store_path=a.store_path)
        self.addCleanup(b.cleanup)
        b.write(self.env.provider_block(b) + '''
import {
  to = ionos_certificate_provider.acme
  id = "%s"
}
import {
  to = ionos_auto_certificate.main
  id = "%s"
}
''' % (acct["id"], main["id"]) + account() % self.env.pebble.directory_url +
                auto_cert("main", "main", "renew.example.com", key_algorithm="ecdsa256"))
        b.apply()

        # A renews at day 61 ...
        a.apply("-target=ionos_auto_certificate.main", env=at(main["not_before"], 61))
        renewed = {x["name"]: x for x in a.resources("ionos_auto_certificate")}["main"]
        # ... B's refresh reports it as a change made outside Terraform ...
        code, proc = b.plan_exitcode("-refresh-only")
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("changed outside of Terraform", proc.stdout)
        b.apply("-refresh-only")
        [b_main] = b.resources("ionos_auto_certificate")
        self.assertEqual(b_main["serial_number"], renewed["serial_number"])
        # ... and B's plan at today's clock is clean afterwards.
        code, proc = b.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)


class RenewalSixDays(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=6 * DAY).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def test_short_lived_certificates_do_not_renew_in_a_loop(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.write(self.env.provider_block(ws) + account() % self.env.pebble.directory_url +
                 auto_cert("short", "short", "short.example.com", key_algorithm="ecdsa256"))
        ws.apply()
        [cert] = ws.resources("ionos_auto_certificate")
        nb = cert["not_before"]
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, "right after apply:\n" + proc.stdout + proc.stderr)
        code, proc = ws.plan_exitcode(env=at(nb, 2))
        self.assertEqual(code, 0, "day 2:\n" + proc.stdout + proc.stderr)
        code, proc = ws.plan_exitcode(env=at(nb, 4))
        self.assertEqual(code, 2, "day 4:\n" + proc.stdout + proc.stderr)
        self.assertIn("Certificate renewal due", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()

"""Publishing to the IONOS Certificate Manager, end to end: the real terraform CLI,
Pebble, the DNS API emulator and the Certificate Manager API emulator
(tests/dns_emulator/certificate_manager_emulator.h) that the same ionos-dns-emulator process
serves. Clocks ahead come from IONOS_CERT_NOW, as in test_renewal.py."""

import json
import re
import subprocess
import unittest

import harness
from test_auto_certificate import account, auto_cert
from test_renew_command import at, renew

DAY = 86400


def flat(text):
    return re.sub(r"\s+", " ", text.replace("│", " "))


class Publish(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY,
                                      certificate_manager=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def config(self, common_name, publish="true"):
        return (self.env.provider_block(self.ws) + account() % self.env.pebble.directory_url +
                auto_cert("web", "web", common_name, key_algorithm="ecdsa256",
                          extra="  publish = %s\n" % publish))

    def copies(self, common_name):
        return [c for c in self.env.dns.cm_copies() if c["commonName"] == common_name]

    def web(self):
        return self.ws.resources("ionos_auto_certificate")[0]

    def test_every_certificate_is_published_renewed_pruned_and_destroyed(self):
        cn = "pub.example.com"
        self.ws.write(self.config(cn))
        self.ws.apply()
        state = self.web()
        # Exactly one copy, under the store's timestamped name and with the state's serial.
        copies = self.copies(cn)
        self.assertEqual(len(copies), 1, copies)
        self.assertEqual(copies[0]["name"], state["certificates"][0]["name"])
        self.assertEqual(copies[0]["serialNumber"], state["serial_number"])
        self.assertEqual(copies[0]["state"], "AVAILABLE")
        self.assertEqual(state["published_certificate_id"], copies[0]["id"])
        self.assertEqual(state["certificates"][0]["published_id"], copies[0]["id"])
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        # The certificates listing shows the copy too.
        listing = json.loads(subprocess.run(
            [harness.PROVIDER_BINARY, "certificates", "--json", "--store", "sqlite:" + self.ws.store_path],
            capture_output=True, text=True, env=self.ws.env, check=True).stdout)
        self.assertEqual([r["published_id"] for r in listing], [copies[0]["id"]])

        # A copy deleted outside Terraform: the plan shows it, the apply publishes it again.
        self.assertEqual(self.env.dns.cm_delete(copies[0]["id"]), 202)
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("Published copy gone", proc.stdout + proc.stderr)
        self.ws.apply()
        copies = self.copies(cn)
        self.assertEqual(len(copies), 1, copies)
        self.assertEqual(self.web()["published_certificate_id"], copies[0]["id"])
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        first_copy = copies[0]

        # renew at +61 days publishes the new certificate: both copies during the grace period.
        nb = state["not_before"]
        # renew takes the Certificate Manager from its environment: plain http to a remote host is refused.
        proc = renew(self.ws, "--json", env=dict(at(nb, 61), IONOS_API_URL_CERT="http://cm.example.com"))
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("IONOS_API_URL_CERT", json.loads(proc.stdout)["error"])
        proc = renew(self.ws, "--json", env=at(nb, 61))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        row = json.loads(proc.stdout)[0]
        self.assertEqual(row["action"], "renewed", row)
        copies = self.copies(cn)
        self.assertEqual(len(copies), 2, copies)
        new_copy = [c for c in copies if c["id"] != first_copy["id"]][0]
        self.assertEqual(new_copy["serialNumber"], row["serial_number"])
        # Pebble stamps the real time into the new certificate: refresh and plan at today's clock.
        self.ws.apply("-refresh-only")
        self.assertEqual(self.web()["published_certificate_id"], new_copy["id"])
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # +130 days: the first certificate is pruned (and the newest, stamped with the real time, is
        # renewed again); the first one's copy is in use, so both stay, with a warning.
        self.env.dns.cm_in_use(first_copy["id"], "CDN distribution cdn-e2e")
        proc = self.ws.apply(env=at(nb, 130))
        out = flat(proc.stdout + proc.stderr)
        self.assertIn("Published copy kept", out)
        self.assertIn(first_copy["name"], out)
        self.assertIn("CDN distribution cdn-e2e", out)
        self.assertIn(first_copy["id"], [c["id"] for c in self.copies(cn)])
        self.assertIn(first_copy["name"], [c["name"] for c in self.web()["certificates"]])
        # Once free, the next prune deletes it.
        self.env.dns.cm_in_use(first_copy["id"], "")
        code, proc = self.ws.plan_exitcode(env=at(nb, 130))
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.ws.apply(env=at(nb, 130))
        self.assertNotIn(first_copy["id"], [c["id"] for c in self.copies(cn)])
        self.assertNotIn(first_copy["name"], [c["name"] for c in self.web()["certificates"]])
        names = sorted(c["name"] for c in self.web()["certificates"])
        self.assertEqual(sorted(c["name"] for c in self.copies(cn)), names)

        # Destroy leaves no copy.
        self.ws.tf("destroy", "-auto-approve", "-no-color", env=at(nb, 130))
        self.assertEqual(self.copies(cn), [])

    def test_an_upload_whose_answer_was_lost_ends_with_one_copy(self):
        cn = "lost.example.com"
        posts_before = self.env.dns.cm_requests().get("POST /certificates", 0)
        self.env.dns.cm_set_faults(lose_answer_next=1)
        self.ws.write(self.config(cn))
        for attempt in range(2):
            proc = self.ws.tf("apply", "-auto-approve", "-no-color", check=False)
            copies = self.copies(cn)
            if proc.returncode == 0 and self.web().get("published_certificate_id"):
                break
        self.assertEqual(len(copies), 1, copies)
        self.assertEqual(self.web()["published_certificate_id"], copies[0]["id"])
        # A copy in use refuses the destroy, which names the certificate and what uses it.
        self.env.dns.cm_in_use(copies[0]["id"], "Application Load Balancer alb-e2e", status=422)
        proc = self.ws.tf("destroy", "-auto-approve", "-no-color", check=False)
        self.assertNotEqual(proc.returncode, 0)
        out = flat(proc.stdout + proc.stderr)
        self.assertIn(copies[0]["name"], out)
        self.assertIn("Application Load Balancer alb-e2e", out)
        self.assertEqual(len(self.copies(cn)), 1)
        self.env.dns.cm_in_use(copies[0]["id"], "")
        requests = self.env.dns.cm_requests()
        self.assertGreaterEqual(requests.get("GET /certificates", 0), 1, requests)  # the copy was looked for
        self.assertEqual(requests.get("POST /certificates", 0) - posts_before, 1, requests)  # never posted twice
        self.ws.tf("destroy", "-auto-approve", "-no-color")
        self.assertEqual(self.copies(cn), [])

    def test_turning_publish_off_and_on_never_issues(self):
        cn = "toggle.example.com"
        self.ws.write(self.config(cn, publish="false"))
        self.ws.apply()
        self.assertEqual(self.copies(cn), [])
        serial = self.web()["serial_number"]
        self.assertIsNone(self.web()["published_certificate_id"])
        self.ws.write(self.config(cn, publish="true"))
        self.ws.apply()
        self.assertEqual(len(self.copies(cn)), 1)
        # Turning it off while the copy is in use fails and keeps the change pending.
        self.env.dns.cm_in_use(self.copies(cn)[0]["id"], "CDN distribution cdn-toggle")
        self.ws.write(self.config(cn, publish="false"))
        proc = self.ws.tf("apply", "-auto-approve", "-no-color", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("CDN distribution cdn-toggle", flat(proc.stdout + proc.stderr))
        self.assertEqual(len(self.copies(cn)), 1)
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.env.dns.cm_in_use(self.copies(cn)[0]["id"], "")
        self.ws.apply()
        self.assertEqual(self.copies(cn), [])
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        self.assertEqual(self.web()["serial_number"], serial)
        self.assertIsNone(self.web()["published_certificate_id"])

    def test_bad_input(self):
        self.ws.write(self.env.provider_block(self.ws, extra='  certificate_manager_url = "http://cm.example.com"') +
                      account() % self.env.pebble.directory_url)
        proc = self.ws.tf("init", "-no-color", check=False)
        proc = self.ws.tf("validate", "-no-color", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("certificate_manager_url", flat(proc.stdout + proc.stderr))
        # publish = true without a token: a plan error naming `token`.
        block = harness.provider_block(self.env.pebble, self.ws.store_path,
                                       '  dns_api_url = "%s"\n  certificate_manager_url = "%s"' %
                                       (self.env.dns.url, self.env.dns.cm_url))
        self.ws.write(block + account() % self.env.pebble.directory_url +
                      auto_cert("web", "web", "notoken.example.com", extra="  publish = true\n"))
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        out = flat(proc.stdout + proc.stderr)
        self.assertIn("No API token to publish with", out)
        self.assertIn("`token`", out)


if __name__ == "__main__":
    unittest.main()

"""End to end with the real terraform CLI: no single odd answer or value destroys an
account, deletes a certificate, leaves a record or crashes the plugin. (Item 3, a DNS API error body
of the wrong shape, is in test_dns_api_bad_bodies; item 8, the authoritative name servers, in
test_authoritative_dns.)"""

import datetime
import re
import unittest

import harness
from test_auto_certificate import account, auto_cert


def flat(text):
    return re.sub(r"\s+", " ", text.replace("│", " "))


def at(iso_time, days):
    t = datetime.datetime.strptime(iso_time, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return {"IONOS_CERT_NOW": t.strftime("%Y-%m-%dT%H:%M:%SZ")}


class NothingLost(unittest.TestCase):
    def setUp(self):
        self.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * 86400).start()
        self.addCleanup(self.env.stop)
        self.proxy = harness.AcmeProxy(self.env.pebble).start()
        self.addCleanup(self.proxy.stop)
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def write(self, certs, provider_extra=""):
        self.ws.write(self.env.provider_block(self.ws, extra=provider_extra) +
                      account() % self.proxy.directory_url + certs)

    # Item 1: a 404 that is not the CA's word about the account keeps it.
    def test_a_proxys_404_during_a_plan_keeps_the_account(self):
        self.write(auto_cert("www", "www", "keep.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        [acct] = self.ws.resources("ionos_certificate_provider")
        self.proxy.bare_404_accounts = 1
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 0, out)
        self.assertIn("Could not confirm the ACME account at the CA", out)
        self.assertIn("HTTP 404 without an ACME problem document", out)
        self.assertEqual(self.proxy.bare_404_accounts, 0, "the fault was used")
        [row] = self.ws.store_rows("accounts")
        self.assertEqual(row[0], acct["id"])
        self.assertEqual(row[6], "valid", "the store still holds the account as valid")
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

    # Item 2: a lost answer to finalize is not replayed behind the ACME layer's back; the ACME
    # layer signs afresh, sees the order went on, and the apply completes.
    def test_a_lost_finalize_answer_completes_the_issuance(self):
        self.write(auto_cert("www", "www", "lost.example.com", key_algorithm="ecdsa256"))
        self.proxy.lose_finalize_answers = 1
        proc = self.ws.apply(check=False)
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(proc.returncode, 0, out)
        self.assertEqual(self.proxy.lost_answers, 1)
        self.assertGreaterEqual(self.proxy.finalize_posts, 2, "finalize was sent again, signed afresh")
        self.assertNotIn("another client", out)
        [cert] = self.ws.resources("ionos_auto_certificate")
        self.assertEqual(harness.cert_dns_names(cert["certificate_pem"]), ["lost.example.com"])
        self.assertEqual(self.env.dns.txt_records(), [])

    # Item 4: day counts are bounded at plan time, and time arithmetic never wraps around.
    def test_huge_day_counts_are_refused_and_the_largest_never_deletes_early(self):
        self.write(auto_cert("www", "www", "grace.example.com", key_algorithm="ecdsa256",
                             extra="  grace_period_days = 100000000000\n"))
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        self.assertIn("grace_period_days", flat(proc.stderr))
        self.assertIn("3650", flat(proc.stderr))
        # The largest value: a superseded certificate stays for ten years after its expiry.
        self.write(auto_cert("www", "www", "grace.example.com", key_algorithm="ecdsa256",
                             extra="  grace_period_days = 3650\n"))
        self.ws.apply()
        [cert] = self.ws.resources("ionos_auto_certificate")
        nb = cert["not_before"]
        self.ws.apply(env=at(nb, 61))
        self.assertEqual(len(self.ws.store_rows("certificates")), 2)
        # Nine years on (the newest is renewed again: it expired long ago by that clock).
        self.ws.apply(env=at(nb, 9 * 365))
        self.assertEqual(len(self.ws.store_rows("certificates")), 3, "nothing was pruned")

    # Item 5: the bearer token never travels in cleartext to a remote host.
    def test_plain_http_dns_api_url_to_a_remote_host_is_a_validate_error(self):
        self.write(auto_cert("www", "www", "http.example.com", key_algorithm="ecdsa256"),
                   provider_extra='  dns_api_url = "http://dns.de-fra.ionos.com"')
        proc = self.ws.tf("validate", "-no-color", check=False)
        out = flat(proc.stdout + proc.stderr)
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertIn("dns_api_url", out)
        self.assertIn("unencrypted", out)
        self.assertEqual(self.env.dns.requests(), {}, "no request reached any DNS API")


if __name__ == "__main__":
    unittest.main()

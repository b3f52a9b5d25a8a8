"""End to end: the IONOS Cloud DNS API (tests/dns_emulator) answering 500 with an error
body whose members have the wrong JSON types,
    {"httpStatus":500,"messages":[{"errorCode":1,"message":{"x":1}}]}
while the provider writes, polls and deletes the challenge TXT records on its worker threads.
Reading that body used to throw (nlohmann::json type_error) out of a worker thread: the plugin
process died mid-issuance and the TXT records stayed behind. Now it is an ordinary DNS API error:
retried like any 500, an error diagnostic once the retries are used up, never a crash, and the next
apply removes what was left and issues the certificate.

Every certificate here has two names, so that its two TXT records are written on two worker
threads (a single record is written on the calling thread)."""

import re
import unittest

import harness
from test_auto_certificate import account, auto_cert

RECORD = "/zones/{zoneId}/records/{recordId}"
WRONG_SHAPE = ("500 Internal Server Error: an error body of the wrong shape "
               "(messages[0].message is an object, not a string)")
# What Terraform shows when the plugin process dies (std::terminate: "signal: aborted").
CRASH_SIGNS = ("plugin crashed", "unexpected EOF", "Plugin did not respond", "plugin process exited", "signal: aborted",
               "panic:", "rpc error: code = Unavailable")


def flat(text):
    """Terraform's diagnostics with its line wrapping and box drawing undone."""
    return re.sub(r"\s+", " ", text.replace("│", " "))


class BadErrorBodies(unittest.TestCase):
    def setUp(self):
        self.env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(self.env.stop)
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def write(self, common_name):
        self.names = [common_name, "www." + common_name]
        self.ws.write(self.env.provider_block(self.ws) + account() % self.env.pebble.directory_url +
                      auto_cert("c", "c", common_name, sans=self.names[1:], key_algorithm="ecdsa256"))
        self.ws.apply("-target=ionos_certificate_provider.acme")

    def assert_no_crash(self, proc):
        out = proc.stdout + proc.stderr
        for sign in CRASH_SIGNS:
            self.assertNotIn(sign, out, "the plugin must not die")

    def assert_issued(self):
        [cert] = self.ws.resources("ionos_auto_certificate")
        self.assertEqual(harness.cert_dns_names(cert["certificate_pem"]), sorted(self.names))
        self.assertEqual(self.env.dns.txt_records(), [], "no _acme-challenge TXT record is left")
        self.assertEqual(self.ws.store_rows("pending_dns_records"), [])
        code, plan = self.ws.plan_exitcode()
        self.assertEqual(code, 0, plan.stdout + plan.stderr)

    def test_three_bad_error_bodies_are_retried_like_any_500(self):
        self.write("three.example.com")
        self.env.dns.set_faults(bad_error_body_next=3, bad_error_body_on=["PUT " + RECORD])
        proc = self.ws.apply(check=False, env={"TF_LOG_PROVIDER": "WARN"})
        self.assert_no_crash(proc)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        err = flat(proc.stderr)
        self.assertIn("retrying IONOS Cloud DNS API request", err)
        self.assertIn(WRONG_SHAPE, err)
        self.assertEqual(self.env.dns.requests().get("PUT " + RECORD), 2 + 3)
        self.assertEqual(self.env.dns.set_faults()["bad_error_body_next"], 0, "all three were answered")
        self.assert_issued()

    def test_bad_error_bodies_until_the_retries_give_up_then_the_next_apply_cleans_up(self):
        self.write("bad.example.com")
        # The records are written; every poll of their state and every deletion is answered with
        # the bad body until the switch is cleared.
        self.env.dns.set_faults(bad_error_body_next="always", bad_error_body_on=["GET " + RECORD, "DELETE " + RECORD])
        proc = self.ws.apply(check=False)
        self.assert_no_crash(proc)
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        err = flat(proc.stderr)
        self.assertIn("Error:", err)
        self.assertRegex(err, r"issuing certificate for bad\.example\.com: writing TXT record _acme-challenge(\.www)?\.bad "
                              r"in zone example\.com: waiting for DNS record \S+ in zone \S+ to be provisioned: "
                              r"GET http://127\.0\.0\.1:\d+/zones/\S+/records/\S+: giving up after 6 attempts: "
                              r"the IONOS Cloud DNS API failed \(" + re.escape(WRONG_SHAPE))
        self.assertEqual(self.ws.resources("ionos_auto_certificate"), [], "nothing in state")
        # The cleanup could not delete the records either: they stay noted for the next run.
        self.assertEqual(len(self.env.dns.txt_records()), 2)
        self.assertEqual(len(self.ws.store_rows("pending_dns_records")), 2)

        self.env.dns.set_faults(bad_error_body_next="off", bad_error_body_on=[])
        proc = self.ws.apply(env={"TF_LOG_PROVIDER": "INFO"})
        self.assertIn("removed leftover ACME challenge TXT record", proc.stderr)
        self.assert_issued()


if __name__ == "__main__":
    unittest.main()

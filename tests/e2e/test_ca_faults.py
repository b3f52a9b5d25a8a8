"""The ACME CA failing in the middle of an order, end to end: the CA going away, connections
lost on the way, orders that expire, and rate limits. Pebble is the CA; harness.AcmeProxy stands in front of
it for the faults Pebble cannot be told to show (see its docstring). After every failure: a clear
error, no TXT record left, no half-written store row, nothing in state for the certificate; and
the next apply completes."""

import re
import unittest

import harness
from test_auto_certificate import account, auto_cert


def flat(text):
    """Terraform's diagnostics with its line wrapping and box drawing undone."""
    return re.sub(r"\s+", " ", text.replace("│", " "))


class CaFaultsTest(unittest.TestCase):
    def setUp(self):
        self.env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(self.env.stop)
        self.proxy = harness.AcmeProxy(self.env.pebble).start()
        self.addCleanup(self.proxy.stop)
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def write(self, names):
        certs = "".join(auto_cert("c%d" % i, "c%d" % i, name, key_algorithm="ecdsa256")
                        for i, name in enumerate(names))
        self.ws.write(self.env.provider_block(self.ws) + account() % self.proxy.directory_url + certs)

    def assert_nothing_left(self):
        self.assertEqual(self.env.dns.txt_records(), [], "no challenge TXT record is left")
        self.assertEqual(self.ws.store_rows("pending_dns_records"), [], "no pending record note is left")
        self.assertEqual(self.ws.store_rows("auto_certificates"), [], "no half-written certificate row")
        self.assertEqual(self.ws.store_rows("certificates"), [])
        self.assertEqual(self.ws.resources("ionos_auto_certificate"), [], "nothing in state")

    def assert_issued(self, names):
        got = self.ws.resources("ionos_auto_certificate")
        self.assertEqual(sorted(c["common_name"] for c in got), sorted(names))
        for c in got:
            self.assertEqual(harness.cert_dns_names(c["certificate_pem"]), [c["common_name"]])
        self.assertEqual(self.env.dns.txt_records(), [])
        self.assertEqual(self.ws.store_rows("pending_dns_records"), [])
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)


class CaUnreachable(CaFaultsTest):
    def test_ca_gone_mid_order_fails_cleanly_and_the_next_apply_completes(self):
        names = ["gone1.example.com", "gone2.example.com"]
        self.write(names)
        # The account registers and both orders are placed; the CA goes away when the first
        # challenge is answered, with that order's TXT records written.
        self.proxy.down_at_challenge = 2
        proc = self.ws.apply(check=False)
        out = proc.stdout + proc.stderr
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertNotIn("panic", out)
        self.assertNotIn("plugin exited", out.lower())
        err = flat(proc.stderr)
        for name in names:
            # Each certificate's error names it, the request, the CA's address and the retries.
            # The other order may be anywhere after its placement when the CA goes away.
            self.assertRegex(err, r"issuing certificate for %s: (responding to challenge|fetching authorization) "
                                  r"https://127\.0\.0\.1:%d/\S+: (newNonce: )?giving up after 4 attempts in "
                                  r"[0-9.]+m?s: connecting to https://127\.0\.0\.1:%d: connection failed" %
                             (re.escape(name), self.proxy.port, self.proxy.port))
        self.assertIn("responding to challenge", err)
        self.assertEqual(self.proxy.new_orders, 2)
        self.assert_nothing_left()
        self.assertEqual(len(self.ws.resources("ionos_certificate_provider")), 1, "the account stays in state")

        # A drift-detection plan while the CA is still down works, with a warning.
        code, plan = self.ws.plan_exitcode()
        self.assertEqual(code, 2, plan.stdout + plan.stderr)
        self.assertIn("Could not confirm the ACME account at the CA", plan.stdout + plan.stderr)
        self.assertIn("2 to add, 0 to change, 0 to destroy", plan.stdout)

        self.proxy.up()
        self.ws.apply()
        self.assert_issued(names)

    def test_lost_connections_mid_order_are_ridden_through(self):
        names = ["blip.example.com"]
        self.write(names)
        self.proxy.drop_challenge_posts = 2  # the answer and its first retry get no response
        self.ws.apply()
        self.assertEqual(self.proxy.dropped, 2)
        self.assertEqual(self.proxy.new_orders, 1)
        self.assert_issued(names)


class OrderExpiry(CaFaultsTest):
    def test_expired_order_is_replaced_by_one_new_order(self):
        names = ["expire-once.example.com"]
        self.write(names)
        self.proxy.expire_orders = 1
        proc = self.ws.apply(env={"TF_LOG_PROVIDER": "WARN"})
        self.assertEqual(self.proxy.expired_orders, 1)
        self.assertEqual(self.proxy.new_orders, 2)
        self.assertIn("ACME order expired before it was finalized; placing a new order", proc.stderr)
        self.assert_issued(names)

    def test_orders_expiring_twice_fail_clearly_and_the_next_apply_completes(self):
        names = ["expire-twice.example.com"]
        self.write(names)
        self.proxy.expire_orders = 2
        proc = self.ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        err = flat(proc.stderr)
        self.assertIn("placed a second order after the first expired", err)
        self.assertRegex(err, r"order https://127\.0\.0\.1:%d/\S+ expired before it was finalized: authorization "
                              r"for expire-twice\.example\.com expired at 2020-01-01T00:00:00Z" % self.proxy.port)
        self.assertEqual(self.proxy.new_orders, 2)
        self.assert_nothing_left()

        self.ws.apply()  # the proxy expires no more orders
        self.assertEqual(self.proxy.new_orders, 3)
        self.assert_issued(names)


class RateLimited(CaFaultsTest):
    def test_short_rate_limits_are_waited_out(self):
        names = ["limited-twice.example.com"]
        self.write(names)
        self.proxy.rate_limit_new_orders = 2  # Retry-After: 1 each time
        self.ws.apply()
        self.assertEqual(self.proxy.rate_limited, 2)
        self.assertEqual(self.proxy.new_orders, 1)
        self.assert_issued(names)

    def test_a_lasting_rate_limit_fails_with_the_ca_detail_and_the_next_apply_completes(self):
        names = ["limited.example.com"]
        self.write(names)
        self.proxy.rate_limit_new_orders = 3  # one more than the retries
        proc = self.ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        err = flat(proc.stderr)
        self.assertIn("issuing certificate for limited.example.com: newOrder: urn:ietf:params:acme:error:"
                      "rateLimited: too many new orders for this account recently (a limit of the test CA) "
                      "(retry after ", err)
        self.assertEqual(self.proxy.rate_limited, 3)
        self.assertEqual(self.proxy.new_orders, 0)
        self.assert_nothing_left()

        self.ws.apply()
        self.assert_issued(names)


if __name__ == "__main__":
    unittest.main()

"""Faults end to end: concurrency, a CA that rejects nonces, a CA that
rejects the challenge, and Ctrl-C in the middle of an apply."""

import os
import re
import signal
import subprocess
import time
import unittest

import harness
from test_auto_certificate import account, auto_cert


class ConcurrencyAndNonces(unittest.TestCase):
    def run_batch(self, env, count, prefix):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        certs = "".join(auto_cert("c%d" % i, "c%d" % i, "%s%d.example.com" % (prefix, i), key_algorithm="ecdsa256")
                        for i in range(count))
        ws.write(env.provider_block(ws) + account() % env.pebble.directory_url + certs)
        ws.apply("-parallelism=10")
        got = ws.resources("ionos_auto_certificate")
        self.assertEqual(len(got), count)
        for c in got:
            self.assertEqual(harness.cert_dns_names(c["certificate_pem"]), [c["common_name"]])
        self.assertEqual(env.dns.txt_records(), [])
        self.assertEqual(ws.store_rows("pending_dns_records"), [])
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

    def test_twenty_certificates_at_parallelism_ten(self):
        env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(env.stop)
        self.run_batch(env, 20, "par")

    def test_ca_rejecting_half_the_nonces(self):
        env = harness.IssuanceEnv(["example.com"])
        env.chall = harness.ChallTestSrv().start()
        self.addCleanup(env.stop)
        env.pebble = harness.Pebble(dns_server=env.chall.dns_address, nonce_reject=50).start()
        env.dns = harness.DnsEmulator(["example.com"], env.chall).start()
        self.run_batch(env, 5, "nonce")


class ChallengeRejected(unittest.TestCase):
    def test_rejected_challenge_carries_the_ca_detail_and_leaves_no_record(self):
        # Pebble validates against an empty DNS server, while the provider's
        # propagation check asks the one the emulator publishes to.
        env = harness.IssuanceEnv(["example.com"])
        env.chall = harness.ChallTestSrv().start()
        empty = harness.ChallTestSrv().start()
        self.addCleanup(empty.stop)
        self.addCleanup(env.stop)
        env.pebble = harness.Pebble(dns_server=empty.dns_address).start()
        env.dns = harness.DnsEmulator(["example.com"], env.chall).start()
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.write(env.provider_block(ws) + account() % env.pebble.directory_url +
                 auto_cert("c", "c", "rejected.example.com", key_algorithm="ecdsa256"))
        proc = ws.apply(check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("rejected.example.com", proc.stderr)
        self.assertRegex(proc.stderr, re.compile(r"urn:ietf:params:acme:error:\w+|DNS", re.I))
        self.assertEqual(ws.resources("ionos_auto_certificate"), [])
        self.assertEqual(env.dns.txt_records(), [])
        self.assertEqual(ws.store_rows("pending_dns_records"), [])
        self.assertEqual(ws.store_rows("auto_certificates"), [])


class Interrupted(unittest.TestCase):
    def test_ctrl_c_during_apply_then_next_apply_completes(self):
        env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(env.stop)
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        certs = "".join(auto_cert("c%d" % i, "c%d" % i, "int%d.example.com" % i, key_algorithm="ecdsa256")
                        for i in range(3))
        ws.write(env.provider_block(ws) + account() % env.pebble.directory_url + certs)
        ws.apply("-target=ionos_certificate_provider.acme")
        # Held provisioning keeps the issuance in flight until we interrupt, however slow the machine.
        env.dns.set_faults(hold_provisioning=True)
        env_vars = dict(ws.env)
        proc = subprocess.Popen(["terraform", "apply", "-auto-approve", "-no-color"], cwd=ws.dir, env=env_vars,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        while time.time() < deadline and not env.dns.records():
            time.sleep(0.05)
        self.assertTrue(env.dns.records(), "the apply started writing records")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertNotEqual(proc.returncode, 0, out + err)
        self.assertNotIn("panic", out + err)
        # Cleanup ran despite the interrupt: no record is left, nothing is half-written.
        self.assertEqual(env.dns.txt_records(), [])
        self.assertEqual(ws.store_rows("pending_dns_records"), [])
        env.dns.reset_faults()
        ws.apply()
        self.assertEqual(len(ws.resources("ionos_auto_certificate")), 3)
        self.assertEqual(env.dns.txt_records(), [])
        code, p = ws.plan_exitcode()
        self.assertEqual(code, 0, p.stdout + p.stderr)

    def test_plugin_killed_during_apply_then_next_apply_cleans_up_and_completes(self):
        env = harness.IssuanceEnv(["example.com"]).start()
        self.addCleanup(env.stop)
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        certs = "".join(auto_cert("k%d" % i, "k%d" % i, "kill%d.example.com" % i, key_algorithm="ecdsa256")
                        for i in range(3))
        ws.write(env.provider_block(ws) + account() % env.pebble.directory_url + certs)
        ws.apply("-target=ionos_certificate_provider.acme")
        env.dns.set_faults(hold_provisioning=True)  # all three stay in flight until the kill
        proc = subprocess.Popen(["terraform", "apply", "-auto-approve", "-no-color"], cwd=ws.dir, env=dict(ws.env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        while time.time() < deadline and len(env.dns.records()) < 3:
            time.sleep(0.05)
        self.assertEqual(len(env.dns.txt_records()), 3, "the apply wrote its records")
        # SIGKILL the plugin: no cleanup can run in it.
        subprocess.run(["pkill", "-KILL", "-f", ws.plugin_dir], check=False)
        out, err = proc.communicate(timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(len(env.dns.txt_records()), 3, "the killed plugin left its records")
        self.assertEqual(len(ws.store_rows("pending_dns_records")), 3, "noted in the store before creation")
        self.assertEqual(ws.store_rows("auto_certificates"), [], "the store is never half-written")
        env.dns.reset_faults()
        # The next apply removes the leftovers of the dead process and completes.
        ws.apply()
        self.assertEqual(len(ws.resources("ionos_auto_certificate")), 3)
        self.assertEqual(env.dns.txt_records(), [])
        self.assertEqual(ws.store_rows("pending_dns_records"), [])
        code, p = ws.plan_exitcode()
        self.assertEqual(code, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()

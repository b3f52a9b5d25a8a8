"""Secrets never leak: an apply with TF_LOG=TRACE, an EAB account, a
certificate (its key in the state, to search for it) and the ephemeral
resource opening it must not show a private key, the EAB secret or the API
token in any of the provider's log lines or in any diagnostic."""

import os
import re
import unittest

import harness
from test_auto_certificate import auto_cert

TOKEN = "e2e-secret-token-3c1f9a"


class SecretsStayOutOfLogs(unittest.TestCase):
    def test_trace_logs_and_diagnostics_hold_no_secret(self):
        env = harness.IssuanceEnv(["example.com"], eab_required=True)
        env.start()
        self.addCleanup(env.stop)
        # The emulator must accept our distinct token.
        env.dns.stop()
        env.dns = harness.DnsEmulator(["example.com"], env.chall, token=TOKEN).start()

        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        eab_secret = harness.EAB_KEYS["kid-1"]
        log_path = os.path.join(ws.dir, "trace.log")
        ws.write(env.provider_block(ws, token=TOKEN) + '''
resource "ionos_certificate_provider" "acme" {
  name   = "eab"
  email  = "admin@example.com"
  server = "%s"
  external_account_binding {
    key_id        = "kid-1"
    key_secret_wo = "%s"
  }
}
''' % (env.pebble.directory_url, eab_secret) +
                 auto_cert("c", "c", "secret.example.com", key_algorithm="ecdsa256",
                           extra="  private_key_in_state = true\n") + '''
ephemeral "ionos_certificate" "c" {
  auto_certificate_id = ionos_auto_certificate.c.id
}
''')
        trace = {"TF_LOG": "TRACE", "TF_LOG_PATH": log_path}
        ws.apply(env=trace)
        [cert] = ws.resources("ionos_auto_certificate")
        key_body = "".join(cert["private_key_pem"].strip().splitlines()[1:-1])[:40]

        with open(log_path) as f:
            provider_lines = [l for l in f if "provider.terraform-provider-ionos" in l or "@module=provider" in l]
        self.assertGreater(len(provider_lines), 10, "the provider logs at TRACE")
        joined = "".join(provider_lines)
        for name, secret in [("API token", TOKEN), ("EAB secret", eab_secret), ("private key", key_body)]:
            self.assertNotIn(secret, joined, "%s appears in the provider's log lines" % name)
        self.assertNotRegex(joined, re.compile("PRIVATE KEY"))

        # Failures: a wrong token and a wrong EAB secret give diagnostics without the secrets.
        wrong_token = "e2e-wrong-token-77aa"
        ws.write(env.provider_block(ws, token=wrong_token) + '''
resource "ionos_certificate_provider" "acme" {
  name   = "eab"
  email  = "admin@example.com"
  server = "%s"
  external_account_binding {
    key_id     = "kid-1"
    key_secret = "%s"
  }
}
''' % (env.pebble.directory_url, eab_secret) + auto_cert("c", "c", "secret2.example.com", key_algorithm="ecdsa256"))
        proc = ws.apply(check=False, env=trace)
        self.assertNotEqual(proc.returncode, 0)
        for text in (proc.stdout, proc.stderr):
            self.assertNotIn(wrong_token, text)
            self.assertNotIn(eab_secret, text)
        with open(log_path) as f:
            provider_lines = [l for l in f if "provider.terraform-provider-ionos" in l or "@module=provider" in l]
        joined = "".join(provider_lines)
        self.assertNotIn(wrong_token, joined)
        self.assertNotIn(eab_secret, joined)

        other = harness.Workdir()
        self.addCleanup(other.cleanup)
        bad_secret = "B" * 64
        other.write(env.provider_block(other, token=TOKEN) + '''
resource "ionos_certificate_provider" "acme" {
  name   = "eab"
  email  = "admin@example.com"
  server = "%s"
  external_account_binding {
    key_id     = "kid-1"
    key_secret = "%s"
  }
}
''' % (env.pebble.directory_url, bad_secret))
        other_log = os.path.join(other.dir, "trace.log")
        proc = other.apply(check=False, env={"TF_LOG": "TRACE", "TF_LOG_PATH": other_log})
        self.assertNotEqual(proc.returncode, 0)
        self.assertNotIn(bad_secret, proc.stdout + proc.stderr)
        with open(other_log) as f:
            self.assertNotIn(bad_secret, "".join(l for l in f if "provider.terraform-provider-ionos" in l))


if __name__ == "__main__":
    unittest.main()

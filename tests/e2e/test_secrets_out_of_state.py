"""Secrets out of state, end to end with the real terraform CLI, Pebble requiring
External Account Binding, challtestsrv and the DNS API emulator:

- an account whose EAB secret is the write-only key_secret_wo (from an ephemeral variable), a
  certificate, and ephemeral "ionos_certificate" handing certificate and key to a terraform_data
  local-exec provisioner's environment: the files it writes hold a key that matches the
  certificate with the state's serial; terraform.tfstate, `terraform show -json` and the saved
  plan hold no private key and not the EAB secret, nor does `terraform-provider-ionos
  certificates`; the next plan exits 0; a renewal reaches the deployment in the same apply;
- private_key_in_state = true puts the key in the state without issuing; removing it takes the
  key out again;
- a state written by the previous schema version (with the key) upgrades: the plan changes
  private_key_pem to null and nothing else;
- bad input (id and auto_certificate_id together or neither, unknown ids, key_secret with
  key_secret_wo) fails naming the attribute;
- destroy works with the ephemeral resource in the configuration."""

import datetime
import json
import os
import re
import subprocess
import unittest

import harness

EAB_SECRET = harness.EAB_KEYS["kid-1"]
COMMON_NAME = "deploy.example.com"
DAY = 86400


def config(env, ws, key_in_state=None):
    """The deployment: account (write-only EAB secret), certificate, ephemeral resource, provisioner."""
    flag = "" if key_in_state is None else "  private_key_in_state = %s\n" % ("true" if key_in_state else "false")
    return env.provider_block(ws) + '''
variable "eab_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "ionos_certificate_provider" "acme" {
  name   = "eab"
  email  = "admin@example.com"
  server = "''' + env.pebble.directory_url + '''"
  external_account_binding {
    key_id                = "kid-1"
    key_secret_wo         = var.eab_secret
    key_secret_wo_version = 1
  }
}

resource "ionos_auto_certificate" "site" {
  provider_id   = ionos_certificate_provider.acme.id
  name          = "site"
  common_name   = "''' + COMMON_NAME + '''"
  key_algorithm = "ecdsa256"
''' + flag + '''}

ephemeral "ionos_certificate" "site" {
  auto_certificate_id = ionos_auto_certificate.site.id
}

resource "terraform_data" "deploy" {
  triggers_replace = ionos_auto_certificate.site.serial_number

  provisioner "local-exec" {
    command = <<-EOT
      set -e
      umask 077
      mkdir -p deployed
      printf '%s' "$CERT" > deployed/cert.pem
      printf '%s' "$KEY" > deployed/key.pem
    EOT
    environment = {
      CERT = ephemeral.ionos_certificate.site.certificate_pem
      KEY  = ephemeral.ionos_certificate.site.private_key_pem
    }
  }
}
'''


def days_after(rfc3339, days):
    t = datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return {"IONOS_CERT_NOW": t.strftime("%Y-%m-%dT%H:%M:%SZ")}


def serial_of(cert_pem):
    out = harness.openssl("x509", "-noout", "-serial", input=cert_pem).stdout.strip()
    return int(out.split("=", 1)[1], 16)


class SecretsOutOfState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"], eab_required=True, validity_seconds=90 * DAY).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def read(self, ws, name):
        with open(os.path.join(ws.dir, name), encoding="utf-8") as f:
            return f.read()

    def assert_no_secret(self, text, where):
        self.assertNotIn("PRIVATE KEY", text, "a private key in %s" % where)
        self.assertNotIn(EAB_SECRET, text, "the EAB secret in %s" % where)

    def plan_json(self, ws, *extra):
        """A saved plan as `terraform show -json` renders it, and the plan's exit code."""
        proc = ws.tf("plan", "-detailed-exitcode", "-no-color", "-out=tfplan", *extra, check=False)
        self.assertIn(proc.returncode, (0, 2), proc.stdout + proc.stderr)
        shown = ws.tf("show", "-json", "tfplan").stdout
        return proc, json.loads(shown), shown

    def orders(self):
        return self.env.pebble.request_count("POST /order-plz")

    def check_deployed(self, ws, cert):
        """The provisioner's files hold the certificate in `cert` (the state) and its key."""
        deployed_cert, deployed_key = self.read(ws, "deployed/cert.pem"), self.read(ws, "deployed/key.pem")
        self.assertTrue(deployed_key.startswith("-----BEGIN PRIVATE KEY-----"), "the provisioner got the key")
        self.assertEqual(deployed_cert, cert["certificate_pem"])
        self.assertEqual(serial_of(deployed_cert), int(cert["serial_number"], 16), "the certificate in state")
        cert_pub = harness.public_key_of_cert(deployed_cert)
        self.assertTrue(cert_pub.startswith("-----BEGIN PUBLIC KEY-----"))
        self.assertEqual(harness.public_key_of_key(deployed_key), cert_pub, "the key matches the certificate")
        self.assertEqual(os.stat(os.path.join(ws.dir, "deployed", "key.pem")).st_mode & 0o777, 0o600)
        return deployed_key

    def test_deploy_with_the_ephemeral_resource_toggle_the_key_and_upgrade_an_old_state(self):
        ws = harness.Workdir(extra_env={"TF_VAR_eab_secret": EAB_SECRET})
        self.addCleanup(ws.cleanup)

        # 1. Account with the write-only EAB secret, certificate, deployment through the provisioner.
        ws.write(config(self.env, ws))
        applied = ws.apply()
        self.assertNotIn(EAB_SECRET, applied.stdout + applied.stderr)
        [account] = ws.resources("ionos_certificate_provider")
        self.assertEqual(account["status"], "valid")
        [binding] = account["external_account_binding"]
        self.assertIsNone(binding["key_secret_wo"])
        self.assertEqual(binding["key_secret_wo_version"], 1)
        [cert] = ws.resources("ionos_auto_certificate")
        self.assertIsNone(cert["private_key_pem"])
        self.assertFalse(cert["private_key_in_state"])

        deployed_key = self.check_deployed(ws, cert)
        key_body = "".join(deployed_key.strip().splitlines()[1:-1])
        self.assertNotIn(key_body[:40], applied.stdout + applied.stderr)
        self.assertIn("(local-exec): (output suppressed due to ephemeral value in config)", applied.stdout)

        # Neither the state nor what Terraform shows of it holds a key or the EAB secret; nor does the
        # certificate store hold the EAB secret (it holds the keys, that is its job).
        self.assert_no_secret(self.read(ws, "terraform.tfstate"), "terraform.tfstate")
        self.assert_no_secret(ws.tf("show", "-json").stdout, "terraform show -json")
        self.assertNotIn(key_body[:40], self.read(ws, "terraform.tfstate"))
        with open(ws.store_path, "rb") as f:
            self.assertNotIn(EAB_SECRET.encode(), f.read())
        for args in ([], ["--json"]):
            listing = subprocess.run([harness.PROVIDER_BINARY, "certificates", "--store", "sqlite:" + ws.store_path]
                                     + args, capture_output=True, text=True, timeout=60, env=ws.env, check=True)
            self.assertIn(COMMON_NAME, listing.stdout)
            self.assert_no_secret(listing.stdout + listing.stderr, "the certificates command")
        # The next plan has nothing to do (the ephemeral resource is opened again and changes nothing),
        # and the saved plan holds no secret either.
        proc, _, shown = self.plan_json(ws)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assert_no_secret(shown, "the saved plan")

        # A renewal reaches the deployment in the same run: the apply opens the ephemeral resource
        # after the auto certificate's, and the provisioner runs again for the new serial.
        renewal = ws.apply(env=days_after(cert["not_before"], 61))
        self.assertIn("terraform_data.deploy: Creation complete", renewal.stdout)
        [renewed] = ws.resources("ionos_auto_certificate")
        self.assertNotEqual(renewed["serial_number"], cert["serial_number"])
        self.assertIsNone(renewed["private_key_pem"])
        new_key = self.check_deployed(ws, renewed)
        self.assertNotEqual(new_key, deployed_key)
        cert, deployed_key = renewed, new_key
        self.assert_no_secret(self.read(ws, "terraform.tfstate"), "terraform.tfstate after the renewal")

        # 2. private_key_in_state = true: the key enters the state, nothing is issued.
        orders = self.orders()
        ws.write(config(self.env, ws, key_in_state=True))
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        self.assertIn("ionos_auto_certificate.site will be updated in-place", proc.stdout)
        self.assertRegex(proc.stdout, r"private_key_in_state\s+= false -> true")
        ws.apply()
        [with_key] = ws.resources("ionos_auto_certificate")
        self.assertEqual(with_key["private_key_pem"], deployed_key, "the newest certificate's key, in state")
        self.assertEqual(with_key["serial_number"], cert["serial_number"])
        self.assertEqual(with_key["certificates"], cert["certificates"])
        self.assertEqual(self.orders(), orders, "no order placed")
        old_state = self.read(ws, "terraform.tfstate")
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # Removing it takes the key out again, still without an order.
        ws.write(config(self.env, ws))
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        ws.apply()
        [without] = ws.resources("ionos_auto_certificate")
        self.assertIsNone(without["private_key_pem"])
        self.assertEqual(without["serial_number"], cert["serial_number"])
        self.assertEqual(self.orders(), orders)
        self.assert_no_secret(self.read(ws, "terraform.tfstate"), "terraform.tfstate after removing the flag")

        # 3. A state as the previous provider version wrote it: schema version 1, the key in it, no
        # private_key_in_state. The plan changes private_key_pem to null and nothing else.
        previous = json.loads(old_state)
        current = json.loads(self.read(ws, "terraform.tfstate"))
        previous["serial"] = current["serial"] + 1
        [res] = [r for r in previous["resources"] if r["type"] == "ionos_auto_certificate"]
        [inst] = res["instances"]
        self.assertEqual(inst["schema_version"], 3)
        inst["schema_version"] = 1
        del inst["attributes"]["private_key_in_state"]
        for attr in ("publish", "published_certificate_id"):
            del inst["attributes"][attr]
        for c in inst["attributes"]["certificates"]:
            del c["published_id"]
        self.assertIn("PRIVATE KEY", inst["attributes"]["private_key_pem"])
        with open(os.path.join(ws.dir, "terraform.tfstate"), "w", encoding="utf-8") as f:
            json.dump(previous, f, indent=2)
        proc, plan, _ = self.plan_json(ws)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        self.assertRegex(proc.stdout, r"- private_key_pem\s+= \(sensitive value\) -> null")
        changes = [c for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
        self.assertEqual([c["address"] for c in changes], ["ionos_auto_certificate.site"], changes)
        change = changes[0]["change"]
        self.assertEqual(change["actions"], ["update"])
        differing = sorted(k for k in set(change["before"]) | set(change["after"])
                           if change["before"].get(k) != change["after"].get(k))
        self.assertEqual(differing, ["private_key_pem"])
        self.assertIsNone(change["after"]["private_key_pem"])
        self.assertEqual(change["before"]["private_key_in_state"], False, "the upgrade's default")
        self.assertFalse(any(change["after_unknown"].values()), change["after_unknown"])
        ws.apply("tfplan")
        [upgraded] = ws.resources("ionos_auto_certificate")
        self.assertIsNone(upgraded["private_key_pem"])
        self.assertEqual(upgraded["serial_number"], cert["serial_number"])
        self.assertEqual(self.orders(), orders)
        self.assertEqual([i["schema_version"] for r in ws.state()["resources"] if r["type"] == "ionos_auto_certificate"
                          for i in r["instances"]], [3])
        self.assert_no_secret(self.read(ws, "terraform.tfstate"), "terraform.tfstate after the upgrade")
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

        # 4. Unknown ids, at plan time, in a working directory sharing the store.
        other = harness.Workdir(store_path=ws.store_path)
        self.addCleanup(other.cleanup)
        other.write(self.env.provider_block(other) + '''
ephemeral "ionos_certificate" "unknown_certificate" {
  id = "no-such-certificate"
}

ephemeral "ionos_certificate" "unknown_auto_certificate" {
  auto_certificate_id = "no-such-auto-certificate"
}

ephemeral "ionos_certificate" "auto_certificate_id_as_id" {
  id = "''' + cert["id"] + '''"
}
''')
        proc = other.tf("plan", "-no-color", check=False)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        errors = flat(proc.stderr)
        self.assertEqual(errors.count("Error: Certificate not found"), 2, proc.stderr)
        self.assertEqual(errors.count("Error: Auto certificate not found"), 1, proc.stderr)
        for attribute, value in (("id", "no-such-certificate"), ("auto_certificate_id", "no-such-auto-certificate"),
                                 ("id", cert["id"])):
            self.assertRegex(proc.stderr, r"\d+:\s+%s\s+= \"%s\"" % (attribute, re.escape(value)))
        self.assertIn("has never known this id", errors)
        self.assertIn("set it as auto_certificate_id", errors)

        # 5. Destroying with the ephemeral resource in the configuration works as ever.
        ws.tf("destroy", "-auto-approve", "-no-color")
        self.assertEqual(ws.state()["resources"], [])
        self.assertEqual(ws.store_rows("auto_certificates"), [])

    def test_bad_input_names_the_attribute(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.write(harness.provider_block() + '''
ephemeral "ionos_certificate" "both" {
  id                  = "a-certificate-id"
  auto_certificate_id = "an-auto-certificate-id"
}

ephemeral "ionos_certificate" "neither" {
}

resource "ionos_certificate_provider" "both_secrets" {
  name   = "eab"
  email  = "admin@example.com"
  server = "https://ca.example/dir"
  external_account_binding {
    key_id        = "kid-1"
    key_secret    = "c2VjcmV0"
    key_secret_wo = "c2VjcmV0"
  }
}

resource "ionos_certificate_provider" "deprecated_secret" {
  name   = "eab"
  email  = "admin@example.com"
  server = "https://ca.example/dir"
  external_account_binding {
    key_id     = "kid-1"
    key_secret = "c2VjcmV0"
  }
}
''')
        proc = ws.tf("validate", "-no-color", check=False)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        out = proc.stdout + proc.stderr
        for crash in ("panic", "Plugin did not respond", "plugin exited"):
            self.assertNotIn(crash, out)
        blocks = diagnostics(out)
        both = [b for b in blocks if "Conflicting id and auto_certificate_id" in b]
        self.assertEqual(len(both), 1, out)
        self.assertRegex(both[0], r"\d+:\s+auto_certificate_id\s+=")
        neither = [b for b in blocks if "Missing id or auto_certificate_id" in b]
        self.assertEqual(len(neither), 1, out)
        self.assertIn('ephemeral "ionos_certificate" "neither"', neither[0])
        # Diagnostics about the secrets name them but point at the binding (Terraform shows the
        # resource's first line for it), so that Terraform's excerpt of the configuration never shows
        # a secret written there literally.
        secrets = [b for b in blocks if "Conflicting key_secret and key_secret_wo" in b]
        self.assertEqual(len(secrets), 1, out)
        self.assertRegex(secrets[0], r'\d+: resource "ionos_certificate_provider" "both_secrets" \{')
        deprecated = [b for b in blocks if "Warning: Deprecated attribute key_secret" in b]
        self.assertGreaterEqual(len(deprecated), 1, out)
        self.assertIn("Use\nkey_secret_wo instead", deprecated[0])
        self.assertNotIn("c2VjcmV0", out, "a secret in Terraform's excerpt of the configuration")


def flat(text):
    """Terraform's output without the box drawing and line breaks, for phrases that wrap."""
    return re.sub(r"\s+", " ", re.sub(r"[│╷╵]", " ", text))


def diagnostics(text):
    """The diagnostic boxes of Terraform's output, each as one string."""
    return re.split(r"\n╷\n|\n╵\n", "\n" + text + "\n")


if __name__ == "__main__":
    unittest.main()

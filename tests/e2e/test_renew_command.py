"""End to end: renewal without a Terraform run (the `renew` command), ACME Renewal
Information (RFC 9773) and ACME profiles, with the real terraform CLI. Pebble 2.4 has neither ARI
nor profiles: tests/fakes/acme_extensions_proxy.py adds them in front of it."""

import datetime
import http.server
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import unittest

import harness
from test_auto_certificate import account, auto_cert

sys.path.insert(0, os.path.join(harness.SOURCE_DIR, "tests", "fakes"))
import acme_extensions_proxy as ext  # noqa: E402

DAY = 86400


def flat(text):
    return re.sub(r"\s+", " ", text.replace("│", " "))


def at(iso_time, days):
    t = datetime.datetime.strptime(iso_time, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return {"IONOS_CERT_NOW": t.strftime("%Y-%m-%dT%H:%M:%SZ")}


def renew_env(ws, env=None, token=harness.DNS_TOKEN):
    full = dict(ws.env)
    full["IONOS_CERT_STORE"] = "sqlite:" + ws.store_path
    if token:
        full["IONOS_TOKEN"] = token
    if env:
        full.update(env)
    return full


def renew(ws, *args, env=None, token=harness.DNS_TOKEN):
    return subprocess.run([harness.PROVIDER_BINARY, "renew"] + list(args), capture_output=True, text=True,
                          env=renew_env(ws, env, token), timeout=300)


def by_name(ws):
    return {c["name"]: c for c in ws.resources("ionos_auto_certificate")}


def store_dump(path):
    """The store's content (not its bytes: SQLite may checkpoint its WAL into the file on close)."""
    import sqlite3
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


class RenewCommand(unittest.TestCase):
    """Against plain Pebble: the renewal window rule alone."""

    @classmethod
    def setUpClass(cls):
        # No authorization reuse: every renewal writes its TXT record, where the concurrency test
        # holds it.
        cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY, authz_reuse=0).start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def config(self):
        return (self.env.provider_block(self.ws) + account() % self.env.pebble.directory_url +
                auto_cert("due", "due", "due.example.com", key_algorithm="ecdsa256") +
                auto_cert("late", "late", "late.example.com", key_algorithm="ecdsa256",
                          extra="  renew_before_days = 10\n"))

    def test_renew_renews_exactly_what_is_due_and_terraform_picks_it_up(self):
        self.ws.write(self.config())
        self.ws.apply()
        before = by_name(self.ws)
        nb = before["due"]["not_before"]
        proc = renew(self.ws, "--json", env=at(nb, 61))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        rows = {r["name"]: r for r in json.loads(proc.stdout)}
        self.assertEqual(rows["due"]["action"], "renewed")
        self.assertEqual(rows["late"]["action"], "not_due")
        self.assertIsNone(rows["due"]["error"])
        self.assertNotEqual(rows["due"]["serial_number"], before["due"]["serial_number"])
        self.assertEqual(rows["late"]["serial_number"], before["late"]["serial_number"])
        for key in ("name", "common_name", "action", "certificate_name", "serial_number", "error"):
            self.assertIn(key, rows["due"])
        # A plain plan (what a drift-detection job runs) plans nothing for it ...
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        # ... while a refresh shows the renewal as a change made outside Terraform ...
        code, proc = self.ws.plan_exitcode("-refresh-only")
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("changed outside of Terraform", proc.stdout)
        self.ws.apply("-refresh-only")
        after = by_name(self.ws)
        self.assertEqual(after["due"]["serial_number"], rows["due"]["serial_number"])
        self.assertEqual(after["late"]["serial_number"], before["late"]["serial_number"])
        # ... and the plan after it is clean.
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

    def test_the_cron_example_renews_with_secrets_from_its_environment_file(self):
        # examples/scheduled-renewal/renew.cron, run by sh as cron would, with its paths pointed
        # into the test's directory: the secrets come from the environment file alone.
        self.ws.write(self.config())
        self.ws.apply()
        before = by_name(self.ws)
        with open(os.path.join(harness.SOURCE_DIR, "examples", "scheduled-renewal", "renew.cron")) as f:
            entry = [line for line in f.read().splitlines() if line and not line.startswith("#")]
        self.assertEqual(len(entry), 1, entry)
        command = entry[0].split(None, 5)[5]
        env_file = os.path.join(self.ws.dir, "ionos-renew.env")
        log_file = os.path.join(self.ws.dir, "ionos-renew.log")
        metrics_file = os.path.join(self.ws.dir, "ionos-renew.prom")
        with open(env_file, "w") as f:
            f.write("IONOS_CERT_STORE=sqlite:%s\nIONOS_TOKEN=%s\nIONOS_API_URL_DNS=%s\nIONOS_CERT_NOW=%s\n" % (
                self.ws.store_path, harness.DNS_TOKEN, self.env.dns.url,
                at(before["due"]["not_before"], 61)["IONOS_CERT_NOW"]))
        for path, replacement in (("/etc/ionos-renew.env", env_file), ("/var/log/ionos-renew.log", log_file),
                                  ("/var/lib/node_exporter/textfile_collector/ionos-renew.prom", metrics_file),
                                  ("/usr/local/bin/terraform-provider-ionos", harness.PROVIDER_BINARY)):
            self.assertIn(path, command)
            command = command.replace(path, replacement)
        clean = {k: v for k, v in self.ws.env.items() if not k.startswith("IONOS_")}
        proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=clean, timeout=300)
        with open(log_file) as f:
            log = f.read()
        self.assertEqual(proc.returncode, 0, log)
        self.assertRegex(log, r"(?m)^renewed: due \(due\.example\.com\), ", log)
        self.assertRegex(log, r"(?m)^not_due: late \(late\.example\.com\), ", log)
        # ... and left the metrics for the node exporter.
        with open(metrics_file) as f:
            metrics = f.read()
        self.assertIn('ionos_renew_certificates{action="renewed"} 1\n', metrics)
        self.assertTrue(metrics.endswith("# EOF\n"), metrics)

    @harness.rerun_once_without_a_challenge
    def test_renew_and_apply_at_the_same_moment_issue_once(self):
        self.ws.write(self.config())
        self.ws.apply()
        nb = by_name(self.ws)["due"]["not_before"]
        # Terraform has planned the renewal (the plan names the certificate it replaces); the
        # scheduled renew command renews the same certificate at the same moment. The overlap is
        # made certain: the DNS emulator holds renew's challenge record in PROVISIONING (renew is
        # mid-issuance, the store's lock held) until the apply of that plan is seen waiting for the
        # lock. Then renew issues, and the apply adopts renew's certificate.
        plan = os.path.join(self.ws.dir, "renew.tfplan")
        self.ws.tf("plan", "-no-color", "-out=" + plan, "-target=ionos_auto_certificate.due", env=at(nb, 61))
        finalized = self.env.pebble.request_count("finalize")
        self.env.dns.set_faults(hold_provisioning=True)
        self.addCleanup(self.env.dns.reset_faults)
        renewing = subprocess.Popen([harness.PROVIDER_BINARY, "renew", "--json"], env=renew_env(self.ws, at(nb, 61)),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        harness.wait_for_challenge_record(self.env.dns, [renewing], "renew's challenge record")
        log = os.path.join(self.ws.dir, "provider.log")
        applying = self.ws.tf_start("apply", "-no-color", plan,
                                    env=dict(at(nb, 61), TF_LOG_PROVIDER="INFO", TF_LOG_PATH=log))
        harness.wait_for(lambda: "waiting for another process that is renewing due.example.com" in harness.read_text(log),
                         "the apply waiting for renew's lock", [renewing, applying])
        self.env.dns.set_faults(hold_provisioning=False)
        renew_out, renew_err = renewing.communicate(timeout=300)
        apply_out, apply_err = applying.communicate(timeout=300)
        self.assertEqual(renewing.returncode, 0, renew_out + renew_err)
        self.assertEqual(applying.returncode, 0, apply_out + apply_err + harness.read_text(log))
        self.assertEqual(self.env.pebble.request_count("finalize") - finalized, 1,
                         "exactly one certificate was issued for the two renewals")
        renewed = json.loads(renew_out)
        [due] = [r for r in renewed if r["name"] == "due"]
        self.assertEqual(due["action"], "renewed")
        self.assertNotEqual(due["reason"], "another process renewed it meanwhile", "renew issued, it did not adopt")
        self.assertIn("adopting the certificate another process issued meanwhile", harness.read_text(log))
        self.assertEqual(by_name(self.ws)["due"]["serial_number"], due["serial_number"], "both ended with one serial")

    @harness.rerun_once_without_a_challenge
    def test_renew_waiting_for_an_apply_that_adds_a_name_adopts_its_certificate(self):
        # renew reads a due certificate and waits for its lock while an apply that adds a name
        # re-issues. The overlap is made certain: the DNS emulator holds the apply's challenge
        # record in PROVISIONING (the apply is mid-issuance, holding the lock) until renew is seen
        # waiting for that lock. Then the apply stores its certificate, and renew, re-reading under
        # the lock, adopts it: it issues nothing, and writes nothing of the configuration it read.
        self.ws.write(self.config())
        self.ws.apply()
        nb = by_name(self.ws)["due"]["not_before"]
        self.ws.write(self.config().replace('common_name = "due.example.com"\n',
                                            'common_name = "due.example.com"\n'
                                            '  subject_alternative_names = ["more.example.com"]\n'))
        finalized = self.env.pebble.request_count("finalize")
        self.env.dns.set_faults(hold_provisioning=True)
        self.addCleanup(self.env.dns.reset_faults)
        # The same clock for both: the apply's challenge records are then seconds old for renew,
        # not a leftover of 61 days ago that renew's cleanup would remove.
        applying = self.ws.tf_start("apply", "-auto-approve", "-no-color", env=at(nb, 61))
        harness.wait_for_challenge_record(self.env.dns, [applying], "the apply's challenge record")
        renew_log = os.path.join(self.ws.dir, "renew.err")
        with open(renew_log, "w") as err:
            renewing = subprocess.Popen([harness.PROVIDER_BINARY, "renew", "--json"],
                                        env=renew_env(self.ws, at(nb, 61)), stdout=subprocess.PIPE, stderr=err,
                                        text=True)
        harness.wait_for(lambda: "waiting for another process that is renewing due.example.com" in
                         harness.read_text(renew_log), "renew waiting for the apply's lock", [renewing, applying])
        self.env.dns.set_faults(hold_provisioning=False)
        apply_out, apply_err = applying.communicate(timeout=300)
        renew_out, _ = renewing.communicate(timeout=300)
        self.assertEqual(applying.returncode, 0, apply_out + apply_err)
        self.assertEqual(renewing.returncode, 0, renew_out + harness.read_text(renew_log))
        self.assertEqual(self.env.pebble.request_count("finalize") - finalized, 1, "exactly one certificate issued")
        [due] = [r for r in json.loads(renew_out) if r["name"] == "due"]
        self.assertEqual(due["action"], "adopted", renew_out)
        applied = by_name(self.ws)["due"]
        self.assertEqual(due["serial_number"], applied["serial_number"], "renew adopted the apply's certificate")
        self.assertEqual(applied["subject_alternative_names"], ["more.example.com"])
        names = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"],
                               input=applied["certificate_pem"], capture_output=True, text=True, check=True).stdout
        self.assertIn("DNS:more.example.com", names, "the newest certificate carries the added name")
        # The store's newest certificate is that one, and the configuration renew read was not
        # written back: the plan is clean.
        listing = subprocess.run([harness.PROVIDER_BINARY, "certificates", "--format", "json"],
                                 env=renew_env(self.ws), capture_output=True, text=True, timeout=60)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn(applied["serial_number"], listing.stdout)
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)

    @harness.rerun_once_without_a_challenge
    def test_the_token_goes_only_to_the_dns_api_of_the_environment(self):
        # Someone who can write the store points an auto certificate's kept settings at a server of
        # theirs. Before: the next scheduled renew sent IONOS_TOKEN there. Now renew takes the DNS
        # API from its environment (IONOS_API_URL_DNS) like the token, and only warns.
        self.ws.write(self.config())
        self.ws.apply()
        nb = by_name(self.ws)["due"]["not_before"]
        seen = []

        class Trap(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_one(self):
                seen.append((self.command, self.path, self.headers.get("Authorization", "")))
                self.send_response(500)
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_one

        trap = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
        threading.Thread(target=trap.serve_forever, daemon=True).start()
        self.addCleanup(trap.server_close)
        self.addCleanup(trap.shutdown)
        trap_url = "http://127.0.0.1:%d" % trap.server_address[1]
        con = sqlite3.connect(self.ws.store_path)
        with con:
            con.execute("UPDATE auto_certificates SET settings = json_set(settings, '$.dns_api_url', ?)", (trap_url,))
        con.close()
        before = sum(self.env.dns.requests().values())

        proc = renew(self.ws, "--json", env=at(nb, 61))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        rows = {r["name"]: r for r in json.loads(proc.stdout)}
        self.assertEqual(rows["due"]["action"], "renewed", proc.stdout)
        self.assertEqual(seen, [], "nothing, and so no token, went to the URL read from the store")
        if sum(self.env.dns.requests().values()) == before:
            raise harness.NoChallengeToHold("the renewal made no DNS API request at all")
        # (The DNS API of the environment, which checks the token, wrote the challenge record.)
        self.assertIn("the store names the DNS API %s" % trap_url, proc.stderr)
        self.assertIn("never sends the token to a URL read from the store", proc.stderr)

        # Without IONOS_API_URL_DNS, renew uses the public endpoint, never the stored URL; a plain
        # http:// one to a remote host is refused before anything is sent.
        proc = renew(self.ws, "--json", env=dict(at(nb, 62), IONOS_API_URL_DNS="http://dns.example.com"))
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("IONOS_API_URL_DNS", json.loads(proc.stdout)["error"])
        self.assertEqual(seen, [])

    def test_bad_input_is_refused_and_changes_nothing(self):
        self.ws.write(self.config())
        self.ws.apply()
        digest = store_dump(self.ws.store_path)
        proc = renew(self.ws, "--bogus")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown flag --bogus", proc.stderr)
        proc = renew(self.ws, "--store", "sqlite:" + os.path.join(self.ws.dir, "nowhere.db"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("there is no store at", proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.ws.dir, "nowhere.db")))
        proc = renew(self.ws, token="")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("IONOS_TOKEN is not set", proc.stderr)
        proc = renew(self.ws, "--dry-run", "--json", token="", env=at(by_name(self.ws)["due"]["not_before"], 61))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual({r["name"]: r["action"] for r in json.loads(proc.stdout)}, {"due": "due", "late": "not_due"})
        self.assertEqual(store_dump(self.ws.store_path), digest, "nothing changed in the store")
        proc = subprocess.run([harness.PROVIDER_BINARY, "--help"], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("renew [--store URL] [--json] [--dry-run]", proc.stdout)


class RenewalInformation(unittest.TestCase):
    """ARI and profiles through the proxy."""

    def setUp(self):
        self.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY).start()
        self.addCleanup(self.env.stop)
        self.proxy = ext.AcmeExtensionsProxy(self.env.pebble.port, self.env.pebble.tls_cert_pem).start()
        self.addCleanup(self.proxy.stop)
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)

    def write(self, certs):
        pem = "  ca_certificates_pem = <<-EOT\n%s  EOT" % self.proxy.tls_cert_pem
        self.ws.write(self.env.provider_block(self.ws, extra=pem) + account() % self.proxy.directory_url + certs)

    def test_an_open_window_makes_renewal_due_with_replaces_and_retry_after_is_honoured(self):
        self.write(auto_cert("www", "www", "ari.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        [cert] = self.ws.resources("ionos_auto_certificate")
        self.proxy.window_open_now(explanation_url="https://ca.example/incident/42")
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 2, out)
        self.assertIn("Certificate renewal due", out)
        self.assertIn("https://ca.example/incident/42", out)
        for _ in range(4):
            code, proc = self.ws.plan_exitcode()
            self.assertEqual(code, 2, proc.stdout + proc.stderr)
        counts = self.proxy.renewal_info_counts()
        self.assertEqual(list(counts.values()), [1], "five plans, one renewalInfo request (Retry-After)")
        self.ws.apply()
        [renewed] = self.ws.resources("ionos_auto_certificate")
        self.assertNotEqual(renewed["serial_number"], cert["serial_number"])
        last = self.proxy.new_order_payloads()[-1]
        self.assertEqual(last.get("replaces"), list(counts.keys())[0], "the renewal order names what it replaces")

    def test_the_dry_run_decides_as_the_run_where_only_the_cas_window_makes_renewal_due(self):
        self.write(auto_cert("www", "www", "dry.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        [cert] = self.ws.resources("ionos_auto_certificate")
        # Day 0 of 90: by the renewal window rule nothing is due; only the CA's window can make it so.
        proc = renew(self.ws, "--dry-run", "--json", token=None)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [row] = json.loads(proc.stdout)
        self.assertEqual(row["action"], "not_due", row)
        self.proxy.window_open_now()
        before = store_dump(self.ws.store_path)
        proc = renew(self.ws, "--dry-run", "--json", token=None)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [row] = json.loads(proc.stdout)
        self.assertEqual((row["action"], row["reason"]), ("due", "the CA's renewal window has opened"), row)
        self.assertEqual(store_dump(self.ws.store_path), before, "a dry run stores nothing, not even the CA's answer")
        self.assertEqual(sum(self.proxy.renewal_info_counts().values()), 2, "each dry run asked the CA")
        proc = renew(self.ws, "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [row] = json.loads(proc.stdout)
        self.assertEqual((row["action"], row["reason"]), ("renewed", "the CA's renewal window has opened"), row)
        self.assertNotEqual(row["serial_number"], cert["serial_number"])

    def test_a_refused_replaces_is_dropped_once(self):
        self.write(auto_cert("www", "www", "refused.example.com", key_algorithm="ecdsa256"))
        self.ws.apply()
        self.proxy.window_open_now()
        self.proxy.refuse_replaces(1)
        self.ws.apply()
        payloads = self.proxy.new_order_payloads()
        self.assertIn("replaces", payloads[-2])
        self.assertNotIn("replaces", payloads[-1])

    def test_profiles_are_checked_at_plan_and_sent_in_new_order(self):
        # The account exists (with a known id the plan can look the CA up by).
        self.write("")
        self.ws.apply()
        self.write(auto_cert("www", "www", "profile.example.com", key_algorithm="ecdsa256",
                             extra='  profile = "gold"\n'))
        code, proc = self.ws.plan_exitcode()
        out = flat(proc.stderr)
        self.assertEqual(code, 1, out)
        self.assertIn("profile", out)
        self.assertIn("Profile not offered by the CA", out)
        for offered in ext.DEFAULT_PROFILES:
            self.assertIn('"%s"' % offered, out)
        self.assertEqual(self.proxy.new_order_payloads(), [])
        self.write(auto_cert("www", "www", "profile.example.com", key_algorithm="ecdsa256",
                             extra='  profile = "shortlived"\n'))
        self.ws.apply()
        self.assertEqual(self.proxy.new_order_payloads()[-1].get("profile"), "shortlived")
        [cert] = self.ws.resources("ionos_auto_certificate")
        self.assertEqual(cert["profile"], "shortlived")
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        # A change of profile re-issues in place.
        self.write(auto_cert("www", "www", "profile.example.com", key_algorithm="ecdsa256",
                             extra='  profile = "tlsserver"\n'))
        self.ws.apply()
        self.assertEqual(self.proxy.new_order_payloads()[-1].get("profile"), "tlsserver")
        listing = subprocess.run([harness.PROVIDER_BINARY, "certificates", "--store", "sqlite:" + self.ws.store_path,
                                  "--json"], capture_output=True, text=True, check=True)
        self.assertEqual({r["profile"] for r in json.loads(listing.stdout)}, {"tlsserver"})


if __name__ == "__main__":
    unittest.main()

"""End to end: team CI and scheduled renewal as users copy them from examples/, with the
real terraform CLI, Pebble (90-day certificates) and the DNS API emulator.

- The team-ci drift job: the commands of examples/team-ci/ci/github-actions.yml, parsed out of the
  file and run in order as written: after a `renew` they exit 0; after a real change of the
  configuration the plan exits 2.
- `renew` stopped by SIGTERM or SIGINT mid-issuance (the TXT record exists): 143/130, no TXT record
  and no pending row left; a run killed outright leaves them, and any later `renew`, due or not,
  removes them.
- IONOS_CERT_NOW moves the clock by an offset: two runs with the same value are ordered, each
  reports the serial it issued, and the last one stored is the newest.
- A plan never creates a store: a mistyped IONOS_CERT_STORE is an error naming it; the first plan
  of a new configuration works without the store existing.
- `--help` and `-h` exit 0 for every command the binary's usage lists.

The CA stamps certificates with the real time; renewal is made due by moving the provider's clock
(IONOS_CERT_NOW) 61 days past the certificate's not_before."""

import datetime
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

import yaml

import harness
from test_auto_certificate import account, auto_cert

DAY = 86400
TEAM_CI = os.path.join(harness.SOURCE_DIR, "examples", "team-ci")
env = None


def setUpModule():
    global env
    # Pebble reuses a valid authorization for half the orders by default; every renewal here must
    # write its TXT record (the signal is sent once it exists).
    saved = os.environ.get("PEBBLE_AUTHZREUSE")
    os.environ["PEBBLE_AUTHZREUSE"] = "0"
    try:
        # No authorization reuse: every renewal writes its TXT record, which the signal tests catch
        # in flight (with reuse, Pebble skips the challenge for half the orders).
        env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY, authz_reuse=0).start()
    finally:
        if saved is None:
            del os.environ["PEBBLE_AUTHZREUSE"]
        else:
            os.environ["PEBBLE_AUTHZREUSE"] = saved


def tearDownModule():
    env.stop()


def flat(text):
    return re.sub(r"\s+", " ", text.replace("│", " "))


def day(not_before, days):
    t = datetime.datetime.strptime(not_before, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def command_env(ws, **extra):
    full = dict(ws.env)
    full.update({"IONOS_CERT_STORE": "sqlite:" + ws.store_path, "IONOS_TOKEN": harness.DNS_TOKEN})
    full.update(extra)
    return full


def provider(*args, ws, **extra):
    return subprocess.run([harness.PROVIDER_BINARY] + list(args), capture_output=True, text=True,
                          env=command_env(ws, **extra), timeout=300)


def pending_rows(ws):
    con = sqlite3.connect(ws.store_path)
    try:
        return con.execute("SELECT fqdn FROM pending_dns_records").fetchall()
    finally:
        con.close()


def wait_for_txt_record(proc):
    """Polls the emulator until the renewal in flight has written its TXT record."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if env.dns.txt_records():
            return True
        time.sleep(0.05)
    return bool(env.dns.txt_records())


def one_certificate(ws, common_name):
    ws.write(env.provider_block(ws) + account() % env.pebble.directory_url +
             auto_cert("www", "www", common_name, key_algorithm="ecdsa256"))
    ws.apply()
    [cert] = ws.resources("ionos_auto_certificate")
    return cert


# ---------------------------------------------------------------- the team-ci drift job

def github_jobs():
    """{job: [(command, working-directory)]} of the GitHub Actions workflow, as written."""
    with open(os.path.join(TEAM_CI, "ci", "github-actions.yml")) as f:
        workflow = yaml.safe_load(f)
    return {name: [step["run"] for step in job["steps"] if "run" in step] for name, job in workflow["jobs"].items()}


def gitlab_jobs():
    with open(os.path.join(TEAM_CI, "ci", "gitlab-ci.yml")) as f:
        pipeline = yaml.safe_load(f)
    out = {}
    for name, job in pipeline.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        before = pipeline.get(job.get("extends", ""), {}).get("before_script", [])
        out[name] = [c for c in before if not c.startswith("cd ")] + job["script"]
    return out


class DriftJob(unittest.TestCase):
    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)
        for name in ("main.tf", "variables.tf"):
            shutil.copy(os.path.join(TEAM_CI, name), self.ws.dir)
        # What the runner's environment gives the job (the store and token come from secrets).
        self.ws.env.update({
            "IONOS_CERT_STORE": "sqlite:" + self.ws.store_path,
            "IONOS_TOKEN": harness.DNS_TOKEN,
            "IONOS_PROVIDER": harness.PROVIDER_BINARY,
            "TF_VAR_acme_server": env.pebble.directory_url,
            "TF_VAR_dns_api_url": env.dns.url,
            # renew takes the DNS API from the environment, never from the store.
            "IONOS_API_URL_DNS": env.dns.url,
            "TF_VAR_dns_resolvers": json.dumps([env.chall.dns_address]),
            "TF_VAR_ca_certificates_pem": env.pebble.tls_cert_pem,
        })

    def run_job(self, commands, job_env=None):
        """Runs a job's commands in order with sh, as the runner would, each in the working
        directory; returns their exit codes. `terraform init` is left out: the workdir reaches the
        built plugin through dev_overrides, which needs no init."""
        codes = []
        for command in commands:
            if command.startswith("terraform init"):
                continue
            full = dict(self.ws.env)
            full.update(job_env or {})
            proc = subprocess.run(["sh", "-c", command], cwd=self.ws.dir, env=full, capture_output=True, text=True,
                                  timeout=300)
            codes.append((command, proc.returncode, proc.stdout + proc.stderr))
        return codes

    def test_the_drift_job_after_a_renew_exits_0_and_after_a_configuration_change_2(self):
        jobs = github_jobs()
        renew, drift = jobs["renew"], jobs["drift"]
        self.assertEqual([c for c in drift if not c.startswith("terraform init")],
                         [c for c in gitlab_jobs()["drift"] if not c.startswith("terraform init")],
                         "the GitLab pipeline's drift job runs the same commands")
        self.assertTrue(any("renew" in c for c in renew), renew)
        self.assertTrue(any("-refresh-only" in c for c in drift), drift)
        self.assertTrue(drift[-1].startswith("terraform plan -detailed-exitcode"), drift)

        self.ws.apply()
        before = {c["common_name"]: c for c in self.ws.resources("ionos_auto_certificate")}
        self.assertEqual(len(before), 2)
        # Day 61: the renew job renews both certificates (its runner's clock is moved for that).
        nb = next(iter(before.values()))["not_before"]
        for command, code, out in self.run_job(renew, {"IONOS_CERT_NOW": day(nb, 61)}):
            self.assertEqual(code, 0, command + "\n" + out)
            self.assertEqual(len(re.findall(r"(?m)^renewed: ", out)), 2, out)
        # Why the job records the renewals first: a plain plan now reports the example's outputs.
        code, proc = self.ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertIn("Changes to Outputs", proc.stdout)
        results = self.run_job(drift)
        for command, code, out in results:
            self.assertEqual(code, 0, command + "\n" + out)
        self.assertIn("No changes", results[-1][2])
        after = {c["common_name"]: c for c in self.ws.resources("ionos_auto_certificate")}
        for name, cert in after.items():
            self.assertNotEqual(cert["serial_number"], before[name]["serial_number"], "the state has the renewal")

        # A real change: one more host in the configuration, not applied. The next scheduled run
        # renews nothing and the drift job's plan exits 2.
        self.ws.write('hosts = ["www", "api", "new"]\n', name="terraform.tfvars")
        for command, code, out in self.run_job(renew):
            self.assertEqual(code, 0, command + "\n" + out)
            self.assertNotIn("renewed:", out)
        results = self.run_job(drift)
        for command, code, out in results[:-1]:
            self.assertEqual(code, 0, command + "\n" + out)
        command, code, out = results[-1]
        self.assertEqual(code, 2, command + "\n" + out)
        self.assertIn("1 to add, 0 to change, 0 to destroy", out)


# ---------------------------------------------------------------- signals

class RenewSignals(unittest.TestCase):
    def setUp(self):
        self.ws = harness.Workdir()
        self.addCleanup(self.ws.cleanup)
        self.addCleanup(env.dns.reset_faults)

    def renew_in_flight(self, now):
        """Starts `renew` with provisioning so slow that the renewal stays in flight once its TXT
        record exists; returns the process at that point. A renewal that completes without any
        record got a still-valid authorization from Pebble (harness.NoChallengeToHold, 1% of orders):
        the new certificate is due at `now` as well, so renew is started once more."""
        env.dns.set_faults(provisioning_delay_ms=120000)
        for attempt in (1, 2):
            proc = subprocess.Popen([harness.PROVIDER_BINARY, "renew"], env=command_env(self.ws, IONOS_CERT_NOW=now),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda p=proc: p.poll() is None and p.kill())
            if wait_for_txt_record(proc):
                return proc
            finished = proc.poll() is not None
            proc.kill()
            out, err = proc.communicate()
            if attempt == 1 and finished and proc.returncode == 0:
                sys.stderr.write("note: the renewal needed no challenge (Pebble reused a valid authorization); "
                                 "renewing once more\n")
                continue
            self.fail("the renewal wrote no TXT record:\n" + out + err)

    def test_sigterm_and_sigint_mid_issuance_clean_up_and_exit_143_and_130(self):
        cert = one_certificate(self.ws, "signals.example.com")
        now = day(cert["not_before"], 61)
        for sig, code, name in ((signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")):
            with self.subTest(name):
                proc = self.renew_in_flight(now)
                proc.send_signal(sig)
                out, err = proc.communicate(timeout=120)
                env.dns.reset_faults()
                self.assertEqual(proc.returncode, code, out + err)
                self.assertRegex(out, r"(?m)^interrupted: www \(signals\.example\.com\): ")
                self.assertIn("interrupted by %s" % name, err)
                self.assertEqual(env.dns.txt_records(), [], "the TXT record was removed")
                self.assertEqual(pending_rows(self.ws), [], "its pending row was removed")
                again = provider("renew", ws=self.ws, IONOS_CERT_NOW=now)
                self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
                self.assertRegex(again.stdout, r"(?m)^renewed: www ")

    def test_a_second_signal_exits_at_once_and_a_later_renew_not_due_removes_what_a_killed_one_left(self):
        cert = one_certificate(self.ws, "leftover.example.com")
        now = day(cert["not_before"], 61)
        proc = self.renew_in_flight(now)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 143, out + err)
        # A run killed outright cleans up nothing.
        proc = self.renew_in_flight(now)
        proc.kill()
        proc.communicate(timeout=60)
        env.dns.reset_faults()
        self.assertNotEqual(env.dns.txt_records(), [], "the killed run left its TXT record")
        self.assertNotEqual(pending_rows(self.ws), [])
        # The next scheduled run, with nothing due (the real clock), removes what was left.
        later = provider("renew", ws=self.ws)
        self.assertEqual(later.returncode, 0, later.stdout + later.stderr)
        self.assertRegex(later.stdout, r"(?m)^not_due: www ")
        self.assertEqual(env.dns.txt_records(), [])
        self.assertEqual(pending_rows(self.ws), [])


# ---------------------------------------------------------------- the testing clock

class TestingClock(unittest.TestCase):
    def test_two_runs_with_one_IONOS_CERT_NOW_are_ordered_and_the_last_stored_is_the_newest(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        cert = one_certificate(ws, "clock.example.com")
        now = day(cert["not_before"], 61)
        serials = [cert["serial_number"]]
        for run in (1, 2):
            proc = provider("renew", "--json", ws=ws, IONOS_CERT_NOW=now)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertIn("warning: IONOS_CERT_NOW is set: the provider's clock starts at %s" % now, proc.stderr)
            [row] = json.loads(proc.stdout)
            self.assertEqual(row["action"], "renewed", row)
            self.assertNotIn(row["serial_number"], serials, "run %d reports the serial it issued" % run)
            serials.append(row["serial_number"])
        listing = provider("certificates", "--json", ws=ws)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        rows = json.loads(listing.stdout)
        self.assertEqual([r["serial_number"] for r in rows], serials[::-1], "newest first, as issued")
        self.assertEqual([r["status"] for r in rows], ["active", "superseded", "superseded"])
        # Terraform sees the second run's certificate, and says that the clock is moved.
        proc = ws.apply("-refresh-only", env={"IONOS_CERT_NOW": now})
        out = flat(proc.stdout + proc.stderr)
        self.assertIn("Warning: The provider's clock is moved (IONOS_CERT_NOW)", out)
        self.assertIn("starts at %s" % now, out)
        [seen] = ws.resources("ionos_auto_certificate")
        self.assertEqual(seen["serial_number"], serials[-1])


# ---------------------------------------------------------------- no store created by a plan

class StoreCreation(unittest.TestCase):
    def test_a_plan_creates_no_store_and_a_mistyped_IONOS_CERT_STORE_is_named(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        ws.env["IONOS_CERT_STORE"] = "sqlite:" + ws.store_path
        ws.write(env.provider_block(ws, store=False) + account() % env.pebble.directory_url +
                 auto_cert("www", "www", "store.example.com", key_algorithm="ecdsa256"))
        # A new configuration: validate and its first plan work before the store exists, and
        # create nothing.
        ws.tf("validate", "-no-color")
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 2, proc.stdout + proc.stderr)
        self.assertFalse(os.path.exists(os.path.dirname(ws.store_path)), "the plan created no store")
        ws.apply()
        self.assertTrue(os.path.exists(ws.store_path), "the apply created it")
        # A mistyped path: the refresh fails naming IONOS_CERT_STORE, and nothing appears there.
        typo = os.path.join(ws.dir, "stroe", "certificates.db")
        code, proc = ws.plan_exitcode(env={"IONOS_CERT_STORE": "sqlite:" + typo})
        err = flat(proc.stderr)
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        self.assertIn("is not in the store sqlite:%s, which does not exist" % typo, err)
        self.assertIn("is IONOS_CERT_STORE (used because store is not set) pointing at the right place", err)
        self.assertFalse(os.path.exists(os.path.dirname(typo)), "no file, no -wal/-shm, no directory")


# ---------------------------------------------------------------- help

class Help(unittest.TestCase):
    def test_every_command_in_the_usage_answers_help_with_exit_0(self):
        bare = subprocess.run([harness.PROVIDER_BINARY], capture_output=True, text=True, timeout=30)
        self.assertEqual(bare.returncode, 1)
        usage = bare.stderr[bare.stderr.index("usage:"):bare.stderr.index("Run `")]
        commands = [re.split(r" \[|--| [A-Z]", line.strip())[0].strip()
                    for line in usage.splitlines() if line.startswith("  ")]
        self.assertEqual(commands, ["certificates", "renew", "store copy", "store rekey", "help", "version"])
        for command in commands:
            for flag in ("--help", "-h"):
                with self.subTest(command=command, flag=flag):
                    proc = subprocess.run([harness.PROVIDER_BINARY] + command.split() + [flag], capture_output=True,
                                          text=True, timeout=30)
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                    self.assertIn("usage: terraform-provider-ionos " + command, proc.stdout)
        # With --json an error is a JSON object, as the Kubernetes example parses the output.
        proc = subprocess.run([harness.PROVIDER_BINARY, "renew", "--json"], capture_output=True, text=True,
                              env={"PATH": os.environ["PATH"]}, timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(json.loads(proc.stdout)["exit_code"], 2)
        self.assertIn("IONOS_TOKEN is not set", json.loads(proc.stdout)["error"])


if __name__ == "__main__":
    unittest.main()

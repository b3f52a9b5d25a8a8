"""End to end: a team's shared PostgreSQL certificate store, with the real terraform CLI,
Pebble (90-day certificates) and a real PostgreSQL that the test class starts itself
(tests/e2e/postgres.py: initdb into a temporary directory, 127.0.0.1 only, TLS on).

Each "runner" is its own Workdir: its own directory and HOME, sharing with the others nothing but
what the test copies (terraform.tfstate) and the store URL, given as CI gives it, through
IONOS_CERT_STORE (and IONOS_CERT_STORE_KEY). The runners reach the database with
sslmode=verify-full and the test CA as sslrootcert. Every test uses its own database.

The CA stamps certificates with the real time; renewal is made due by moving the provider's clock
(IONOS_CERT_NOW) 61 days past the certificate's not_before."""

import base64
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest
import urllib.parse

import harness
import postgres
import tcp_proxy
from test_auto_certificate import KEY_IN_STATE, account, auto_cert

DAY = 86400


def flat(text):
    """Terraform's diagnostics with its line wrapping and box drawing undone."""
    return re.sub(r"\s+", " ", text.replace("│", " "))


def at(not_before, days):
    t = datetime.datetime.strptime(not_before, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
    return {"IONOS_CERT_NOW": t.strftime("%Y-%m-%dT%H:%M:%SZ")}


def new_store_key():
    return base64.b64encode(os.urandom(32)).decode()


def copy_state(source, target):
    shutil.copy(os.path.join(source.dir, "terraform.tfstate"), os.path.join(target.dir, "terraform.tfstate"))


def read_state_bytes(ws):
    with open(os.path.join(ws.dir, "terraform.tfstate"), "rb") as f:
        return f.read()


def default_store_dir(ws):
    """Where the default SQLite store of a runner would be: under its (fresh) HOME."""
    return os.path.join(ws.dir, ".local", "share", "terraform-provider-ionos")


def plugin_children(terraform_pid):
    """Pids of the terraform-provider-ionos processes terraform `terraform_pid` has started."""
    binary = os.path.realpath(harness.PROVIDER_BINARY)
    pids = []
    try:
        tids = os.listdir("/proc/%d/task" % terraform_pid)
    except OSError:
        return pids
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/children" % (terraform_pid, tid)) as f:
                children = [int(p) for p in f.read().split()]
        except OSError:
            continue
        for pid in children:
            try:
                if os.path.realpath("/proc/%d/exe" % pid) == binary:
                    pids.append(pid)
            except OSError:
                pass
    return pids


class TeamStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = postgres.PostgresServer(tls=True).start()
        # Pebble reuses a valid authorization for half the orders by default; every renewal here
        # must write its TXT record (the killed runner's is what the next runner has to remove).
        saved = os.environ.get("PEBBLE_AUTHZREUSE")
        os.environ["PEBBLE_AUTHZREUSE"] = "0"
        try:
            cls.env = harness.IssuanceEnv(["example.com"], validity_seconds=90 * DAY).start()
        except BaseException:
            cls.pg.close()
            raise
        finally:
            if saved is None:
                del os.environ["PEBBLE_AUTHZREUSE"]
            else:
                os.environ["PEBBLE_AUTHZREUSE"] = saved

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()
        cls.pg.close()

    # ------------------------------------------------------------ helpers

    def store_url(self, database):
        return self.pg.url(database, sslmode="verify-full", sslrootcert=self.pg.ca_cert_path)

    def runner(self, store_url=None, store_key=None):
        """A fresh runner: its own directory and HOME; the store from the environment, as in CI."""
        extra = {}
        if store_url:
            extra["IONOS_CERT_STORE"] = store_url
        if store_key:
            extra["IONOS_CERT_STORE_KEY"] = store_key
        ws = harness.Workdir(extra_env=extra)
        self.addCleanup(ws.cleanup)
        return ws

    def config(self, ws, certs, store_setting=""):
        """The provider block without `store` (it comes from IONOS_CERT_STORE) unless given."""
        return (self.env.provider_block(ws, store=False, extra=store_setting) +
                account() % self.env.pebble.directory_url + certs)

    @staticmethod
    def one_cert(label="shared", common_name="shared.example.com"):
        return auto_cert(label, label, common_name, key_algorithm="ecdsa256")

    def sql(self, database, query):
        return self.pg.psql(database, query)

    def two_runners_sharing_one_certificate(self, common_name):
        """Runner A applies an account and one certificate; runner B imports both (import blocks).
        Returns (a, b, certificate attributes after the apply)."""
        db = self.pg.create_database()
        url, key = self.store_url(db), new_store_key()
        a = self.runner(url, key)
        a.write(self.config(a, self.one_cert(common_name=common_name)))
        a.apply()
        [acct] = a.resources("ionos_certificate_provider")
        [cert] = a.resources("ionos_auto_certificate")
        b = self.runner(url, key)
        b.write(self.config(b, self.one_cert(common_name=common_name)) + '''
import {
  to = ionos_certificate_provider.acme
  id = "%s"
}
import {
  to = ionos_auto_certificate.shared
  id = "%s"
}
''' % (acct["id"], cert["id"]))
        proc = b.apply()
        self.assertIn("2 imported, 0 added, 0 changed, 0 destroyed", proc.stdout)
        [imported] = b.resources("ionos_auto_certificate")
        self.assertEqual(imported["serial_number"], cert["serial_number"])
        return a, b, cert, db

    # ------------------------------------------------------------ acceptance

    def test_a_runner_with_only_the_state_plans_clean_and_sees_renewal_drift(self):
        db = self.pg.create_database()
        url, key = self.store_url(db), new_store_key()
        certs = (auto_cert("www", "www", "www.team.example.com", key_algorithm="ecdsa256") +
                 auto_cert("api", "api", "api.team.example.com", key_algorithm="ecdsa256"))
        a = self.runner(url, key)
        a.write(self.config(a, certs))
        a.apply()
        issued = a.resources("ionos_auto_certificate")
        self.assertEqual(len(issued), 2)

        # Runner B: another directory, a fresh HOME, the same configuration, a copy of the state.
        b = self.runner(url, key)
        b.write(self.config(b, certs))
        copy_state(a, b)
        code, proc = b.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        self.assertIn("No changes", proc.stdout)
        # 61 days later both 90-day certificates are in their renewal window.
        code, proc = b.plan_exitcode(env=at(issued[0]["not_before"], 61))
        out = flat(proc.stdout + proc.stderr)
        self.assertEqual(code, 2, out)
        self.assertIn("0 to add, 2 to change, 0 to destroy", out)
        for c in issued:
            self.assertIn("Certificate renewal due: " + c["certificates"][0]["name"], out)
        self.assertFalse(os.path.exists(default_store_dir(b)), "runner B made no local store")

    @harness.rerun_once_without_a_challenge
    def test_two_runners_renewing_at_once_issue_one_certificate(self):
        a, b, cert, _ = self.two_runners_sharing_one_certificate("race.example.com")
        day61 = at(cert["not_before"], 61)
        # Both plan the renewal of the same certificate (saved plans), then apply at once. The
        # overlap is made certain, not left to timing: the DNS emulator holds A's challenge record
        # in PROVISIONING, so A is mid-issuance with the store's lock held, until B's provider is
        # seen waiting for that lock. Then A issues and B adopts A's certificate.
        for ws in (a, b):
            proc = ws.tf("plan", "-no-color", "-out=renew.tfplan", env=day61)
            self.assertIn("0 to add, 1 to change, 0 to destroy", proc.stdout)
        finalized = self.env.pebble.request_count("finalize")
        self.env.dns.set_faults(hold_provisioning=True)
        self.addCleanup(self.env.dns.reset_faults)
        logs = {n: os.path.join(ws.dir, "provider.log") for n, ws in (("a", a), ("b", b))}
        procs = {}
        procs["a"] = a.tf_start("apply", "-no-color", "renew.tfplan",
                                env=dict(day61, TF_LOG_PROVIDER="INFO", TF_LOG_PATH=logs["a"]))
        harness.wait_for_challenge_record(self.env.dns, [procs["a"]], "runner A's challenge record")
        procs["b"] = b.tf_start("apply", "-no-color", "renew.tfplan",
                                env=dict(day61, TF_LOG_PROVIDER="INFO", TF_LOG_PATH=logs["b"]))
        harness.wait_for(
            lambda: "waiting for another process that is renewing race.example.com" in harness.read_text(logs["b"]),
            "runner B waiting for runner A's lock", list(procs.values()))
        self.env.dns.set_faults(hold_provisioning=False)
        results = {n: p.communicate(timeout=300) for n, p in procs.items()}
        for n, p in procs.items():
            self.assertEqual(p.returncode, 0, "".join(results[n]) + harness.read_text(logs[n]))
        self.assertEqual(self.env.pebble.request_count("finalize") - finalized, 1,
                         "exactly one certificate was issued for the two applies")
        a_log, b_log = harness.read_text(logs["a"]), harness.read_text(logs["b"])
        self.assertNotIn("waiting for another process", a_log, "A took the lock first")
        self.assertNotIn("adopting the certificate another process issued", a_log, "A issued")
        self.assertIn("adopting the certificate another process issued meanwhile", b_log, "B adopted A's")
        [a_cert] = a.resources("ionos_auto_certificate")
        [b_cert] = b.resources("ionos_auto_certificate")
        self.assertNotEqual(a_cert["serial_number"], cert["serial_number"])
        self.assertEqual(a_cert["serial_number"], b_cert["serial_number"], "both states end with one serial")
        self.assertEqual(a_cert["last_issued_certificate_id"], b_cert["last_issued_certificate_id"])
        for ws in (a, b):
            code, proc = ws.plan_exitcode()
            self.assertEqual(code, 0, proc.stdout + proc.stderr)

    @harness.rerun_once_without_a_challenge
    def test_a_runner_killed_mid_renewal_blocks_no_one(self):
        a, b, cert, db = self.two_runners_sharing_one_certificate("killed.example.com")
        day61 = at(cert["not_before"], 61)
        # Held provisioning keeps A's renewal in flight (the store lock held, the TXT record
        # written) until its plugin is killed, however slow the machine.
        self.env.dns.set_faults(hold_provisioning=True)
        self.addCleanup(self.env.dns.reset_faults)
        env = dict(a.env)
        env.update(day61)
        proc = subprocess.Popen(["terraform", "apply", "-auto-approve", "-no-color"], cwd=a.dir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 30
            while time.time() < deadline and not self.env.dns.txt_records():
                time.sleep(0.05)
            if not self.env.dns.txt_records():
                finished = proc.poll() is not None
                proc.kill()
                out, err = proc.communicate()
                if finished and proc.returncode == 0:
                    raise harness.NoChallengeToHold("runner A's renewal completed without a TXT record:\n" + out + err)
                self.fail("runner A's renewal wrote no TXT record:\n" + out + err)
            killed = plugin_children(proc.pid)
            self.assertTrue(killed, "runner A's plugin process was found")
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertNotEqual(proc.returncode, 0, out + err)
        self.assertTrue(self.env.dns.txt_records(), "the killed plugin left its record behind")
        self.assertGreaterEqual(int(self.sql(db, "SELECT count(*) FROM pending_dns_records")), 1,
                                "noted in the store before it was created")
        self.env.dns.reset_faults()

        # Runner B renews the same certificate: the dead runner's lock is gone with its connection,
        # and B removes the dead runner's record before it issues.
        started = time.monotonic()
        b.apply(env=day61, timeout=60)
        took = time.monotonic() - started
        self.assertLess(took, 60)
        self.assertEqual(self.env.dns.txt_records(), [], "no TXT record is left")
        self.assertEqual(self.sql(db, "SELECT count(*) FROM pending_dns_records"), "0")
        [renewed] = b.resources("ionos_auto_certificate")
        self.assertNotEqual(renewed["serial_number"], cert["serial_number"])
        code, plan = a.plan_exitcode("-refresh-only")  # A's refresh picks B's renewal up
        self.assertEqual(code, 2, plan.stdout + plan.stderr)
        self.assertIn("changed outside of Terraform", plan.stdout)

    def test_database_outage_fails_cleanly_names_the_store_and_recovers(self):
        db = self.pg.create_database()
        ws = self.runner(self.store_url(db), new_store_key())
        ws.write(self.config(ws, self.one_cert(common_name="outage.example.com")))
        ws.apply()
        before = read_state_bytes(ws)
        self.pg.stop()
        self.addCleanup(self.pg.restart)  # whatever happens, the next test gets its server
        try:
            code, proc = ws.plan_exitcode(env={"TF_LOG_PROVIDER": "DEBUG"})
            out = proc.stdout + proc.stderr
            self.assertEqual(code, 1, out)
            self.assertNotIn(self.pg.password, out)
            self.assertNotIn("panic", out)
            err = flat(proc.stderr)
            self.assertIn("Cannot open the certificate store", err)
            self.assertIn("the store %s" % self.pg.describe(db), err)
            # A refresh-only apply, which would write the state, fails the same way and writes nothing.
            proc = ws.apply("-refresh-only", check=False)
            self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertIn(self.pg.describe(db), flat(proc.stderr))
            self.assertEqual(read_state_bytes(ws), before, "the state file is unchanged")
        finally:
            self.pg.restart()
        code, proc = ws.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        self.assertEqual(read_state_bytes(ws), before)

    def test_pg_dump_holds_no_plaintext_private_key_with_a_store_key(self):
        keyed = self.pg.create_database()
        ws = self.runner(self.store_url(keyed), new_store_key())
        ws.write(self.config(ws, self.one_cert(common_name="dump.example.com")))
        ws.apply()
        dump = self.pg.dump(keyed)
        self.assertIn("BEGIN CERTIFICATE", dump, "the dump holds the store's data")
        self.assertIn("enc:v1:", dump)
        self.assertNotIn("BEGIN PRIVATE KEY", dump)
        self.assertNotIn("PRIVATE KEY-----", dump)
        # The same check sees keys where there are some: a store without a key holds them in plain.
        plain = self.pg.create_database()
        ws = self.runner(self.store_url(plain))
        ws.write(self.config(ws, self.one_cert(common_name="dump-plain.example.com")))
        ws.apply()
        self.assertIn("PRIVATE KEY-----", self.pg.dump(plain))

    def test_store_copy_moves_a_laptop_store_to_postgres(self):
        laptop_key, team_key = new_store_key(), new_store_key()
        laptop = harness.Workdir(extra_env={"IONOS_CERT_STORE_KEY": laptop_key})
        self.addCleanup(laptop.cleanup)
        # With the key in the state, to compare it after the move.
        certs = auto_cert("shared", "shared", "moved.example.com", key_algorithm="ecdsa256", extra=KEY_IN_STATE)
        laptop.write(self.env.provider_block(laptop) + account() % self.env.pebble.directory_url + certs)
        laptop.apply()
        self.assertTrue(os.path.exists(laptop.store_path))
        [cert] = laptop.resources("ionos_auto_certificate")

        db = self.pg.create_database()
        url = self.store_url(db)
        proc = subprocess.run([harness.PROVIDER_BINARY, "store", "copy", "--from", "sqlite:" + laptop.store_path,
                               "--to", url, "--from-key", laptop_key, "--to-key", team_key],
                              capture_output=True, text=True, timeout=60, env=laptop.env)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("copied from sqlite:%s to %s" % (laptop.store_path, self.pg.describe(db)), proc.stdout)
        self.assertIn("1 account", proc.stdout)
        self.assertIn("1 auto certificate", proc.stdout)
        self.assertIn("1 certificate with its key", proc.stdout)
        self.assertNotIn(self.pg.password, proc.stdout + proc.stderr)
        self.assertNotIn("PRIVATE KEY-----", self.pg.dump(db), "keys re-encrypted with the team's key")

        # A fresh runner: the state and the configuration with the provider block's store pointed at
        # PostgreSQL; the laptop's SQLite file is gone.
        state = read_state_bytes(laptop)
        shutil.rmtree(os.path.dirname(laptop.store_path))
        runner = self.runner(store_key=team_key)
        runner.write(self.config(runner, certs, store_setting='  store = "%s"' % url))
        with open(os.path.join(runner.dir, "terraform.tfstate"), "wb") as f:
            f.write(state)
        code, proc = runner.plan_exitcode()
        self.assertEqual(code, 0, proc.stdout + proc.stderr)
        self.assertIn("No changes", proc.stdout)
        self.assertFalse(os.path.exists(default_store_dir(runner)))
        # The certificate reads back from PostgreSQL with its key (decrypted with the team's key).
        runner.apply("-refresh-only")
        [moved] = runner.resources("ionos_auto_certificate")
        self.assertEqual(moved["serial_number"], cert["serial_number"])
        self.assertEqual(moved["private_key_pem"], cert["private_key_pem"])

    # ------------------------------------------------------------ the network to the database

    def proxied(self, db, **params):
        """A proxy the test controls in front of the database, and the store URL through it."""
        proxy = tcp_proxy.TcpProxy(self.pg.port)
        self.addCleanup(proxy.stop)
        params.setdefault("sslmode", "verify-full")
        if params["sslmode"] == "verify-full":
            params["sslrootcert"] = self.pg.ca_cert_path
        url = self.pg.url(db, **params).replace(":%d/" % self.pg.port, ":%d/" % proxy.port)
        return proxy, url, "postgres://%s@127.0.0.1:%d/%s" % (self.pg.user, proxy.port, db)

    def renew(self, ws, url, key, now, *args):
        env = dict(ws.env, IONOS_CERT_STORE=url, IONOS_CERT_STORE_KEY=key, IONOS_TOKEN=harness.DNS_TOKEN, **now)
        return subprocess.Popen([harness.PROVIDER_BINARY, "renew"] + list(args), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def test_renew_keeps_every_certificate_while_idle_connections_are_reset(self):
        # A NAT that resets every flow idle for 300 ms, between renew and its database: pooled
        # connections and the lock's session die while the CA works. Every certificate renew
        # issued is in the store, and a second renew, at a moment when the certificates of the
        # apply would still be due but those renew issued are not, issues nothing.
        db = self.pg.create_database()
        key = new_store_key()
        a = self.runner(self.store_url(db), key)
        names = ["idle%d" % i for i in range(3)]
        a.write(self.config(a, "".join(auto_cert(n, n, n + ".example.com", key_algorithm="ecdsa256")
                                       for n in names)))
        a.apply()
        applied = {c["name"]: c for c in a.resources("ionos_auto_certificate")}
        epoch = lambda text: int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())
        clock = lambda seconds: {"IONOS_CERT_NOW": datetime.datetime.fromtimestamp(
            seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        latest_applied = max(epoch(applied[n]["not_after"]) for n in names)
        proxy, url, describe = self.proxied(db)
        proxy.reset_idle_after(0.3)
        # Each challenge record takes two seconds to be provisioned: the connections sit idle
        # meanwhile, and the certificates renew issues are at least two seconds younger.
        self.env.dns.set_faults(provisioning_delay_ms=2000)
        self.addCleanup(self.env.dns.reset_faults)
        finalized = self.env.pebble.request_count("finalize")
        proc = self.renew(a, url, key, clock(latest_applied - 30 * DAY + 1), "--json")
        out, err = proc.communicate(timeout=600)
        self.assertEqual(proc.returncode, 0, out + err)
        rows = {r["name"]: r for r in json.loads(out)}
        self.assertEqual({n: rows[n]["action"] for n in names}, {n: "renewed" for n in names}, out + err)
        self.assertGreater(proxy.resets, 0, "connections were reset while renew worked")
        self.assertEqual(self.env.pebble.request_count("finalize") - finalized, 3)
        stored = self.sql(db, "SELECT string_agg(serial_number, ' ' ORDER BY serial_number) FROM certificates "
                              "WHERE status = 'active'").split()
        self.assertEqual(sorted(stored), sorted(rows[n]["serial_number"] for n in names),
                         "every certificate renew issued is the active one in the store")
        self.assertEqual(self.sql(db, "SELECT count(*) FROM certificates"), "6")
        # Two seconds before the first of the new certificates is due; each of the apply's would be.
        earliest_renewed = int(self.sql(db, "SELECT extract(epoch FROM min(not_after))::bigint FROM certificates "
                                            "WHERE status = 'active'"))
        second = earliest_renewed - 30 * DAY - 2
        self.assertGreaterEqual(second, latest_applied - 30 * DAY, "renew's certificates are younger")
        proc = self.renew(a, url, key, clock(second), "--json")
        out, err = proc.communicate(timeout=600)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertEqual({r["action"] for r in json.loads(out)}, {"not_due"}, out)
        self.assertEqual(self.env.pebble.request_count("finalize") - finalized, 3, "the second renew issued nothing")

    def test_renew_ends_within_its_deadline_when_the_database_stops_answering(self):
        # The database stops answering while renew is mid-issuance (its challenge record held in
        # PROVISIONING): renew ends on its own, by round_trip_timeout (3 s here) per statement and
        # connect_timeout per connection, with an error naming the store and never the password.
        db = self.pg.create_database()
        key = new_store_key()
        a = self.runner(self.store_url(db), key)
        a.write(self.config(a, self.one_cert(common_name="silent.example.com")))
        a.apply()
        [cert] = a.resources("ionos_auto_certificate")
        proxy, url, describe = self.proxied(db, round_trip_timeout="3", connect_timeout="3")
        self.env.dns.set_faults(hold_provisioning=True)
        self.addCleanup(self.env.dns.reset_faults)
        proc = self.renew(a, url, key, at(cert["not_before"], 61))
        harness.wait_for_challenge_record(self.env.dns, [proc], "renew's challenge record")
        proxy.freeze()
        self.env.dns.set_faults(hold_provisioning=False)
        out, err = proc.communicate(timeout=300)  # an outer bound only; renew ends by its own deadlines
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertIn(describe, out + err)
        self.assertRegex(out + err, r"no answer from the store %s within 3 s|no answer within 3 s \(connect_timeout\)"
                         % re.escape(describe))
        self.assertNotIn(self.pg.password, out + err)
        self.assertNotIn(urllib.parse.quote(self.pg.password, safe=""), out + err)

    def test_a_store_copy_killed_halfway_leaves_the_destination_as_it_was(self):
        # The copy into PostgreSQL is stopped at its first certificate (the proxy holds that
        # statement: the account and the auto certificate are already written in the copy's
        # transaction) and killed there. The destination holds nothing of it; the copy run again
        # goes through.
        key = new_store_key()
        laptop = harness.Workdir(extra_env={"IONOS_CERT_STORE_KEY": key})
        self.addCleanup(laptop.cleanup)
        laptop.write(self.env.provider_block(laptop) + account() % self.env.pebble.directory_url +
                     auto_cert("killed", "killed", "killed.example.com", key_algorithm="ecdsa256"))
        laptop.apply()
        db = self.pg.create_database()
        proxy, url, describe = self.proxied(db, sslmode="disable")  # plaintext: the proxy sees the statements
        proxy.freeze_on(b"SELECT ionos_add_certificate(")
        env = dict(laptop.env, IONOS_CERT_STORE_FROM="sqlite:" + laptop.store_path, IONOS_CERT_STORE_FROM_KEY=key,
                   IONOS_CERT_STORE_TO=url, IONOS_CERT_STORE_TO_KEY=key)
        copying = subprocess.Popen([harness.PROVIDER_BINARY, "store", "copy"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        harness.wait_for(lambda: proxy.frozen, "the copy reaching its first certificate", [copying])
        self.assertEqual(self.sql(db, "SELECT count(*) FROM accounts"), "0", "nothing is visible before the commit")
        copying.kill()
        copying.communicate(timeout=60)
        proxy.stop()  # the killed copy's connection closes; the server rolls its transaction back
        harness.wait_for(lambda: self.sql(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' "
                                              "AND pid <> pg_backend_pid()" % db) == "0",
                         "the killed copy's session to end")
        for table in ("accounts", "auto_certificates", "certificates", "deleted_records"):
            self.assertEqual(self.sql(db, "SELECT count(*) FROM %s" % table), "0", table)
        proc = subprocess.run([harness.PROVIDER_BINARY, "store", "copy"], env=dict(env, IONOS_CERT_STORE_TO=(
            self.pg.url(db, sslmode="disable"))), capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("1 certificate with its key", proc.stdout)
        self.assertEqual(self.sql(db, "SELECT count(*) FROM certificates"), "1")

    def test_bad_store_settings_name_store_and_never_show_the_password(self):
        db = self.pg.create_database()
        no_connect = self.pg.create_database("locked")
        self.sql("postgres", 'REVOKE CONNECT ON DATABASE "%s" FROM PUBLIC' % no_connect)
        no_create = self.pg.create_database("readonly")
        role, role_password = "runner_without_rights", "Role-Pa55word-9f3c"
        self.pg.create_role(role, role_password)
        wrong_password = "Wrong-Pa55word-11aa"
        closed_port = harness.free_port()  # nothing listens there
        cases = [
            ("malformed URL", "postgres://%s:%s@127.0.0.1:port/%s" % (self.pg.user, self.pg.password, db),
             self.pg.password, "Invalid certificate store", "has a port that is not a number"),
            ("unknown sslmode", self.pg.url(db, sslmode="sometimes"), self.pg.password,
             "Invalid certificate store", 'unknown sslmode "sometimes"'),
            ("wrong password", self.pg.url_for(self.pg.user, wrong_password, db), wrong_password,
             "Cannot open the certificate store", "password authentication failed for user"),
            ("unreachable host", "postgres://%s:%s@127.0.0.1:%d/%s?connect_timeout=5" % (
                self.pg.user, self.pg.password, closed_port, db), self.pg.password,
             "Cannot open the certificate store", "Connection refused"),
            ("no CONNECT on the database", self.pg.url_for(role, role_password, no_connect), role_password,
             "Cannot open the certificate store", "permission denied for database"),
            ("no CREATE in its schema", self.pg.url_for(role, role_password, no_create), role_password,
             "Cannot open the certificate store", "permission denied for schema public"),
        ]
        ws = self.runner()
        ws.write(self.config(ws, "", store_setting="  store = var.store") + '''
variable "store" {
  type      = string
  sensitive = true
}
''')
        for label, url, password, summary, detail in cases:
            with self.subTest(label):
                code, proc = ws.plan_exitcode(env={"TF_VAR_store": url, "TF_LOG_PROVIDER": "DEBUG"})
                out = proc.stdout + proc.stderr
                self.assertEqual(code, 1, out)
                self.assertNotIn(password, out)
                self.assertNotIn(urllib.parse.quote(password, safe=""), out)
                err = flat(proc.stderr)
                self.assertIn("Error: " + summary, err)
                self.assertIn("store = var.store", err, "the diagnostic points at the store attribute")
                self.assertIn(detail, err)
        # Given through IONOS_CERT_STORE (no attribute in the configuration), the diagnostic names
        # the store itself, never its password.
        ws.write(self.config(ws, ""))
        code, proc = ws.plan_exitcode(env={"IONOS_CERT_STORE": self.pg.url_for(self.pg.user, wrong_password, db)})
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        self.assertNotIn(wrong_password, proc.stdout + proc.stderr)
        err = flat(proc.stderr)
        self.assertIn("Cannot open the certificate store", err)
        self.assertIn("the store %s" % self.pg.describe(db), err)

    def test_a_fresh_machine_with_a_sqlite_store_is_told_to_share_the_store(self):
        # A laptop applied with its own SQLite store; a CI runner has the state, a fresh disk and
        # the default store (under its HOME).
        laptop = harness.Workdir()
        self.addCleanup(laptop.cleanup)
        certs = self.one_cert(common_name="laptop.example.com")
        laptop.write(self.env.provider_block(laptop) + account() % self.env.pebble.directory_url + certs)
        laptop.apply()
        ci = self.runner()
        ci.write(self.config(ci, certs))
        copy_state(laptop, ci)
        code, proc = ci.plan_exitcode()
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        store = "sqlite:" + os.path.join(default_store_dir(ci), "certificates.db")
        advice = ("A sqlite: store lives on one machine's disk; runners and teammates that share the Terraform "
                  "state must also share the store: use a postgres:// store")
        err = flat(proc.stderr)
        self.assertIn("Error: Certificate provider not in the store", err)
        self.assertIn('account "%s" is not in the store %s' % (laptop.resources("ionos_certificate_provider")[0]["id"],
                                                               store), err)
        self.assertIn("the store %s has never known this id" % store, err)
        self.assertIn(advice, err)
        # Terraform refreshes the certificate only after its account; without the account in state,
        # the certificate's refresh says the same.
        ci.tf("state", "rm", "-no-color", "ionos_certificate_provider.acme")
        code, proc = ci.plan_exitcode()
        self.assertEqual(code, 1, proc.stdout + proc.stderr)
        err = flat(proc.stderr)
        self.assertIn("Error: Auto certificate not in the store", err)
        self.assertIn("the store %s has never known this id" % store, err)
        self.assertIn(advice, err)


if __name__ == "__main__":
    unittest.main()

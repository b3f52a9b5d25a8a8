"""A real PostgreSQL server (Debian's `postgresql` package) for the end-to-end tests, started by the
tests themselves on loopback in a temporary directory that is removed afterwards. The Python twin of
tests/fakes/postgres_server.h (same layout, same choices).

    with PostgresServer(tls=True) as pg:
        db = pg.create_database()
        url = pg.url(db, sslmode="verify-full", sslrootcert=pg.ca_cert_path)
        ...                      # provider "ionos" { store = url }
        pg.stop(); pg.restart()  # an outage
        assert "BEGIN PRIVATE KEY" not in pg.dump(db)

- The server binaries come from /usr/lib/postgresql/<newest version>/bin (or $IONOS_POSTGRES_BINDIR),
  never from PATH (on some machines /usr/local/bin/pg_ctl is something else).
- initdb runs as the `postgres` OS user when the tests run as root (initdb refuses root; setpriv or
  runuser switch users), as the current user otherwise.
- pg_hba.conf: the unix socket (a private directory) is trusted for the superuser "postgres", which
  psql(), create_database(), create_role() and dump() use; TCP only from 127.0.0.1, with
  scram-sha-256 passwords. listen_addresses = '127.0.0.1': nothing else is ever bound.
- tls=True: a test CA and a server certificate for 127.0.0.1 and localhost, made with the openssl
  CLI, and ssl = on (clients may still connect without TLS); ca_cert_path for sslrootcert, and
  other_ca_cert_path, an unrelated CA, for verification failures.
- A login role `user` with `password` and CREATEDB owns the databases create_database() makes.
- close() (also on leaving the `with` block and at interpreter exit) stops the server and removes
  the directory; a watchdog process does the same if the test process is killed first.
"""

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import urllib.parse


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or $IONOS_POSTGRES_BINDIR."""
    configured = os.environ.get("IONOS_POSTGRES_BINDIR")
    if configured:
        return configured
    best = None
    for bin_dir in glob.glob("/usr/lib/postgresql/*/bin"):
        version = os.path.basename(os.path.dirname(bin_dir))
        if not version.isdigit():
            continue
        if not all(os.access(os.path.join(bin_dir, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            continue
        if best is None or int(version) > best[0]:
            best = (int(version), bin_dir)
    if best is None:
        raise RuntimeError("no PostgreSQL server under /usr/lib/postgresql/<version>/bin (install the Debian "
                           "package postgresql; scripts/install-deps does) or set IONOS_POSTGRES_BINDIR")
    return best[1]


def _run_as_postgres_prefix():
    """setpriv (or runuser) arguments that run a program as the postgres OS user; [] when not root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root, but there is no `postgres` OS user (the Debian package postgresql "
                           "creates it)")
    for setpriv in ("/usr/bin/setpriv", "/bin/setpriv"):
        if os.access(setpriv, os.X_OK):
            return [setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
    for runuser in ("/usr/sbin/runuser", "/sbin/runuser"):
        if os.access(runuser, os.X_OK):
            return [runuser, "-u", "postgres", "--"]
    raise RuntimeError("running as root, but neither setpriv nor runuser is there to run PostgreSQL as postgres")


class PostgresServer:
    """One PostgreSQL server on 127.0.0.1 for a test class (or a whole test module)."""

    def __init__(self, tls=False, user="ionos", password="Ionos-E2E-Pa55word-4d1a", start_timeout=60):
        self.tls = tls
        self.user = user
        self.password = password
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port = None
        self.dir = None
        self.bin_dir = None
        self.ca_cert_path = None
        self.other_ca_cert_path = None
        self.running = False
        self._watchdog = None
        self._lock = threading.Lock()
        self._next_database = 0
        self._next_dump = 0

    # ------------------------------------------------------------ start and stop

    def start(self):
        self.bin_dir = find_bin_dir()
        run_as = _run_as_postgres_prefix()
        self.dir = tempfile.mkdtemp(prefix="ionos-pg-")
        atexit.register(self.close)
        self._start_watchdog(run_as)
        if run_as:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        try:
            self._run([os.path.join(self.bin_dir, "initdb"), "-D", self._data, "-U", "postgres", "-E", "UTF8",
                       "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
                       "--no-instructions"], as_postgres=True)
            self._run(["/bin/mkdir", "-m", "0700", self._socket_dir], as_postgres=True)
            if self.tls:
                self._make_tls_files()
            with open(os.path.join(self._data, "pg_hba.conf"), "w") as f:
                f.write("# written by tests/e2e/postgres.py\n"
                        "local all all trust\n"
                        "host all all 127.0.0.1/32 scram-sha-256\n")
            conf = ("\n# tests/e2e/postgres.py\n"
                    "listen_addresses = '127.0.0.1'\n"
                    "unix_socket_directories = '%s'\n"
                    "max_connections = 200\n"
                    "shared_buffers = 16MB\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "password_encryption = 'scram-sha-256'\n"
                    "lc_messages = 'C'\n" % self._socket_dir)
            if self.tls:
                conf += ("ssl = on\nssl_cert_file = '%s/server.crt'\nssl_key_file = '%s/server.key'\n"
                         % (self._tls_dir, self._tls_dir))
            with open(os.path.join(self._data, "postgresql.conf"), "a") as f:
                f.write(conf)
            # A port is free when picked but may be taken before the server binds it: retry.
            for attempt in range(3):
                self.port = _free_port()
                try:
                    self._pg_ctl_start()
                    break
                except RuntimeError:
                    if attempt == 2 or "could not bind" not in self.log():
                        raise
            self.psql("postgres", "CREATE ROLE %s LOGIN CREATEDB PASSWORD %s"
                      % (_identifier(self.user), _literal(self.password)))
        except Exception as e:
            log = self.log()
            self.close()
            raise RuntimeError("starting PostgreSQL failed: %s%s" % (e, "; server log: " + log[-3000:] if log else ""))
        return self

    def stop(self):
        """pg_ctl stop -m fast: an outage (clients get "terminating connection")."""
        if not self.running:
            return
        self.running = False
        self._run([os.path.join(self.bin_dir, "pg_ctl"), "-D", self._data, "-m", "fast", "-w", "stop"],
                  as_postgres=True)

    def restart(self):
        """Starts a stopped server again, on the same port and directory."""
        if not self.running:
            self._pg_ctl_start()

    def close(self):
        """Stops the server and removes its directory (idempotent)."""
        if self.dir is None:
            return
        if self.running:
            self.running = False
            try:
                self._run([os.path.join(self.bin_dir, "pg_ctl"), "-D", self._data, "-m", "immediate", "-w",
                           "stop"], as_postgres=True)
            except Exception:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        if self._watchdog is not None:
            try:
                self._watchdog.stdin.close()
                self._watchdog.wait(timeout=5)
            except Exception:
                pass
            self._watchdog = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # ------------------------------------------------------------ URLs and admin

    def url(self, database, **params):
        """postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE[?params] for `user`."""
        return self.url_for(self.user, self.password, database, **params)

    def url_for(self, user, password, database, **params):
        quote = lambda s: urllib.parse.quote(s, safe="")
        url = "postgres://%s:%s@%s:%d/%s" % (quote(user), quote(password), self.host, self.port, quote(database))
        if params:
            url += "?" + urllib.parse.urlencode(params)
        return url

    def describe(self, database, user=None):
        """What the store calls itself in messages: postgres://USER@127.0.0.1:PORT/DATABASE."""
        return "postgres://%s@%s:%d/%s" % (user or self.user, self.host, self.port, database)

    def create_database(self, prefix="store"):
        """A new empty database owned by `user`, named <prefix>_<n>."""
        with self._lock:
            self._next_database += 1
            name = "%s_%d" % (prefix, self._next_database)
        self.psql("postgres", "CREATE DATABASE %s OWNER %s" % (_identifier(name), _identifier(self.user)))
        return name

    def create_role(self, name, password):
        """A login role with a password and no privileges beyond what PUBLIC has."""
        self.psql("postgres", "CREATE ROLE %s LOGIN PASSWORD %s" % (_identifier(name), _literal(password)))

    def psql(self, database, sql):
        """Runs `sql` as the superuser in `database`; returns psql's unaligned, tuples-only output."""
        out = self._run([os.path.join(self.bin_dir, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                         "-h", self._socket_dir, "-p", str(self.port), "-U", "postgres", "-d", database,
                         "-c", sql], as_postgres=True, capture=True)
        return out.strip()

    def dump(self, database):
        """pg_dump of `database` (plain SQL, data included)."""
        with self._lock:
            self._next_dump += 1
            path = os.path.join(self.dir, "dump-%d.sql" % self._next_dump)
        self._run([os.path.join(self.bin_dir, "pg_dump"), "-h", self._socket_dir, "-p", str(self.port), "-U",
                   "postgres", "-d", database, "-f", path], as_postgres=True)
        try:
            with open(path) as f:
                return f.read()
        finally:
            os.remove(path)

    def log(self):
        """The server's log so far."""
        if self.dir is None:
            return ""
        try:
            with open(os.path.join(self.dir, "postgres.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ------------------------------------------------------------ internals

    @property
    def _data(self):
        return os.path.join(self.dir, "data")

    @property
    def _socket_dir(self):
        return os.path.join(self.dir, "sock")

    @property
    def _tls_dir(self):
        return os.path.join(self.dir, "tls")

    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and not k.startswith("LC_")}
        env.update({"LC_ALL": "C", "LANG": "C", "HOME": self.dir})
        return env

    def _run(self, argv, as_postgres, capture=False):
        if as_postgres:
            argv = _run_as_postgres_prefix() + argv
        result = subprocess.run(argv, cwd=self.dir, env=self._env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError("%s failed (exit %d): %s%s" % (os.path.basename(argv[-1] if not as_postgres else
                                                                              argv[len(_run_as_postgres_prefix())]),
                                                             result.returncode, result.stderr[-2000:],
                                                             result.stdout[-500:]))
        return result.stdout if capture else ""

    def _pg_ctl_start(self):
        self._run([os.path.join(self.bin_dir, "pg_ctl"), "-D", self._data, "-l", os.path.join(self.dir, "postgres.log"),
                   "-w", "-t", str(self.start_timeout), "-o", "-p %d" % self.port, "start"], as_postgres=True)
        self.running = True

    def _make_tls_files(self):
        tls = self._tls_dir
        os.mkdir(tls, 0o700)
        for name in ("ca", "other-ca"):
            cnf = os.path.join(tls, name + ".cnf")
            with open(cnf, "w") as f:
                f.write("[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3_ca\n"
                        "[dn]\nCN = ionos test %s\n"
                        "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
                        "subjectKeyIdentifier = hash\n" % name)
            self._run(["openssl", "req", "-x509", "-config", cnf, "-newkey", "ec", "-pkeyopt",
                       "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.path.join(tls, name + ".key"), "-out",
                       os.path.join(tls, name + ".crt"), "-days", "7"], as_postgres=False)
        server_cnf = os.path.join(tls, "server.cnf")
        with open(server_cnf, "w") as f:
            f.write("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = 127.0.0.1\n"
                    "[v3_server]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                    "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n")
        self._run(["openssl", "req", "-new", "-config", server_cnf, "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-keyout", os.path.join(tls, "server.key"), "-out",
                   os.path.join(tls, "server.csr")], as_postgres=False)
        self._run(["openssl", "x509", "-req", "-in", os.path.join(tls, "server.csr"), "-CA",
                   os.path.join(tls, "ca.crt"), "-CAkey", os.path.join(tls, "ca.key"), "-set_serial", "2", "-days", "7",
                   "-extfile", server_cnf, "-extensions", "v3_server", "-out", os.path.join(tls, "server.crt")],
                  as_postgres=False)
        # The server reads its key as the postgres user and refuses a key others can read.
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for path in (tls, os.path.join(tls, "server.key"), os.path.join(tls, "server.crt")):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(os.path.join(tls, "server.key"), 0o600)
        os.chmod(tls, 0o711)
        for name in ("ca.crt", "other-ca.crt"):
            os.chmod(os.path.join(tls, name), 0o644)
        self.ca_cert_path = os.path.join(tls, "ca.crt")
        self.other_ca_cert_path = os.path.join(tls, "other-ca.crt")

    def _start_watchdog(self, run_as):
        """A process that stops the server and removes the directory once this process is gone."""
        stop = " ".join("'%s'" % a for a in run_as)
        script = ('cat >/dev/null; if [ -f "$1/data/postmaster.pid" ]; then %s "$2/pg_ctl" -D "$1/data" '
                  '-m immediate -w stop >/dev/null 2>&1; fi; rm -rf "$1"' % stop)
        self._watchdog = subprocess.Popen(["/bin/sh", "-c", script, "postgres-watchdog", self.dir, self.bin_dir],
                                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)


def _identifier(name):
    return '"' + name.replace('"', '""') + '"'


def _literal(value):
    return "'" + value.replace("'", "''") + "'"

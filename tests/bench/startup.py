#!/usr/bin/env python3
"""B3: plugin start-up time, from exec to the handshake line on stdout.

Runs the plugin as Terraform does (magic cookie, PLUGIN_CLIENT_CERT for
AutoMTLS), reads the first stdout line, then closes the process. Prints the
median and spread of N runs (default 20) for both TLS modes.

    python3 tests/bench/startup.py [path/to/terraform-provider-ionos] [runs]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def client_cert_pem():
    d = tempfile.mkdtemp()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-nodes",
                    "-keyout", d + "/k.pem", "-out", d + "/c.pem", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    with open(d + "/c.pem") as f:
        return f.read()


def one_run(binary, env):
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    if not line.startswith(b"1|6|unix|"):
        raise RuntimeError("unexpected handshake line: %r" % line)
    return elapsed * 1000.0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "build", "terraform-provider-ionos")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    base = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6,5")
    modes = {
        "AutoMTLS (PLUGIN_CLIENT_CERT set)": dict(base, PLUGIN_CLIENT_CERT=client_cert_pem()),
        "plaintext (TF_DISABLE_PLUGIN_TLS)": base,
    }
    one_run(binary, base)  # warm the page cache
    for name, env in modes.items():
        times = sorted(one_run(binary, env) for _ in range(runs))
        print("B3 start-up, %-36s median %.2f ms  min %.2f  max %.2f  (%d runs; target <= 10 ms)" %
              (name, statistics.median(times), times[0], times[-1], runs))


if __name__ == "__main__":
    main()

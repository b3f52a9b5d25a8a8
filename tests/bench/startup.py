#!/usr/bin/env python3
"""B3: plugin start-up time, as Terraform starts a provider.

Runs the plugin as Terraform does (magic cookie, PLUGIN_CLIENT_CERT for AutoMTLS) and measures from
exec to the handshake line on stdout; with AutoMTLS also to the end of the TLS handshake on the
plugin's socket (client certificate, ALPN h2, the server certificate from the handshake line as the
only trust anchor) and to the answer of a first RPC (tfplugin6.Provider/GetMetadata, one HTTP/2
request written here by hand: Python has no gRPC client on this machine). Prints the median and
spread of N runs (default 20) for both TLS modes.

    python3 tests/bench/startup.py [path/to/terraform-provider-ionos] [runs]
"""
import base64
import os
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
_CLIENT = {}


def client_files():
    """(cert path, key path) of a P-521 client certificate, as go-plugin's AutoMTLS makes one."""
    if not _CLIENT:
        d = tempfile.mkdtemp()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-nodes",
                        "-keyout", d + "/k.pem", "-out", d + "/c.pem", "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        _CLIENT.update(cert=d + "/c.pem", key=d + "/k.pem")
    return _CLIENT["cert"], _CLIENT["key"]


def client_cert_pem():
    with open(client_files()[0]) as f:
        return f.read()


def _frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def _literal(name, value):
    # HPACK (RFC 7541 §6.2.2) literal header field without indexing, new name, no Huffman coding;
    # every name and value here is shorter than 127 bytes.
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def first_rpc(sock):
    """GetMetadata over an HTTP/2 connection (RFC 9113) as gRPC frames it; returns when the call's
    trailers arrive."""
    headers = b"".join(_literal(n, v) for n, v in [
        (b":method", b"POST"), (b":scheme", b"https"), (b":path", b"/tfplugin6.Provider/GetMetadata"),
        (b":authority", b"localhost"), (b"content-type", b"application/grpc"), (b"te", b"trailers")])
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + _frame(0x4, 0, 0) +    # SETTINGS
                 _frame(0x1, 0x4, 1, headers) +                               # HEADERS, END_HEADERS
                 _frame(0x0, 0x1, 1, b"\x00\x00\x00\x00\x00"))                # DATA: empty message, END_STREAM
    buf = b""
    while True:
        while len(buf) < 9:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the plugin closed the connection before answering GetMetadata")
            buf += chunk
        length = int.from_bytes(buf[:3], "big")
        kind, flags, stream = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
        while len(buf) < 9 + length:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the plugin closed the connection in the middle of a frame")
            buf += chunk
        buf = buf[9 + length:]
        if kind == 0x4 and not flags & 0x1:
            sock.sendall(_frame(0x4, 0x1, 0))  # SETTINGS ACK
        elif kind == 0x1 and stream == 1 and flags & 0x1:
            return  # trailers (grpc-status): the call is answered
        elif kind == 0x3 and stream == 1:
            raise RuntimeError("the plugin reset the GetMetadata stream")


def one_run(binary, env, rpc=False):
    """Milliseconds from exec to the handshake line; with rpc=True (AutoMTLS) a tuple of that, the
    end of the TLS handshake, and the answer to the first RPC."""
    ctx = None
    if rpc:
        # As go-plugin does it: the client's certificate and key are loaded into the TLS settings
        # before the plugin starts; only the server's certificate, from the handshake line, is added
        # afterwards.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_cert_chain(*client_files())
        ctx.set_alpn_protocols(["h2"])
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline()
        t_line = time.perf_counter()
        if not line.startswith(b"1|6|unix|"):
            raise RuntimeError("unexpected handshake line: %r" % line)
        if not rpc:
            return (t_line - t0) * 1000.0
        fields = line.decode().strip().split("|")
        server_der = base64.b64decode(fields[5] + "=" * (-len(fields[5]) % 4))
        ctx.load_verify_locations(cadata=ssl.DER_cert_to_PEM_cert(server_der))
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # An address starting with '@' is in Linux's abstract namespace (as Go dials it).
        raw.connect("\0" + fields[3][1:] if fields[3].startswith("@") else fields[3])
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            t_tls = time.perf_counter()
            first_rpc(tls)
            t_rpc = time.perf_counter()
        return tuple((t - t0) * 1000.0 for t in (t_line, t_tls, t_rpc))
    finally:
        proc.kill()
        proc.wait()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "build", "terraform-provider-ionos")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    base = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6,5")
    tls_env = dict(base, PLUGIN_CLIENT_CERT=client_cert_pem())
    one_run(binary, base)  # warm the page cache
    tls = [one_run(binary, tls_env, rpc=True) for _ in range(runs)]
    for i, what in enumerate(("handshake line", "TLS handshake", "first RPC answered")):
        times = sorted(t[i] for t in tls)
        print("B3 start-up, AutoMTLS, exec to %-20s median %.2f ms  min %.2f  max %.2f  (%d runs; target <= 10 ms)" %
              (what, statistics.median(times), times[0], times[-1], runs))
    times = sorted(one_run(binary, base) for _ in range(runs))
    print("B3 start-up, plaintext, exec to handshake line       median %.2f ms  min %.2f  max %.2f  (%d runs)" %
          (statistics.median(times), times[0], times[-1], runs))


if __name__ == "__main__":
    main()

"""A TCP proxy on 127.0.0.1 in front of another loopback server, for end-to-end tests of what the
provider does when the network between it and its database misbehaves (the Python twin of
tests/fakes/tcp_proxy.h, which the C++ tests use):

  reset_idle_after(seconds)  every connection that carried nothing, either way, for that long is
                             reset (RST to the client, the server's side closed): what a NAT, a
                             load balancer or a firewall does to idle flows. None: never.
  freeze()                   every connection stays open but nothing is forwarded any more, either
                             way, and new connections are accepted but never reach the server (a
                             database that stopped answering, a half-open connection).
  freeze_on(pattern)         freeze() at the moment a client sends bytes containing `pattern`
                             (those bytes never arrive): a fault at a chosen statement of a
                             plaintext connection; `frozen` tells the test it happened.

One thread runs every connection through a selector; stop() closes everything. Counters: accepted
(connections so far) and resets (connections reset for being idle)."""

import selectors
import socket
import struct
import threading
import time


class TcpProxy:
    def __init__(self, upstream_port):
        self._upstream_port = upstream_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._idle_limit = None
        self._frozen = False
        self._freeze_pattern = None
        self._stopping = False
        self.accepted = 0
        self.resets = 0
        self._pairs = []  # [client, upstream or None, last activity (monotonic)]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def reset_idle_after(self, seconds):
        with self._lock:
            self._idle_limit = seconds

    def freeze(self):
        with self._lock:
            self._frozen = True

    def freeze_on(self, pattern):
        with self._lock:
            self._freeze_pattern = pattern

    @property
    def frozen(self):
        with self._lock:
            return self._frozen

    def stop(self):
        with self._lock:
            self._stopping = True
        self._thread.join()
        for pair in list(self._pairs):
            self._close(pair, reset=False)
        self._selector.close()
        self._listener.close()

    # ------------------------------------------------------------ the loop

    def _run(self):
        while True:
            with self._lock:
                if self._stopping:
                    return
                frozen, limit = self._frozen, self._idle_limit
            for key, _ in self._selector.select(timeout=0.02):
                if key.data is None:
                    self._accept(frozen)
                else:
                    self._forward(key.fileobj, key.data, frozen)
            if limit is not None and not frozen:
                now = time.monotonic()
                for pair in [p for p in self._pairs if now - p[2] > limit]:
                    self.resets += 1
                    self._close(pair, reset=True)

    def _accept(self, frozen):
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        self.accepted += 1
        upstream = None
        if not frozen:
            upstream = socket.create_connection(("127.0.0.1", self._upstream_port))
        pair = [client, upstream, time.monotonic()]
        self._pairs.append(pair)
        self._selector.register(client, selectors.EVENT_READ, pair)
        if upstream is not None:
            self._selector.register(upstream, selectors.EVENT_READ, pair)

    def _forward(self, sock, pair, frozen):
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close(pair, reset=False)
            return
        with self._lock:
            if sock is pair[0] and self._freeze_pattern is not None and self._freeze_pattern in data:
                self._frozen = frozen = True
        if frozen:
            return  # swallowed: the other side never hears of it
        pair[2] = time.monotonic()
        peer = pair[1] if sock is pair[0] else pair[0]
        if peer is None:
            return
        try:
            peer.sendall(data)
        except OSError:
            self._close(pair, reset=False)

    def _close(self, pair, reset):
        if pair not in self._pairs:
            return
        self._pairs.remove(pair)
        for i, sock in enumerate(pair[:2]):
            if sock is None:
                continue
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            if reset and i == 0:
                # RST instead of FIN: the client finds its connection reset, as after a NAT's timeout.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

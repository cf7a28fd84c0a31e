"""A TCP proxy on 127.0.0.1 for the bench: rdx connects through it, so the
bench can cut rdx's own link while the server and the apps stay up.

The Python twin of tests/util/proxy.rs. `cut()` closes every open connection
(both sides, at once) and, until `restore()`, closes each new one as soon as
it is accepted (the client sees its connection end before the WebSocket
handshake: a failed connect). Loopback only.
"""
import socket
import threading


class Proxy:
    def __init__(self, target_port, host="127.0.0.1"):
        self.target = (host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = {}  # id -> (client side, server side)
        self.next_id = 0
        self.is_cut = False
        self.stopped = False
        self.accepted = 0  # connections accepted so far (forwarded or refused)
        self.refused = 0
        self.thread = threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True)
        self.thread.start()

    def url(self):
        return f"ws://127.0.0.1:{self.port}/socketcluster/"

    def cut(self):
        """Drop every open connection; refuse new ones until `restore()`."""
        with self.lock:
            self.is_cut = True
            conns = list(self.conns.values())
            self.conns.clear()
        for c, s in conns:
            _shut(c)
            _shut(s)

    def restore(self):
        """Accept and forward again."""
        with self.lock:
            self.is_cut = False

    def stop(self):
        with self.lock:
            self.stopped = True
        self.cut()
        _shut(self.listener)
        try:
            self.listener.close()
        except OSError:
            pass
        self.thread.join(timeout=5)

    def _accept_loop(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed: stop()
            with self.lock:
                if self.stopped:
                    _shut(client)
                    client.close()
                    return
                self.accepted += 1
                refuse = self.is_cut
                if refuse:
                    self.refused += 1
            if refuse:
                _shut(client)
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _shut(client)
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                # A cut that raced with this accept: refuse.
                if self.is_cut or self.stopped:
                    for s in (client, server):
                        _shut(s)
                        s.close()
                    continue
                cid = self.next_id
                self.next_id += 1
                self.conns[cid] = (client, server)
            # Both pumps end when either side ends; the last one closes the sockets.
            left = [2]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(cid, a, b, left, client, server), daemon=True).start()

    def _pump(self, cid, src, dst, left, client, server):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        with self.lock:
            self.conns.pop(cid, None)
            left[0] -= 1
            last = left[0] == 0
        _shut(client)
        _shut(server)
        if last:
            client.close()
            server.close()


def _shut(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass

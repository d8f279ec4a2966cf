"""The bench's stand-in for a VNC display: a UNIX-socket server that echoes every byte back, as
fast as one Python thread can (selectors/epoll, nonblocking sockets, no asyncio layers).

    python3 vnc_echo.py SOCKET_PATH [TAG]

TAG is ignored: run.sh passes a per-run nonce so that it can find this process (its CPU time)
among the sprite's.

Each connection's first 16 bytes choose its mode:
  b"BULK" + 12 ASCII digits N: the server sends N bytes (zeros) as fast as it can, then keeps the
      connection open (reading and dropping whatever comes);
  anything else: echo; those 16 bytes are echoed, and everything after them.
The load client (wsload.c) always opens with a 16-byte message, so no mode byte is needed.
"""
import errno
import os
import selectors
import socket
import sys

PATH = sys.argv[1]
CHUNK = memoryview(bytes(1 << 20))
READ = 1 << 18

sel = selectors.DefaultSelector()


class Conn:
    __slots__ = ("sock", "head", "mode", "pending", "left", "events")

    def __init__(self, sock):
        self.sock = sock
        self.head = b""
        self.mode = 0  # 0: the first 16 bytes, 1: echo, 2: bulk
        self.pending = b""  # echo bytes the socket did not take yet
        self.left = 0  # bulk bytes still to send
        self.events = selectors.EVENT_READ


def set_events(c, ev):
    if ev != c.events:
        c.events = ev
        sel.modify(c.sock, ev, c)


def close(c):
    sel.unregister(c.sock)
    c.sock.close()


def send_echo(c, data):
    if c.pending:
        c.pending += data
    else:
        try:
            n = c.sock.send(data)
        except BlockingIOError:
            n = 0
        if n < len(data):
            c.pending = data[n:]
    # backpressure: stop reading while the peer does not read its echo
    set_events(c, selectors.EVENT_WRITE if c.pending else selectors.EVENT_READ)


def pump(c):
    while c.left:
        try:
            n = c.sock.send(CHUNK[: min(c.left, len(CHUNK))])
        except BlockingIOError:
            break
        c.left -= n
    set_events(c, selectors.EVENT_READ | selectors.EVENT_WRITE if c.left else selectors.EVENT_READ)


def on_read(c):
    try:
        data = c.sock.recv(READ)
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        data = b""
    if not data:
        close(c)
        return
    if c.mode == 1:
        send_echo(c, data)
    elif c.mode == 0:
        c.head += data
        if len(c.head) < 16:
            return
        head, c.head = c.head, b""
        if head.startswith(b"BULK"):
            c.mode = 2
            c.left = int(head[4:16])
            pump(c)
        else:
            c.mode = 1
            send_echo(c, head)
    # mode 2: what the client sends during a bulk transfer is dropped


def on_write(c):
    if c.mode == 2:
        pump(c)
        return
    try:
        n = c.sock.send(c.pending)
    except BlockingIOError:
        n = 0
    c.pending = c.pending[n:]
    set_events(c, selectors.EVENT_WRITE if c.pending else selectors.EVENT_READ)


def main():
    try:
        os.unlink(PATH)
    except FileNotFoundError:
        pass
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(PATH + ".new")  # appears under its final name only once it listens
    lsock.listen(1024)
    os.rename(PATH + ".new", PATH)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    while True:
        for key, ev in sel.select():
            c = key.data
            if c is None:
                while True:
                    try:
                        s, _ = lsock.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:  # EMFILE and the like: try again on the next event
                        if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                            break
                        raise
                    s.setblocking(False)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
                    sel.register(s, selectors.EVENT_READ, Conn(s))
                continue
            try:
                if ev & selectors.EVENT_WRITE and c.sock.fileno() >= 0:
                    on_write(c)
                if ev & selectors.EVENT_READ and c.sock.fileno() >= 0:
                    on_read(c)
            except (BrokenPipeError, ConnectionResetError):
                if c.sock.fileno() >= 0:
                    close(c)


main()

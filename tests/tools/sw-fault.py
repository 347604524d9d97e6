#!/usr/bin/env python3
"""sw-fault.py: a clinic address that misbehaves, for tests/sync/faults.sh.

  sw-fault.py PORT MODE [SERVER-PORT]

Listens on 127.0.0.1:PORT and prints "listening", flushed. MODE:
  never      accepts, reads the request, and never answers
  trickle    passes each request to SERVER-PORT and its answer back one
             byte at a time, 5 ms apart
  delay=MS   passes bytes both ways, each held MS milliseconds
  e500       answers 500 with a web page
  garbage    answers with bytes that are not HTTP
  truncated  answers 200 with a Content-Length of 4000 and 100 bytes of
             JSON, then closes
  huge       answers 200 with 3 MiB of JSON, more than the client reads
Python 3 standard library only.
"""
import socket
import sys
import threading
import time

port, mode = int(sys.argv[1]), sys.argv[2]
server = int(sys.argv[3]) if len(sys.argv) > 3 else None


def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(65536)
        if not d:
            return data
        data += d
    head, _, body = data.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(body) < n:
        d = c.recv(65536)
        if not d:
            break
        body += d
    return head + b"\r\n\r\n" + body


def answer(c, status, body, length=None):
    c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" %
              (status, len(body) if length is None else length) + body)


def pump(src, dst, delay, trickle):
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            if delay:
                time.sleep(delay)
            if trickle:
                for i in range(len(d)):
                    dst.sendall(d[i:i + 1])
                    time.sleep(0.005)
            else:
                dst.sendall(d)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(c):
    try:
        if mode in ("trickle",) or mode.startswith("delay="):
            delay = int(mode[6:]) / 1000.0 if mode.startswith("delay=") else 0
            s = socket.create_connection(("127.0.0.1", server))
            threading.Thread(target=pump, args=(c, s, delay, False),
                             daemon=True).start()
            pump(s, c, delay, mode == "trickle")
            return
        read_request(c)
        if mode == "never":
            time.sleep(3600)
        elif mode == "e500":
            answer(c, 500, b"<html><h1>Internal Server Error</h1></html>")
        elif mode == "garbage":
            c.sendall(b"\x00\xff\x13garbage \x1b[2J not http\r\n\r\n" * 8)
        elif mode == "truncated":
            answer(c, 200, b'{"acked": ["' + b"0" * 80 + b'", ', 4000)
        elif mode == "huge":
            body = b'{"acked": [], "duplicate": [], "pad": "' + \
                b"x" * (3 * 1024 * 1024) + b'"}'
            answer(c, 200, body)
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(16)
print("listening", flush=True)
while True:
    c, _ = ls.accept()
    print("accepted", flush=True)
    threading.Thread(target=handle, args=(c,), daemon=True).start()

#!/usr/bin/env python3
"""sw-proxy.py: a test TCP proxy between stepwise and stepwise-clinic serve.

  sw-proxy.py [options] TARGET-PORT
  sw-proxy.py [options] --target-file FILE
      Listens on 127.0.0.1, port 0 (any free port), and prints one line,
      flushed: "listening on 127.0.0.1:PORT". Every connection is forwarded
      to 127.0.0.1:TARGET-PORT, or to the port written in FILE, read again
      for each new connection (so that a server restarted on another port
      is found); while FILE is missing a new connection is closed at once
      ("no-target N"). Every byte received from either side is
      appended to the capture files: PREFIX (both ways, as they come),
      PREFIX.N.up (client to server) and PREFIX.N.down (server to client)
      for connection N (from 1).

      Once, at one point of the upload (the trigger), it can do harm:
        --after N          the trigger is after N bytes of upload in all
        --at STR [--nth K] [--offset N]
                           the trigger is N bytes (default 0) after the
                           start of the K-th (default 1) occurrence of STR
                           in the upload, e.g. --at 'POST /v1/records'
        --times M          with --at: do the same harm at the next M - 1
                           occurrences as well (default 1), e.g. to cut
                           libcurl's own retry on a fresh connection too
        --action cut       close both sides at the trigger (the rest of
                           the request never reaches the server)
        --action stall     forward up to the trigger, then hold the rest
                           of the upload; the connection ends when the
                           server goes away
        --action cut-reply forward the whole request; throw away the
                           server's answer and close the client's side
                           as soon as the answer starts
        --action stall-reply
                           forward the whole request; hold the server's
                           answer; the client's side ends when the
                           server goes away
        --action hold-reply
                           forward the whole request; hold the server's
                           answer until SIGUSR2, then pass it on (the
                           answer is in the capture files already)
        --action flip      change the byte at the trigger (all its bits
                           flipped) and forward everything: a body
                           tampered with on the way
      --delay MS           hold every byte MS milliseconds in each way
                           before passing it on (a long link's latency:
                           600 ms more to each round trip with 300)
      Each event is printed as a line on stdout, flushed: "triggered N",
      "cut N", "flipped N", "stalled N", "reply-cut N", "reply-stalled N", "reply-held
      N", "reply-released N" (N the connection). Otherwise bytes pass
      through unharmed. SIGUSR1 disarms a trigger not yet reached.

  sw-proxy.py decode PREFIX [--b64]
      Parses the per-connection captures as HTTP/1.1 and prints, for each
      request and answer, the start line and the body after content
      decoding (deflate, raw deflate, gzip; chunked). With --b64, every
      base64url or base64 string of 16 characters or more found in the
      bodies is also printed decoded (a POST /v2/sync body is printed as
      the JSON requests gives). Output is bytes, for grep -a.

  sw-proxy.py requests PREFIX
      Prints one JSON object per line for each request: {"conn","method",
      "target","status","body","answer"}: body and answer decoded as text
      (a POST /v2/sync body as JSON: {"v","device","time","after",
      "records":[{"v","id","ciphertext","signature"}],"signature"}),
      or null when cut short or not text; status of the answer, or null.

Python 3 standard library only.
"""
import base64
import json
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
import zlib


class Delayed:
    """A socket whose sends (and close) happen delay seconds later, in
    order, from a thread of its own; recv is the socket's own."""

    def __init__(self, sock, delay):
        self.sock = sock
        self.delay = delay
        self.q = queue.Queue()
        self.closing = False
        threading.Thread(target=self.run, daemon=True).start()

    def recv(self, n):
        return self.sock.recv(n)

    def sendall(self, data):
        self.q.put((time.monotonic() + self.delay, data))

    def shutdown(self, how):
        self.close()

    def close(self):
        if not self.closing:
            self.closing = True
            self.q.put((time.monotonic() + self.delay, None))

    def run(self):
        while True:
            at, data = self.q.get()
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if data is None:
                    self.sock.shutdown(socket.SHUT_RDWR)
                    self.sock.close()
                    return
                self.sock.sendall(data)
            except OSError:
                pass


class Proxy:
    def __init__(self, target, prefix, after, at, nth, offset, action,
                 times, delay=0):
        self.target = target
        self.delay = delay / 1000.0
        self.prefix = prefix
        self.after = after
        self.at = at.encode() if at is not None else None
        self.nth = nth
        self.offset = offset
        self.action = action
        self.times = times
        self.lock = threading.Lock()
        self.release = threading.Event()    # SIGUSR2: hold-reply ends
        self.out_lock = threading.Lock()
        self.up_total = 0
        self.seen = 0           # occurrences of --at so far, in all
        self.fired = False      # the trigger has been placed
        self.nconn = 0
        self.all = open(prefix, "ab", buffering=0) if prefix else None

    def target_port(self):
        """The port to forward a new connection to, or None."""
        if isinstance(self.target, int):
            return self.target
        try:
            with open(self.target) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def say(self, line):
        with self.out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def capture(self, conn, way, data):
        if not self.prefix:
            return
        with self.lock:
            self.all.write(data)
            with open("%s.%d.%s" % (self.prefix, conn.n, way), "ab") as f:
                f.write(data)


class Conn:
    def __init__(self, proxy, client, n):
        self.p = proxy
        self.c = client
        self.n = n
        self.s = None
        self.buf = b""          # everything received from the client
        self.sent = 0           # bytes of buf forwarded to the server
        self.trigger = None     # offset in buf where harm starts
        self.flipped = False
        self.state = "pass"     # pass, stalled, cut, reply-pending,
                                # reply-stalled, reply-held, released
        self.done = threading.Event()

    def close_all(self):
        for s in (self.c, self.s):
            if s is None:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        self.done.set()

    def place_trigger(self, start):
        """Called with p.lock held; start is len(buf) before the chunk."""
        p = self.p
        if p.fired or p.action is None:
            return
        if p.at is not None:
            i = self.scan_from
            while True:
                j = self.buf.find(p.at, i)
                if j < 0:
                    break
                p.seen += 1
                i = j + 1
                if p.seen >= p.nth:
                    self.trigger = j + p.offset
                    p.fired = p.seen >= p.nth + p.times - 1
                    break
            self.scan_from = max(self.scan_from,
                                 len(self.buf) - len(p.at) + 1)
        elif p.after is not None:
            chunk = len(self.buf) - start
            if p.up_total + chunk >= p.after:
                self.trigger = start + (p.after - p.up_total)
                p.fired = True
            p.up_total += chunk

    def upload(self):
        self.scan_from = 0
        try:
            while True:
                try:
                    data = self.c.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    break
                self.p.capture(self, "up", data)
                with self.p.lock:
                    start = len(self.buf)
                    self.buf += data
                    if self.trigger is None:
                        self.place_trigger(start)
                        if self.trigger is not None:
                            self.p.say("triggered %d" % self.n)
                if self.state in ("stalled", "cut"):
                    continue
                end = len(self.buf)
                if self.trigger is not None and self.p.action in (
                        "cut", "stall"):
                    end = min(end, max(self.trigger, self.sent))
                if (self.trigger is not None and self.p.action == "flip"
                        and not self.flipped):
                    t = self.trigger
                    if t < len(self.buf) and t >= self.sent:
                        self.buf = (self.buf[:t] + bytes([self.buf[t] ^ 0xff])
                                    + self.buf[t + 1:])
                        self.flipped = True
                        self.p.say("flipped %d" % self.n)
                    elif t >= len(self.buf):
                        end = min(end, t)
                if (self.trigger is not None and end >= self.trigger and
                        self.state == "pass" and self.p.action in (
                            "cut-reply", "stall-reply", "hold-reply")):
                    # Before sending: the answer may come back at once.
                    self.state = "reply-pending"
                if end > self.sent:
                    self.s.sendall(self.buf[self.sent:end])
                    self.sent = end
                if self.trigger is not None and self.sent >= self.trigger:
                    if self.p.action == "cut":
                        self.state = "cut"
                        self.p.say("cut %d" % self.n)
                        self.close_all()
                        return
                    if self.p.action == "stall":
                        self.state = "stalled"
                        self.p.say("stalled %d" % self.n)
        except OSError:
            pass
        if self.state != "stalled":
            # The client went away: so does the server's side.
            self.close_all()

    def download(self):
        try:
            while True:
                try:
                    data = self.s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    break
                self.p.capture(self, "down", data)
                if self.state == "reply-pending":
                    if self.p.action == "cut-reply":
                        self.state = "cut"
                        self.p.say("reply-cut %d" % self.n)
                        try:
                            self.c.shutdown(socket.SHUT_RDWR)
                            self.c.close()
                        except OSError:
                            pass
                        # Let the server finish; throw its answer away.
                        continue
                    if self.p.action == "hold-reply":
                        self.state = "reply-held"
                        self.p.say("reply-held %d" % self.n)
                        self.p.release.wait()
                        self.state = "released"
                        self.p.say("reply-released %d" % self.n)
                        self.c.sendall(data)
                        continue
                    self.state = "reply-stalled"
                    self.p.say("reply-stalled %d" % self.n)
                if self.state in ("cut", "reply-stalled"):
                    continue
                self.c.sendall(data)
        except OSError:
            pass
        self.close_all()

    def run(self):
        port = self.p.target_port()
        if port is None:
            self.p.say("no-target %d" % self.n)
            self.close_all()
            return
        try:
            self.s = socket.create_connection(("127.0.0.1", port))
        except OSError:
            self.close_all()
            return
        if self.p.delay > 0:
            self.s = Delayed(self.s, self.p.delay)
            self.c = Delayed(self.c, self.p.delay)
        up = threading.Thread(target=self.upload, daemon=True)
        down = threading.Thread(target=self.download, daemon=True)
        up.start()
        down.start()


def serve(args):
    opts = {"after": None, "at": None, "nth": 1, "offset": 0, "times": 1,
            "action": None, "capture": None, "target-file": None,
            "delay": 0}
    target = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--after", "--at", "--nth", "--offset", "--action",
                 "--capture", "--times", "--target-file", "--delay"):
            if i + 1 >= len(args):
                sys.exit("sw-proxy: %s needs a value" % a)
            v = args[i + 1]
            key = a[2:]
            opts[key] = int(v) if key in ("after", "nth", "offset",
                                          "times", "delay") else v
            i += 2
            continue
        if a.startswith("-") or target is not None:
            sys.exit("sw-proxy: unexpected %s" % a)
        target = int(a)
        i += 1
    if (target is None) == (opts["target-file"] is None):
        sys.exit("usage: sw-proxy.py [options] TARGET-PORT | "
                 "--target-file FILE")
    if target is None:
        target = opts["target-file"]
    if opts["action"] not in (None, "cut", "stall", "cut-reply",
                              "stall-reply", "hold-reply", "flip"):
        sys.exit("sw-proxy: unknown action %s" % opts["action"])
    if opts["action"] and opts["after"] is None and opts["at"] is None:
        sys.exit("sw-proxy: --action needs --after or --at")
    p = Proxy(target, opts["capture"], opts["after"], opts["at"],
              opts["nth"], opts["offset"], opts["action"], opts["times"],
              opts["delay"])
    def disarm(*_):
        p.fired = True
    signal.signal(signal.SIGUSR1, disarm)
    signal.signal(signal.SIGUSR2, lambda *_: p.release.set())
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    p.say("listening on 127.0.0.1:%d" % ls.getsockname()[1])
    while True:
        c, _ = ls.accept()
        with p.lock:
            p.nconn += 1
            n = p.nconn
        Conn(p, c, n).run()


# ---- decoding captures ----

def parse_messages(data, is_request):
    """Yield (start_line, headers, body, complete) from one HTTP stream."""
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            yield data[pos:].split(b"\r\n", 1)[0], {}, b"", False
            return
        head = data[pos:end].split(b"\r\n")
        start = head[0]
        headers = {}
        for h in head[1:]:
            k, _, v = h.partition(b":")
            headers[k.strip().lower().decode("latin-1")] = \
                v.strip().decode("latin-1")
        pos = end + 4
        body = b""
        complete = True
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                le = data.find(b"\r\n", pos)
                if le < 0:
                    complete = False
                    pos = len(data)
                    break
                try:
                    size = int(data[pos:le].split(b";")[0], 16)
                except ValueError:
                    complete = False
                    pos = len(data)
                    break
                pos = le + 2
                if size == 0:
                    te = data.find(b"\r\n\r\n", pos - 2)
                    pos = len(data) if te < 0 else te + 4
                    break
                body += data[pos:pos + size]
                if pos + size > len(data):
                    complete = False
                pos += size + 2
        elif "content-length" in headers:
            n = int(headers["content-length"])
            body = data[pos:pos + n]
            complete = len(body) == n
            pos += n
        elif not is_request and not start.startswith(b"HTTP/1.1 1"):
            body = data[pos:]
            pos = len(data)
        yield start, headers, body, complete


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sync2_json(b):
    """A POST /v2/sync body (stepwise-protocol(7), VERSIONS 2 and 3) as
    JSON text of the same members, binary values in base64url; a version
    3 run's records name their run's index in "runs". None when it does
    not parse."""
    if len(b) < 34 + 64 or b[0] not in (2, 3):
        return None
    out = {"v": b[0], "device": b[1:17].hex(),
           "time": int.from_bytes(b[17:25], "big"),
           "after": int.from_bytes(b[25:33], "big"), "records": [],
           "runs": []}
    o, end = 34, len(b) - 64

    def k_ct(o, extra, block):
        if o >= end:
            return None
        k = b[o] & 0x7f
        if b[o] & 0x80:
            o += 1
            if o >= end:
                return None
            k |= b[o] << 7
        o += 1
        n = extra + k * block
        if k == 0 or o + n > end:
            return None
        return o + n, b[o:o + n]

    while len(out["records"]) < b[33]:
        if o >= end:
            return None
        v = b[o]
        if v == 3 and b[0] == 3:
            if o + 34 > end:
                return None
            prev, m = b[o + 1:o + 33], b[o + 33]
            o += 34
            run = len(out["runs"])
            for _ in range(m):
                rid = b[o:o + 16].hex()
                got = k_ct(o + 16, 16, 128)
                if got is None:
                    return None
                o, ct = got
                out["records"].append({"v": 3, "id": rid, "run": run,
                                       "ciphertext": b64url(ct)})
            if m == 0 or o + 64 > end:
                return None
            out["runs"].append({"prev": b64url(prev), "n": m,
                                "signature": b64url(b[o:o + 64])})
            o += 64
            continue
        if v not in (1, 2) or o + 82 > end:
            return None
        rid, sig = b[o + 1:o + 17].hex(), b[o + 17:o + 81]
        got = k_ct(o + 81, 48, 256 if v == 1 else 160)
        if got is None:
            return None
        o, ct = got
        out["records"].append({"v": v, "id": rid,
                               "ciphertext": b64url(ct),
                               "signature": b64url(sig)})
    if o != end or len(out["records"]) != b[33]:
        return None
    out["signature"] = b64url(b[end:])
    return json.dumps(out, separators=(",", ":")).encode()


def decode_body(headers, body):
    enc = headers.get("content-encoding", "").lower()
    if enc in ("deflate", "gzip", "x-gzip"):
        for wbits in (47, -15):
            try:
                d = zlib.decompressobj(wbits)
                return d.decompress(body) + d.flush()
            except zlib.error:
                continue
    if headers.get("content-type", "").lower().startswith(
            "application/octet-stream"):
        j = sync2_json(body)
        if j is not None:
            return j
    return body


def conns(prefix):
    d = os.path.dirname(prefix) or "."
    base = os.path.basename(prefix)
    ns = set()
    for f in os.listdir(d):
        m = re.fullmatch(re.escape(base) + r"\.(\d+)\.(up|down)", f)
        if m:
            ns.add(int(m.group(1)))
    for n in sorted(ns):
        def rd(way):
            try:
                with open("%s.%d.%s" % (prefix, n, way), "rb") as f:
                    return f.read()
            except OSError:
                return b""
        yield n, rd("up"), rd("down")


B64 = re.compile(rb"[A-Za-z0-9_\-+/]{16,}={0,2}")


def b64_values(body):
    out = []
    for m in B64.finditer(body):
        s = m.group(0).rstrip(b"=")
        for alt in (s, s.replace(b"-", b"+").replace(b"_", b"/")):
            try:
                out.append(base64.b64decode(alt + b"=" * (-len(alt) % 4),
                                            altchars=None, validate=True))
                break
            except ValueError:
                continue
    return out


def decode(args):
    if not args:
        sys.exit("usage: sw-proxy.py decode PREFIX [--b64]")
    prefix, b64 = args[0], "--b64" in args[1:]
    w = sys.stdout.buffer
    for n, up, down in conns(prefix):
        for way, data in (("up", up), ("down", down)):
            for start, headers, body, complete in parse_messages(
                    data, way == "up"):
                plain = decode_body(headers, body)
                w.write(b"== %d %s %s%s\n" % (n, way.encode(), start,
                        b"" if complete else b" (cut short)"))
                w.write(plain + b"\n")
                if b64:
                    for v in b64_values(plain):
                        w.write(b"-- b64: " + v + b"\n")


def requests(args):
    if not args:
        sys.exit("usage: sw-proxy.py requests PREFIX")
    for n, up, down in conns(args[0]):
        answers = []
        for s, h, b, c in parse_messages(down, False):
            try:
                t = decode_body(h, b).decode("utf-8") if c else None
            except UnicodeDecodeError:
                t = None
            answers.append((s, t))
        for i, (start, headers, body, complete) in enumerate(
                parse_messages(up, True)):
            parts = start.decode("latin-1").split(" ")
            text = None
            if complete:
                try:
                    text = decode_body(headers, body).decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            status = answer = None
            if i < len(answers):
                a = answers[i][0].decode("latin-1").split(" ")
                if len(a) > 1 and a[1].isdigit():
                    status = int(a[1])
                answer = answers[i][1]
            print(json.dumps({"conn": n, "method": parts[0],
                              "target": parts[1] if len(parts) > 1 else "",
                              "status": status, "body": text,
                              "answer": answer}))


def main():
    a = sys.argv[1:]
    if a and a[0] == "decode":
        decode(a[1:])
    elif a and a[0] == "requests":
        requests(a[1:])
    else:
        try:
            serve(a)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""test_malformed.py: a table of malformed inputs, each with the clear error
it must get and a check that nothing changed (issue 18, section 5).

  test_malformed.py STEPWISE STEPWISE-CLINIC CONTENT-DIR

- content files: stepwise check-content on a copy of the content with one
  file changed; the error names the file and the JSON path or line, and the
  copy is left as it was;
- enrollment files: stepwise enroll FILE on a real profile; the error names
  the file and the JSON path (or line), and the profile's bytes are the
  same after;
- request bodies: POSTed to the real stepwise-clinic serve; the answer is
  the protocol's error code with a message, and the database holds the
  same rows after;
- server replies: stepwise sync against a server that registers the
  device and then answers with the reply of the case; the patient is told
  in plain words, and the queue holds the same records after.
Prints one line a case and "N passed, N failed".
"""
import copy
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib

SW, SC, CONTENT = sys.argv[1], sys.argv[2], sys.argv[3]
PW = b"a long enough passphrase\n"
T = tempfile.mkdtemp(suffix=".stepwise-malformed")
passed = failed = 0
VERBOSE = os.environ.get("VERBOSE") == "1"


def result(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - " + name)
        for line in detail.splitlines()[:20]:
            print("    " + line)


def tree_hash(d):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(d)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(p.encode() + b"\0")
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def run(args, stdin=b"", env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(args, input=stdin, capture_output=True, env=e,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


# ---- content files -----------------------------------------------------

def set_path(doc, path, value):
    """path: a list of keys and indexes; value DELETE removes the member."""
    for k in path[:-1]:
        doc = doc[k]
    if value is DELETE:
        del doc[path[-1]]
    else:
        doc[path[-1]] = value


DELETE = object()


def j(file, path, value):
    """A JSON change: the member at path set to value (or deleted)."""
    def change(d):
        f = os.path.join(d, file)
        doc = json.load(open(f))
        set_path(doc, path, value)
        json.dump(doc, open(f, "w"), indent=1)
    return change


def raw(file, fn):
    """A change to the bytes of a file (fn: old bytes -> new bytes)."""
    def change(d):
        f = os.path.join(d, file)
        old = open(f, "rb").read() if os.path.exists(f) else b""
        open(f, "wb").write(fn(old))
    return change


def dup_first(file, path):
    """The first element of the array at path twice over."""
    def change(d):
        f = os.path.join(d, file)
        doc = json.load(open(f))
        a = doc
        for k in path:
            a = a[k]
        a.append(copy.deepcopy(a[0]))
        json.dump(doc, open(f, "w"), indent=1)
    return change


PHQ, TR, PRG, SAF = ("measures/phq9.json", "exercises/thought-record.json",
                     "programme.json", "safety/en-GB.json")
LES = "lessons/how-stepwise-works.md"
ESC = "Help \x1b[2J now"
BIDI = "Samaritans \u202e"

CONTENT_CASES = [
    # (name, change, file named, expected words after "FILE: ")
    ("measure item text not a string", j(PHQ, ["items", 2, "text"], 5),
     PHQ, r"\$\.items\[2\]\.text: must be a string"),
    ("measure item text missing", j(PHQ, ["items", 0, "text"], DELETE),
     PHQ, r"\$\.items\[0\]\.text: "),
    ("measure option value a string", j(PHQ, ["options", 1, "value"], "one"),
     PHQ, r"\$\.options\[1\]\.value: "),
    ("measure key misspelt", j(PHQ, ["treshold"], 3),
     PHQ, r"\$\.treshold: "),
    ("measure id not an id", j(PHQ, ["id"], "PHQ 9!"),
     PHQ, r"\$\.id: "),
    ("measure risk item out of range", j(PHQ, ["risk_items", 0, "item"], 42),
     PHQ, r"\$\.risk_items\[0\]\.item: "),
    ("measure band past the maximum", j(PHQ, ["bands", -1, "max"], 99),
     PHQ, r"\$\.bands"),
    ("measure items empty", j(PHQ, ["items"], []),
     PHQ, r"\$\.items: "),
    ("measure cut short", raw(PHQ, lambda b: b[:len(b) // 2]),
     PHQ, r"line \d+, column \d+: this is not valid JSON"),
    ("measure with a NUL byte", raw(PHQ, lambda b: b[:10] + b"\0" + b[10:]),
     PHQ, r"the file contains a NUL byte"),
    ("measure item text with a terminal control",
     j(PHQ, ["items", 0, "text"], ESC), PHQ, r"\$\.items\[0\]\.text: .*control"),
    ("exercise field type unknown", j(TR, ["fields", 0, "type"], "colour"),
     TR, r"\$\.fields\[0\]\.type: "),
    ("exercise without fields", j(TR, ["fields"], []),
     TR, r"\$\.fields: must have 1 to"),
    ("exercise minutes zero", j(TR, ["minutes"], 0),
     TR, r"\$\.minutes: "),
    ("exercise field id twice", dup_first(TR, ["fields"]),
     TR, r"\$\.fields\[\d+\]\.id: .*used by another field"),
    ("exercise id not its file's", j(TR, ["id"], "goals"),
     TR, r"\$\.id: is \"goals\" but the file name says"),
    ("exercise format 2", j(TR, ["format"], 2),
     TR, r"\$\.format: format 2 is not supported"),
    ("exercise title with a terminal control", j(TR, ["title"], ESC),
     TR, r"\$\.title: .*control"),
    ("exercise not an object", raw(TR, lambda b: b"[1, 2]"),
     TR, r"\$: must be a JSON object"),
    ("programme names a lesson that is not there",
     j(PRG, ["modules", 0, "lessons", 0, "id"], "no-such-lesson"),
     "lessons/no-such-lesson.md", r"cannot read the lesson"),
    ("programme without modules", j(PRG, ["modules"], []),
     PRG, r"\$\.modules: must have at least one module"),
    ("programme module twice", dup_first(PRG, ["modules"]),
     PRG, r"\$\.modules\[\d+\]\.id: .*used by another module"),
    ("programme key unknown", j(PRG, ["colour"], "blue"),
     PRG, r"\$\.colour: "),
    ("programme names a measure that is not there",
     j(PRG, ["modules", 0, "checkins"], ["nope"]),
     "measures/nope.json", r"cannot read the file"),
    ("safety file without contacts", j(SAF, ["contacts"], []),
     SAF, r"\$\.contacts: must name at least one contact"),
    ("safety contact without a phone",
     j(SAF, ["contacts", 0, "phone"], DELETE), SAF, r"\$\.contacts\[0\]\.phone: "),
    ("safety review date not a date",
     j(SAF, ["contacts", 0, "reviewed"], "2026-13-45"),
     SAF, r"\$\.contacts\[0\]\.reviewed: "),
    ("safety contact name with a bidi override",
     j(SAF, ["contacts", 0, "name"], BIDI), SAF, r"\$\.contacts\[0\]\.name: "),
    ("lesson that is not UTF-8", raw(LES, lambda b: b + b"\n\nbad \xff\xfe\n"),
     LES, r"line \d+"),
    ("lesson with a terminal control",
     raw(LES, lambda b: b + b"\n\nclear \x1b[2J screen\n"), LES, r"line \d+"),
    ("lesson with a control as a character reference",
     raw(LES, lambda b: b + b"\n\nclear &#27;[2J screen\n"), LES,
     r"line \d+: this text .*character reference"),
    ("lesson with an 8-bit CSI as a hex reference, emphasised",
     raw(LES, lambda b: b + b"\n\nsee *&#x9b;2J* here\n"), LES,
     r"line \d+: this text .*character reference"),
    ("lesson with a bidi override as a reference",
     raw(LES, lambda b: b + b"\n\nSamaritans &#x202e; now\n"), LES,
     r"line \d+: this text .*character reference"),
    ("lesson without its heading",
     raw(LES, lambda b: b"Just a paragraph.\n"), LES, r""),
    ("lesson nobody can reach", raw("lessons/orphan.md", lambda b: b"# Orphan\n"),
     "lessons/orphan.md", r"is not named anywhere in programme.json"),
]


def content_cases():
    for name, change, file, want in CONTENT_CASES:
        d = os.path.join(T, "content")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(CONTENT, d)
        change(d)
        before = tree_hash(d)
        rc, out, err = run([SW, "check-content", d])
        text = out + err
        pat = re.escape(os.path.join(d, file)) + r": " + want
        if VERBOSE:
            print(text)
        ok = rc != 0 and re.search(pat, text) is not None
        result(ok and tree_hash(d) == before,
               "content: %s: %s names it" % (name, file),
               "exit %d, wanted /%s/ in:\n%s" % (rc, pat, text))


# ---- enrollment files --------------------------------------------------

def enrollment_cases():
    c = os.path.join(T, "clinic")
    run([SC, "init", c, "--name", "Test Clinic"])
    good = os.path.join(T, "good.json")
    rc, out, err = run([SC, "enroll", "--dir", c, "--patient", "R1", "-o",
                        good])
    d = os.path.join(T, "profile")
    rc, out, err = run([SW, "--data-dir", d, "--passphrase-fd", "0",
                        "init"], PW)
    base = json.load(open(good))
    result(rc == 0, "enrollment: a profile to enroll", err)

    def e(**kw):
        def change(doc):
            for k, v in kw.items():
                if v is DELETE:
                    del doc[k]
                else:
                    doc[k] = v
            return json.dumps(doc, indent=1).encode()
        return change

    def text(b):
        return lambda doc: b

    cases = [
        ("no stepwise_enrollment", e(stepwise_enrollment=DELETE),
         r"\$\.stepwise_enrollment: is missing"),
        ("a newer format", e(stepwise_enrollment=2), r"newer version of Stepwise"),
        ("format not 1", e(stepwise_enrollment="1"),
         r"\$\.stepwise_enrollment: must be 1"),
        ("plain http to another host", e(url="http://clinic.example.org"),
         r"\$\.url: "),
        ("an address that is not one", e(url="clinic"), r"\$\.url: "),
        ("a box key too short", e(clinic_box_pk="AAAA"), r"\$\.clinic_box_pk: "),
        ("no signing key", e(clinic_sign_pk=DELETE), r"\$\.clinic_sign_pk: "),
        ("a token that is not base64url", e(token="not base64!"), r"\$\.token: "),
        ("expires_at not a number", e(expires_at="soon"), r"\$\.expires_at: "),
        ("a contact name with a terminal control",
         e(contact={"name": ESC}), r"\$\.contact\.name: "),
        ("a contact field unknown",
         e(contact={"name": "X", "fax": "1"}), r"\$\.contact\.fax: "),
        ("crisis not a list", e(crisis={}), r"\$\.crisis: "),
        ("a crisis contact without a name",
         e(crisis=[{"phone": "116 123"}]), r"\$\.crisis\[0\]\.name: "),
        ("a TLS pin not in libcurl's form", e(tls_pin="sha256//short"),
         r"\$\.tls_pin: "),
        ("share_default unknown", e(share_default="maybe"),
         r"\$\.share_default: must be ask"),
        ("a field unknown", e(colour="blue"), r"\$\.colour: "),
        ("not JSON", text(b'{"stepwise_enrollment": 1,\n "url": }'),
         r"line 2, column \d+: this is not valid JSON"),
        ("a key twice", text(b'{"stepwise_enrollment": 1, "stepwise_enrollment": 1}'),
         r"not a usable enrollment file: .*twice"),
        ("not UTF-8", text(b'{"stepwise_enrollment": 1, "clinic": "\xff"}'),
         r"not a usable enrollment file"),
    ]
    db = os.path.join(d, "default.db")
    for name, change, want in cases:
        f = os.path.join(T, "bad.json")
        open(f, "wb").write(change(copy.deepcopy(base)))
        before = open(db, "rb").read()
        rc, out, err = run([SW, "--data-dir", d, "--passphrase-fd", "0",
                            "enroll", "--no-sync", "--send-earlier", f], PW)
        text_ = out + err
        pat = re.escape(f) + r".*" + want
        if VERBOSE:
            print(text_)
        ok = rc != 0 and re.search(pat, text_) is not None
        result(ok and open(db, "rb").read() == before and
               not os.path.exists(db + "-wal") or
               ok and open(db, "rb").read() == before,
               "enrollment: %s: named in the error" % name,
               "exit %d, wanted /%s/ in:\n%s" % (rc, pat, text_))


# ---- request bodies ----------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def rows(dbfile):
    con = sqlite3.connect("file:%s?mode=ro" % dbfile, uri=True)
    n = [con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
         for t in ("tokens", "devices", "records", "messages")]
    con.close()
    return n


def request_cases():
    c = os.path.join(T, "server")
    run([SC, "init", c, "--name", "Test Clinic"])
    run([SC, "enroll", "--dir", c, "--patient", "R2", "-o",
         os.path.join(T, "r2.json")])
    port = free_port()
    log = open(os.path.join(T, "serve.log"), "w")
    srv = subprocess.Popen([SC, "serve", "--dir", c, "--listen",
                            "127.0.0.1:%d" % port, "--rate", "0"],
                           stdout=log, stderr=log)
    try:
        result(wait_port(port), "requests: the server listens")
        dev = "00112233445566778899aabbccddeeff"
        b64_32 = "A" * 43
        b64_64 = "A" * 86
        rec = {"id": "0" * 32, "ciphertext": "A" * 406, "signature": b64_64}
        reg = {"v": 1, "token_pk": b64_32, "device": dev, "box_pk": b64_32,
               "sign_pk": b64_32, "request_pk": b64_32, "signature": b64_64}

        def body(o):
            return json.dumps(o).encode()

        cases = [
            ("not JSON", "/v1/records", b"{not json", {}, 400, "malformed_json"),
            ("a key twice", "/v1/records", b'{"v":1,"v":1}', {}, 400,
             "malformed_json"),
            ("a number with a fraction", "/v1/records",
             b'{"v":1.5,"device":"x","records":[]}', {}, 400, "malformed_json"),
            ("a string that is not UTF-8", "/v1/records",
             b'{"v":1,"device":"\xff"}', {}, 400, "malformed_json"),
            ("two objects", "/v1/records", b'{"v":1} {"v":1}', {}, 400,
             "malformed_json"),
            ("version 2", "/v1/records", body({"v": 2}), {}, 400,
             "unsupported_version"),
            ("no version", "/v1/records", body({"device": dev}), {}, 400,
             "bad_request"),
            ("a field unknown", "/v1/records",
             body({"v": 1, "device": dev, "records": [rec], "x": 1}), {}, 400,
             "bad_request"),
            ("records not a list", "/v1/records",
             body({"v": 1, "device": dev, "records": {}}), {}, 400,
             "bad_request"),
            ("65 records", "/v1/records",
             body({"v": 1, "device": dev, "records": [rec] * 65}), {}, 413,
             "too_large"),
            ("a device nobody registered", "/v1/records",
             body({"v": 1, "device": dev, "records": [rec]}), {}, 401,
             "unknown_device"),
            ("deflate named, plain sent", "/v1/records",
             body({"v": 1}), {"Content-Encoding": "deflate"}, 400,
             "bad_encoding"),
            ("a coding unknown", "/v1/records", zlib.compress(body({"v": 1})),
             {"Content-Encoding": "br"}, 415, "unsupported_encoding"),
            ("a registration key not base64url", "/v1/enroll",
             body(dict(reg, box_pk="!!")), {}, 400, "bad_request"),
            ("a registration with a token nobody issued", "/v1/enroll",
             body(reg), {}, 401, "unknown_token"),
            ("a body that is not JSON's media type", "/v1/enroll", body(reg),
             {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ]
        dbf = os.path.join(c, "db", "clinic.db")
        for name, target, data, headers, status, code in cases:
            before = rows(dbf)
            h = {"Content-Type": "application/json"}
            h.update(headers)
            req = urllib.request.Request("http://127.0.0.1:%d%s" % (port,
                                         target), data=data, headers=h)
            try:
                r = urllib.request.urlopen(req, timeout=30)
                got, answer = r.status, r.read()
            except urllib.error.HTTPError as ex:
                got, answer = ex.code, ex.read()
            try:
                a = json.loads(answer)
            except ValueError:
                a = {}
            ok = got == status and a.get("error") == code and \
                isinstance(a.get("message"), str) and a["message"] != ""
            result(ok and rows(dbf) == before,
                   "request: %s: %d %s with a message" % (name, status, code),
                   "got %d %r" % (got, answer[:300]))
    finally:
        srv.terminate()
        srv.wait()
        log.close()


# ---- server replies ----------------------------------------------------

class Replies(http.server.BaseHTTPRequestHandler):
    """Registers any device; answers everything else with the case's reply."""
    reply = (200, b"{}", {})

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        data = self.rfile.read(n)
        if self.path == "/v1/enroll":
            try:
                dev = json.loads(zlib.decompress(data))["device"]
            except Exception:
                dev = "?"
            self.send(201, json.dumps({"device": dev,
                                       "registered_at": 1790000000}).encode(),
                      {})
        else:
            self.send(*Replies.reply)

    def do_GET(self):
        self.send(*Replies.reply)

    def send(self, status, body, headers):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def queue(dbf):
    con = sqlite3.connect("file:%s?mode=ro" % dbf, uri=True)
    n = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    con.close()
    return n


def reply_cases():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Replies)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    c = os.path.join(T, "clinic3")
    run([SC, "init", c, "--name", "Test Clinic", "--url",
         "http://127.0.0.1:%d" % port])
    f = os.path.join(T, "r3.json")
    run([SC, "enroll", "--dir", c, "--patient", "R3", "-o", f])
    d = os.path.join(T, "profile3")
    run([SW, "--data-dir", d, "--passphrase-fd", "0", "init"], PW)
    rc, out, err = run([SW, "--data-dir", d, "--passphrase-fd", "0",
                        "checkin", "phq9"], PW + b"1\n" * 8 + b"0\n1\n\n")
    rc2, out2, err2 = run([SW, "--data-dir", d, "--passphrase-fd", "0",
                           "enroll", "--no-sync", "--send-earlier", f], PW)
    dbf = os.path.join(d, "default.db")
    result(rc2 == 0 and queue(dbf) >= 1,
           "replies: an enrolled profile with a record queued",
           out + err + out2 + err2)
    not_understood = r"answer Stepwise does not understand"
    cases = [
        ("200 that is not JSON", (200, b"<html>hello</html>", {}), not_understood),
        ("200 cut short", (200, b'{"acked":["', {}), not_understood),
        ("200 with a field unknown",
         (200, b'{"acked":[],"duplicate":[],"x":1}', {}), not_understood),
        ("200 acknowledging nothing", (200, b'{"acked":[],"duplicate":[]}', {}),
         not_understood),
        ("200 acknowledging an id never sent",
         (200, b'{"acked":["' + b"0" * 32 + b'"],"duplicate":[]}', {}),
         not_understood),
        ("200 with a key twice",
         (200, b'{"acked":[],"acked":[],"duplicate":[]}', {}), not_understood),
        ("500 with a web page", (500, b"<h1>Internal</h1>", {}),
         r"the clinic's server has a problem"),
        ("400 with a code the protocol lacks",
         (400, b'{"error":"\x1b[2Jgotcha","message":"x"}', {}),
         r"did not accept what Stepwise sent.*reference"),
        ("302 to elsewhere", (302, b"", {"Location": "http://example.org/"}),
         r"sign in first"),
        # Last: its Retry-After holds every later run.
        ("503 busy", (503, b"", {"Retry-After": "30"}),
         r"the clinic's server is busy"),
    ]
    for name, reply, want in cases:
        Replies.reply = reply
        before = queue(dbf)
        rc, out, err = run([SW, "--data-dir", d, "sync"], b"")
        text = out + err
        if VERBOSE:
            print(text)
        ok = rc != 0 and re.search(want, text) is not None and \
            "\x1b" not in text
        result(ok and queue(dbf) == before,
               "reply: %s: the patient is told, the queue kept" % name,
               "exit %d, wanted /%s/ in:\n%s" % (rc, want, text))
    srv.shutdown()


try:
    content_cases()
    enrollment_cases()
    request_cases()
    reply_cases()
finally:
    shutil.rmtree(T, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)

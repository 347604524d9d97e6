#!/bin/bash
# test_clinic.sh: stepwise-clinic init and enroll: key files and modes, the
# configuration, the enrollment file, and the signed token row, checked
# independently with OpenSSL's Ed25519; the pins and clinic.json fields
# enroll refuses because a patient's Stepwise would; and that nothing
# enroll frees still holds the token.
#   test_clinic.sh STEPWISE-CLINIC
set -u
SC=$1
. "$(dirname "$0")/../tools/clinic.sh"
T=$(mktemp -d --suffix=.stepwise-clinic)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -20; }
mode() { stat -c %a "$1"; }

"$SC" --help | grep -q Usage && ok "--help" || bad "--help"
"$SC" --version | grep -qx "stepwise-clinic [0-9.]*" && ok "--version" || bad "--version"
"$SC" frob >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown command exits 2" || bad "unknown command"

# init: keys, modes, configuration, database.
"$SC" init "$T/c" --name "Riverside Talking Therapies" >"$T/out" 2>&1 && ok "init" || bad "init" "$(cat "$T/out")"
[ "$(mode "$T/c")" = 700 ] && ok "clinic folder 0700" || bad "folder mode $(mode "$T/c")"
[ "$(mode "$T/c/box.sk")" = 600 ] && [ "$(mode "$T/c/sign.sk")" = 600 ] && ok "secret keys 0600" || bad "secret key modes"
[ "$(mode "$(clinic_db "$T/c")")" = 600 ] && ok "database 0600" || bad "db mode"
# The server's account reads these (stepwise-clinic(8), FILES), whatever
# the umask stepwise-clinic runs under.
[ "$(mode "$T/c/box.pk")" = 644 ] && [ "$(mode "$T/c/sign.pk")" = 644 ] && [ "$(mode "$T/c/clinic.json")" = 644 ] &&
    ok "public keys and clinic.json 0644" || bad "public modes: box.pk $(mode "$T/c/box.pk"), sign.pk $(mode "$T/c/sign.pk"), clinic.json $(mode "$T/c/clinic.json")"
[ $(stat -c %s "$T/c/box.pk") -eq 32 ] && [ $(stat -c %s "$T/c/sign.sk") -eq 64 ] && ok "key sizes" || bad "key sizes"
python3 -c '
import json,sys; c = json.load(open(sys.argv[1]))
assert c["url"] == "http://127.0.0.1:8470" and c["name"] == "Riverside Talking Therapies"' "$T/c/clinic.json" && ok "configuration with the default trial URL" || bad "clinic.json"
before=$(sha256sum "$T/c/box.sk" "$T/c/sign.sk")
"$SC" init "$T/c" >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ "$(sha256sum "$T/c/box.sk" "$T/c/sign.sk")" = "$before" ] && ok "init refuses an existing clinic and keeps its keys" || bad "re-init" "$(cat "$T/err")"
# A failed init leaves nothing behind: the database cannot be written
# (files are held under 1 KiB; SIGXFSZ ignored, so write fails instead).
( trap '' XFSZ; ulimit -f 1; exec "$SC" init "$T/half" ) >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ ! -e "$T/half" ] && ok "init that fails part-way removes what it made, folder and all" ||
    bad "half-made init: status $st, left: $(ls -A "$T/half" 2>&1)" "$(cat "$T/err")"
mkdir "$T/keep" && echo "someone's notes" >"$T/keep/notes.txt"
( trap '' XFSZ; ulimit -f 1; exec "$SC" init "$T/keep" ) >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ "$(ls -A "$T/keep")" = notes.txt ] && ok "in a folder that was there, only what init made is removed" ||
    bad "half-made init in an existing folder: $st, left: $(ls -A "$T/keep")" "$(cat "$T/err")"
"$SC" init "$T/keep" >/dev/null 2>"$T/err" && [ -s "$T/keep/box.sk" ] && ok "and init then succeeds there" || bad "init after a failed one" "$(cat "$T/err")"
mkdir "$T/stray" && : >"$T/stray/sign.sk"
"$SC" init "$T/stray" >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "already holds sign.sk" "$T/err" && [ "$(ls -A "$T/stray")" = sign.sk ] && ok "a folder holding a key file is refused, untouched" ||
    bad "stray key: $st, $(ls -A "$T/stray")" "$(cat "$T/err")"
"$SC" init "$T/bad" --url http://example.org >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "plain http" "$T/err" && [ ! -e "$(clinic_db "$T/bad")" ] && ok "plain http to another host refused" || bad "http url" "$(cat "$T/err")"
"$SC" init "$T/bad2" --url http://localhost:8470 >/dev/null 2>&1; [ $? -eq 1 ] && ok "http://localhost refused (resolver could send it away)" || bad "localhost"
"$SC" init "$T/tls" --url https://stepwise.riverside.example >/dev/null 2>&1 && ok "https URL accepted" || bad "https url"

# enroll: the file, the token row, and the clinic's signature over it.
cd "$T" || exit 1
t0=$(date +%s)
"$SC" enroll --dir "$T/c" --patient RT-0042 >"$T/out" 2>&1 && ok "enroll" || bad "enroll" "$(cat "$T/out")"
f="$T/enroll-RT-0042.json"
[ "$(mode "$f")" = 600 ] && ok "enrollment file 0600" || bad "enrollment mode"
grep -Eq "fingerprint:" "$T/out" && grep -Eq "^  ([0-9a-f]{4} ){7}[0-9a-f]{4}$" "$T/out" && ok "prints the clinic fingerprint" || bad "fingerprint" "$(cat "$T/out")"
python3 - "$f" "$T/c" "$t0" <<'PY' && ok "enrollment file: keys, token, expiry, contact" || bad "enrollment JSON"
import base64, json, sys
e = json.load(open(sys.argv[1])); d = sys.argv[2]; t0 = int(sys.argv[3])
b = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
assert e["stepwise_enrollment"] == 1 and e["clinic"] == "Riverside Talking Therapies"
assert e["url"] == "http://127.0.0.1:8470"
assert b(e["clinic_box_pk"]) == open(d + "/box.pk", "rb").read()
assert b(e["clinic_sign_pk"]) == open(d + "/sign.pk", "rb").read()
assert len(b(e["token"])) == 32 and "=" not in e["token"]
assert abs(e["expires_at"] - (t0 + 14 * 86400)) < 60
assert e["contact"]["name"] and e["crisis"] == []
assert "RT-0042" not in open(sys.argv[1]).read()   # nothing about the patient
PY
# The database holds the token's public key, never the token.
python3 - "$f" >"$T/seed.hex" <<'PY'
import base64, json, sys
t = json.load(open(sys.argv[1]))["token"]
print(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).hex())
PY
echo "302e020100300506032b657004220420$(cat "$T/seed.hex")" | xxd -r -p >"$T/tok.der"
openssl pkey -inform DER -in "$T/tok.der" -pubout -outform DER 2>/dev/null | tail -c 32 | xxd -p -c 64 >"$T/tokpk.hex"
sqlite3 "$(clinic_db "$T/c")" "SELECT hex(token_pk), patient, expires_at, hex(signature) FROM tokens" >"$T/row"
IFS='|' read -r dbpk patient exp sig <"$T/row"
[ "${dbpk,,}" = "$(cat "$T/tokpk.hex")" ] && [ "$patient" = RT-0042 ] && ok "token row: the token's Ed25519 public key and the patient" || bad "token row" "$(cat "$T/row") $(cat "$T/tokpk.hex")"
! grep -q "$(cat "$T/seed.hex" | tr a-f A-F)" "$T/row" && ! sqlite3 "$(clinic_db "$T/c")" .dump | grep -qi "$(cat "$T/seed.hex")" && ok "the token itself is not in the database" || bad "token stored"
# "stepwise-token-v1\0" || token_pk || expires_at (8 bytes BE) || patient
{ printf 'stepwise-token-v1\0'; xxd -r -p "$T/tokpk.hex"; printf '%016x' "$exp" | xxd -r -p; printf 'RT-0042'; } >"$T/msg"
echo "$sig" | xxd -r -p >"$T/sig"
{ printf '302a300506032b6570032100' | xxd -r -p; cat "$T/c/sign.pk"; } >"$T/sign.der"
openssl pkeyutl -verify -pubin -inkey "$T/sign.der" -keyform DER -rawin -in "$T/msg" -sigfile "$T/sig" >/dev/null 2>&1 && ok "the clinic's signature over the token row verifies" || bad "token signature"
printf 'X' | cat "$T/msg" - >"$T/msg2"
! openssl pkeyutl -verify -pubin -inkey "$T/sign.der" -keyform DER -rawin -in "$T/msg2" -sigfile "$T/sig" >/dev/null 2>&1 && ok "and fails for another patient reference" || bad "signature check cannot fail"

# Refusals change nothing.
"$SC" enroll --dir "$T/c" --patient RT-0042 >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ "$(sqlite3 "$(clinic_db "$T/c")" 'SELECT count(*) FROM tokens')" = 1 ] && ok "an existing enrollment file is never overwritten; no token is added" || bad "overwrite" "$(cat "$T/err")"
"$SC" enroll --dir "$T/c" --patient 'no spaces' >/dev/null 2>&1; [ $? -eq 1 ] && ok "a bad patient reference is refused" || bad "patient ref"
"$SC" enroll --dir "$T/nowhere" --patient P1 >/dev/null 2>"$T/err"; [ $? -eq 1 ] && grep -q "stepwise-clinic init" "$T/err" && ok "not a clinic folder: says how to make one" || bad "nowhere" "$(cat "$T/err")"
"$SC" enroll --dir "$T/c" >/dev/null 2>&1; [ $? -eq 2 ] && ok "--patient is needed" || bad "--patient needed"
sed -i 's/"url"/"ur1"/' "$T/c/clinic.json"
"$SC" enroll --dir "$T/c" --patient P2 -o "$T/p2.json" >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q 'clinic.json: \$.ur1: is not a known field' "$T/err" && [ ! -e "$T/p2.json" ] && ok "a broken clinic.json is named by path; nothing written" || bad "broken config" "$(cat "$T/err")"
sed -i 's/"ur1"/"url"/' "$T/c/clinic.json"
"$SC" enroll --dir "$T/c" --patient P3 -o "$T/p3.json" --days 3 --tls-pin "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=" >/dev/null 2>&1 &&
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["tls_pin"].startswith("sha256//")' "$T/p3.json" && ok "--days and --tls-pin" || bad "days/pin"

# enroll refuses what the patient's Stepwise would refuse (the client's
# rules, stepwise-protocol(7), The enrollment file), naming what is wrong,
# and then writes nothing and adds no token.
tokens() { sqlite3 "$(clinic_db "$T/c")" 'SELECT count(*) FROM tokens'; }
# refuse WHAT PATTERN ENROLL-ARGS...: enroll fails, the error matches.
refuse() {
	local what=$1 pat=$2 n
	shift 2
	n=$(tokens)
	rm -f "$T/r.json"
	"$SC" enroll --dir "$T/c" --patient R1 -o "$T/r.json" "$@" >/dev/null 2>"$T/err"; st=$?
	[ $st -eq 1 ] && grep -q -e "$pat" "$T/err" && [ ! -e "$T/r.json" ] && [ "$(tokens)" = "$n" ] &&
	    ok "enroll refuses $what" || bad "enroll took $what: status $st" "$(cat "$T/err")"
}
accept() {
	local what=$1
	shift
	rm -f "$T/r.json"
	"$SC" enroll --dir "$T/c" --patient R1 -o "$T/r.json" "$@" >/dev/null 2>"$T/err" &&
	    ok "enroll accepts $what" || bad "enroll refused $what" "$(cat "$T/err")"
}
pin=sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J8=
pin2=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
refuse "a pin without its padding" "--tls-pin" --tls-pin "${pin%=}"
refuse "a pin that is not 32 bytes" "--tls-pin" --tls-pin "sha256//YWJj"
refuse "a pin in base64url" "--tls-pin" --tls-pin "sha256//58pM2KBGHYal9MQ7lkIvxvAgouvhDYXZdl307BRE8J-="
refuse "a pin list ending in ;" "--tls-pin" --tls-pin "$pin;"
refuse "an empty pin between two ;" "--tls-pin" --tls-pin "$pin;;$pin2"
refuse "a pin of sha256// alone" "--tls-pin" --tls-pin "sha256//"
accept "two pins joined by ;" --tls-pin "$pin;$pin2"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["tls_pin"] == sys.argv[2]' "$T/r.json" "$pin;$pin2" &&
    ok "and writes them as given" || bad "tls_pin written"
cp "$T/c/clinic.json" "$T/clinic.json.orig"
# conf PYTHON: clinic.json from the original, changed by a statement over c.
conf() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(c, open(sys.argv[3], "w"), ensure_ascii=False)' \
	    "$T/clinic.json.orig" "$1" "$T/c/clinic.json"
}
conf 'c["contact"]["phone"] = "1" * 201'
refuse "a contact phone of 201 characters" 'clinic.json: \$.contact.phone: must be at most 200 characters'
conf 'c["contact"]["hours"] = "\u00e9" * 200; c["crisis"] = [{"name": "\U0001f44d" * 200, "phone": "999"}]'
accept "200 characters of two and four bytes each"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["contact"]["hours"] == "\u00e9" * 200 and len(e["crisis"][0]["name"]) == 200' "$T/r.json" &&
    ok "and copies them into the file" || bad "200 characters copied"
conf 'c["name"] = "N" * 201'
refuse "a clinic name of 201 characters" 'clinic.json: \$.name: must be at most 200'
conf 'c["crisis"] = [{"name": "Samaritans", "phone": "116 123", "note": "x" * 201}]'
refuse "a crisis note of 201 characters" 'clinic.json: \$.crisis\[0\].note: must be at most 200'
conf 'c["crisis"] = ["Samaritans 116 123"]'
refuse "a crisis contact that is not an object" 'clinic.json: \$.crisis\[0\]: must be an object'
python3 - "$T/clinic.json.orig" "$T/c/clinic.json" <<'PY'
import sys
t = open(sys.argv[1]).read().replace('"contact":\t{', '"contact":\t{\n\t\t"phone":\t"1",\n\t\t"phone":\t"2",', 1)
assert t.count('"phone"') == 2
open(sys.argv[2], "w").write(t)
PY
refuse "a contact with a key twice" 'clinic.json: \$.contact.phone: appears twice'
conf 'c["contact"]["hours"] = "9-5"'
printf '%s' "$(sed 's/9-5/9-5 \xff/' "$T/c/clinic.json")" >"$T/c/clinic.json"
refuse "a contact field that is not UTF-8" 'clinic.json: \$.contact.hours: is not valid UTF-8'
cp "$T/clinic.json.orig" "$T/c/clinic.json"

# Nothing freed by enroll still holds the token or a secret key: every
# block freed (or given up by realloc) is copied out by a preloaded shim
# and searched. Not under AddressSanitizer, which must come first.
cat >"$T/freed.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int fd = -2;
static void (*next_free)(void *);
void
free(void *p)
{
	const char *path;

	if (next_free == NULL && (next_free = dlsym(RTLD_NEXT, "free")) == NULL)
		return;
	if (fd == -2)
		fd = (path = getenv("SW_FREED")) ? open(path,
		    O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
	if (p != NULL && fd >= 0 && write(fd, p, malloc_usable_size(p)) < 0)
		abort();
	next_free(p);
}
void *
realloc(void *p, size_t n)
{
	size_t	 old;
	void	*q;

	if (p == NULL)
		return malloc(n);
	old = malloc_usable_size(p);
	if ((q = malloc(n ? n : 1)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	free(p);
	return q;
}
C
if ldd "$SC" 2>/dev/null | grep -q libasan; then
	echo "ok - # SKIP freed-memory check: built with AddressSanitizer"
elif ! cc -shared -fPIC -o "$T/freed.so" "$T/freed.c" -ldl 2>"$T/err"; then
	echo "ok - # SKIP freed-memory check: no C compiler ($(head -1 "$T/err"))"
else
	rm -f "$T/freed" "$T/mem.json"
	SW_FREED=$T/freed LD_PRELOAD=$T/freed.so "$SC" enroll --dir "$T/c" --patient MEM -o "$T/mem.json" >/dev/null 2>"$T/err" ||
	    bad "enroll with the shim" "$(cat "$T/err")"
	python3 - "$T/mem.json" "$T/freed" "$T/c" <<'PY' && ok "no freed memory holds the token or a secret key" || bad "a secret is left in freed memory"
import base64, json, sys
e = json.load(open(sys.argv[1])); freed = open(sys.argv[2], "rb").read(); d = sys.argv[3]
b = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
# The shim sees what enroll frees: the public key's text is there.
assert e["clinic_box_pk"].encode() in freed, "the shim saw nothing"
for what, v in (("token", e["token"].encode()), ("raw token", b(e["token"])),
        ("box.sk", open(d + "/box.sk", "rb").read()), ("sign.sk", open(d + "/sign.sk", "rb").read()[:32])):
    if v in freed:
        sys.exit("found the " + what)
PY
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

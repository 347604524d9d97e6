#!/bin/bash
# test_backup.sh: stepwise-clinic backup and restore. A backup taken in the
# middle of a device's upload to the real server (its second batch stored,
# the answer held by sw-proxy.py), and backups taken over and over while
# another device uploads at full speed, each restore to a clinic whose
# results are the original's for every record the copy holds; one taken
# afterwards restores to exactly the original's results. A wrong
# passphrase, a file cut short, a damaged one, a newer schema and a newer
# format each get a clear error and write nothing; so does a folder that
# is not empty. No clear copy of the database touches the disk.
#   test_backup.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY SW-BACKUP-EDIT
. "$(dirname "$0")/../sync/lib.sh"
EDIT=$6
BPW="another long passphrase for the backup"

# backup DIR FILE [ARGS]: stepwise-clinic backup, the passphrase on fd 3.
backup() {
	local dir=$1 f=$2; shift 2
	"$SC" backup --dir "$dir" -o "$f" --passphrase-fd 3 "$@" 3<<<"$BPW"
}
# restore FILE DIR [PASSPHRASE [ARGS]]
restore() {
	local f=$1 dir=$2 pw=$BPW; shift 2
	[ $# -gt 0 ] && { pw=$1; shift; }
	"$SC" restore "$f" "$dir" --passphrase-fd 3 "$@" 3<<<"$pw"
}
# same_results ORIGINAL RESTORED [subset]: results --format json of the
# two agree: every record the restored one shows is the original's, the
# same in every field (but its outcome, which depends on the later
# records a copy taken earlier lacks), and with subset unset they agree
# whole.
same_results() {
	python3 - "$1" "$2" "${3:-}" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
if sys.argv[3] != "subset":
    assert a == b, "results differ"
    sys.exit(0)
key = lambda r: (r["device"], r["id"])
ra = {key(r): r for r in a["results"]}
assert len(b["results"]) > 0
for r in b["results"]:
    o = dict(ra[key(r)]); r = dict(r)
    o.pop("outcome"); r.pop("outcome")
    assert o == r, (o, r)
assert b["quarantined"] == [] == a["quarantined"], (a["quarantined"], b["quarantined"])
PY
}

make_clinic "$T/c" && start_server srv "$T/c" 0 --rate 100000 && start_proxy px "${PORT[srv]}" \
    --at 'POST /v2/sync' --nth 2 --action hold-reply || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
mkdir "$T/c/templates" && printf 'Hello from {clinic}.\nSee you soon.\n' >"$T/c/templates/welcome.txt"
make_patient p1 "$T/c" R1 && seed p1 phq9 1,2,1,0,1,2,0,1,1 1790000000 300 || finish
printf '0\n0\n0\n0\n0\n0\n0\n0\n2\nq\n' | sw p1 --plain checkin phq9 >"$T/p1.plain" 2>&1

# A: in the middle of the upload, the second batch's answer held.
sw_sync p1 & syncpid=$!
if wait_line "$T/px.out" '^reply-held' 30; then
	held=$(clinic_count "$T/c")
	backup "$T/c" "$T/a.swb" --with-keys >"$T/a.out" 2>&1 ||
	    bad "backup during the upload" "$(cat "$T/a.out")"
	kill -USR2 "${PID[px]}"
else
	bad "the proxy holds the second batch's answer" "$(cat "$T/px.out")"
fi
wait $syncpid
sync_until p1 5 >/dev/null || bad "the sync finishes after the backup" "$(cat "$T/p1.syncs")"
total=$(clinic_count "$T/c")
[ "${held:-0}" -gt 0 ] && [ "$held" -lt "$total" ] &&
    ok "backup A was taken mid-upload: $held of $total records at the server" ||
    bad "mid-upload counts: ${held:-none} of $total"
grep -q "^Wrote $T/a.swb: the database ($held records, $held of them open" "$T/a.out" &&
    ok "backup says what it holds" || bad "backup's words" "$(cat "$T/a.out")"
[ "$(stat -c %a "$T/a.swb")" = 600 ] && ok "the backup file is 0600" || bad "mode $(stat -c %a "$T/a.swb")"
grep -q "read the records (backup) of R1" <<<"$("$SC" audit --dir "$T/c" 2>&1)" &&
    ok "opening every record for a backup is in the audit" || bad "backup audit" "$("$SC" audit --dir "$T/c" 2>&1)"

results "$T/c" >"$T/orig.json"
restore "$T/a.swb" "$T/ra" >"$T/ra.out" 2>&1 && ok "restore of backup A" || bad "restore of backup A" "$(cat "$T/ra.out")"
expect "the restored clinic holds the $held records of the moment" "$held" "$(clinic_count "$T/ra")"
results "$T/ra" >"$T/ra.json"
same_results "$T/orig.json" "$T/ra.json" subset &&
    ok "backup A's clinic shows each record it holds as the original does" ||
    bad "backup A's results" "$(head -c 2000 "$T/ra.json")"
same=1
for f in box.sk sign.sk box.pk sign.pk clinic.json templates/welcome.txt; do
	cmp -s "$T/c/$f" "$T/ra/$f" || { same=0; bad "restored $f differs"; }
done
[ $same = 1 ] && ok "the keys, clinic.json and the message templates are restored as they were"
[ "$(stat -c %a "$T/ra/box.sk") $(stat -c %a "$T/ra/db") $(stat -c %a "$T/ra/clinic.json") $(stat -c %a "$T/ra/templates/welcome.txt")" = "600 700 644 644" ] &&
    ok "the restored folder is laid out as init makes one (keys 0600, db/ 0700, clinic.json 0644)" ||
    bad "restored modes" "$(ls -la "$T/ra" "$T/ra/db")"

# The restored clinic works: a server on it takes the rest of the upload
# from a new device, and a copy of it keeps the risk answer first.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["results"][0]["risk"] else 1)' "$T/ra.json" &&
    ok "restored results list the risk answer first" || bad "risk first after restore"

# B: backups over and over while a second device uploads 4,000 records
# straight to the server, with nothing held; restored afterwards.
N=4000
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p2 "$T/c" R2 && seed p2 gad7 1,1,1,1,1,1,1 1790000000 $N || finish
sw_sync p2 & syncpid=$!
n=0 mid=0 failed=""
while kill -0 $syncpid 2>/dev/null || [ $n -eq 0 ]; do
	n=$((n + 1))
	backup "$T/c" "$T/b$n.swb" --with-keys >"$T/b$n.out" 2>&1 || failed="$failed $n"
done
wait $syncpid
sync_until p2 10 >/dev/null || bad "the second device's syncs finish" "$(cat "$T/p2.syncs")"
results "$T/c" >"$T/orig.json"
for i in $(seq 1 $n); do
	restore "$T/b$i.swb" "$T/rb$i" >"$T/rb$i.out" 2>&1 || { failed="$failed $i"; continue; }
	got=$(sqlite3 "$T/rb$i/db/clinic.db" "SELECT count(*) FROM records WHERE device IN (SELECT device FROM devices WHERE patient = 'R2')")
	[ "$got" -gt 0 ] && [ "$got" -lt $N ] && mid=$((mid + 1))
	results "$T/rb$i" >"$T/rb$i.json"
	same_results "$T/orig.json" "$T/rb$i.json" subset ||
	    { bad "backup $i's results are not the original's" "$(head -c 1000 "$T/rb$i.json")"; failed="$failed $i"; }
done
[ -z "$failed" ] && [ $mid -gt 0 ] &&
    ok "$n backups during a full-speed upload each restore to the original's results for what they hold ($mid of them mid-upload)" ||
    bad "backups during the upload: $mid mid-upload, not restored:$failed" "$(cat "$T/b${failed##* }.out" "$T/rb${failed##* }.out" 2>/dev/null)"

# C: after the uploads, without the keys: restore needs them, and then
# gives exactly the original's results.
backup "$T/c" "$T/c.swb" >"$T/c.out" 2>&1 || bad "backup without keys" "$(cat "$T/c.out")"
restore "$T/c.swb" "$T/rc0" >"$T/rc0.out" 2>&1
[ $? -eq 1 ] && grep -q "holds no secret keys.*--keys-from" "$T/rc0.out" && [ ! -e "$T/rc0" ] &&
    ok "a backup without keys says --keys-from is needed, and writes nothing" || bad "restore without keys" "$(cat "$T/rc0.out")"
make_clinic "$T/other"
restore "$T/c.swb" "$T/rc1" "$BPW" --keys-from "$T/other" >"$T/rc1.out" 2>&1
[ $? -eq 1 ] && grep -q "not the keys" "$T/rc1.out" && [ ! -e "$T/rc1" ] &&
    ok "another clinic's keys are refused, and nothing is written" || bad "restore with other keys" "$(cat "$T/rc1.out")"
restore "$T/c.swb" "$T/rc" "$BPW" --keys-from "$T/c" >"$T/rc.out" 2>&1 || bad "restore --keys-from" "$(cat "$T/rc.out")"
results "$T/rc" >"$T/rc.json"
same_results "$T/orig.json" "$T/rc.json" &&
    ok "a backup taken after the uploads restores to exactly the original's results ($(clinic_count "$T/c") records)" ||
    bad "results after restore differ" "$(diff <(python3 -m json.tool "$T/orig.json") <(python3 -m json.tool "$T/rc.json") | head -20)"
for cmd in patients risks; do
	"$SC" $cmd --dir "$T/c" --format json >"$T/o.$cmd" 2>&1
	"$SC" $cmd --dir "$T/rc" --format json >"$T/r.$cmd" 2>&1
	cmp -s "$T/o.$cmd" "$T/r.$cmd" && ok "$cmd: the restored clinic's are the original's" || bad "$cmd differs after restore" "$(diff "$T/o.$cmd" "$T/r.$cmd" | head)"
done

# Each bad backup: a clear error, exit 1, nothing written.
refused() {
	local what=$1 f=$2 re=$3 pw=${4:-$BPW}
	restore "$f" "$T/bad" "$pw" >"$T/bad.out" 2>&1
	local st=$?
	[ $st -eq 1 ] && grep -Eq "$re" "$T/bad.out" && grep -q "Nothing was done" "$T/bad.out" && [ ! -e "$T/bad" ] &&
	    ok "$what: refused with a clear error, nothing written" ||
	    bad "$what (exit $st)" "$(cat "$T/bad.out"; ls -la "$T/bad" 2>&1)"
}
refused "a wrong passphrase" "$T/a.swb" "The passphrase does not open" "not the passphrase at all"
size=$(stat -c %s "$T/a.swb")
head -c $((size - 1000)) "$T/a.swb" >"$T/cut.swb"
refused "a file cut short" "$T/cut.swb" "is cut short: $((size - 1000)) of its $size bytes"
cp "$T/a.swb" "$T/flip.swb"
printf 'x' | dd of="$T/flip.swb" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refused "a damaged file" "$T/flip.swb" "is damaged: what it holds does not authenticate"
"$EDIT" "$T/a.swb" "$T/newer.swb" schema 99 <<<"$BPW" || bad "sw-backup-edit schema"
refused "a newer schema" "$T/newer.swb" "schema 99, made by a newer stepwise-clinic; this one knows schema [0-9]+ at most"
"$EDIT" "$T/a.swb" "$T/newfmt.swb" format 2 <<<"$BPW" || bad "sw-backup-edit format"
refused "a newer backup format" "$T/newfmt.swb" "made by a newer stepwise-clinic \(backup format 2\)"
refused "a file that is not a backup" "$T/orig.json" "is not a file of this kind"
mkdir "$T/full" && echo keep >"$T/full/notes.txt"
restore "$T/a.swb" "$T/full" >"$T/full.out" 2>&1
[ $? -eq 1 ] && grep -q "is not empty" "$T/full.out" && [ "$(ls "$T/full")" = notes.txt ] &&
    ok "a folder that is not empty is refused and left as it was" || bad "restore into a full folder" "$(cat "$T/full.out")"

# The copy is made in memory: the only file backup creates is its own
# output's temporary name, and the passphrase is typed twice on a terminal.
if command -v strace >/dev/null; then
	strace -f -qq -e trace=openat,open,creat -o "$T/strace" \
	    "$SC" backup --dir "$T/c" -o "$T/s.swb" --passphrase-fd 3 3<<<"$BPW" >/dev/null 2>&1
	# (SQLite opens the live database's own log and index with O_CREAT:
	# they are there already while the server runs, and hold no copy.)
	made=$(grep -E 'O_CREAT|creat\(' "$T/strace" | grep -v ' = -1' | grep -oE '"[^"]*"' | sort -u |
	    grep -vx "\"$T/c/db/clinic.db-wal\"" | grep -vx "\"$T/c/db/clinic.db-shm\"")
	[ "$(echo "$made" | grep -c .)" -eq 1 ] && [[ $made == "\"$T/s.swb."* ]] &&
	    ok "backup creates no file but its output's temporary name" || bad "files backup created" "$made"
fi
SOCK=sw-backup-$$
tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 20 \
    "'$SC' backup --dir '$T/c' -o '$T/tty.swb'; echo EXITED-\$?; sleep 30"
tty_wait() { local n=50; while [ $n -gt 0 ]; do tmux -L "$SOCK" capture-pane -p | grep -q "$1" && return 0; sleep 0.2; n=$((n - 1)); done; return 1; }
tty_wait "Choose a passphrase for the backup:" && tmux -L "$SOCK" send-keys "$BPW" Enter &&
    tty_wait "Type it again:" && tmux -L "$SOCK" send-keys "something else entirely ok" Enter &&
    tty_wait "The two passphrases are different" && tty_wait "Choose a passphrase for the backup:" &&
    tmux -L "$SOCK" send-keys "$BPW" Enter && tty_wait "Type it again:" &&
    tmux -L "$SOCK" send-keys "$BPW" Enter && tty_wait "EXITED-0" &&
    ! tmux -L "$SOCK" capture-pane -p | grep -q "$BPW" &&
    restore "$T/tty.swb" "$T/rtty" "$BPW" --keys-from "$T/c" >/dev/null 2>&1 &&
    ok "on a terminal the passphrase is asked twice, without echo, again when they differ" ||
    bad "backup on a terminal" "$(tmux -L "$SOCK" capture-pane -p)"
tmux -L "$SOCK" kill-server 2>/dev/null
finish

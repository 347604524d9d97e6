#!/bin/sh
# walk40.sh: the whole programme in the full-screen interface on a vt100
# of 40 x 12, driven only with letters, digits, Tab, Enter, Esc and Space
# (issue 16, "Done when"). For each module of content/programme.json, a
# week apart (faketime moves the clock, as programme_walk.sh does): its
# check-ins with real answers (PHQ-9 question 9 above 0 once, the crisis
# page, then c), every lesson read to its end, every exercise done and
# saved, each field as its type wants (a choice by digit, text typed, a
# scale by digits, a list item by item). Every screen is checked for what
# must be visible there at 40 x 12. At the end the export holds every
# check-in, lesson and entry, and status says the programme is finished.
. "$(dirname "$0")/lib.sh"
TUI_TERM=vt100 TUI_COLS=40 TUI_ROWS=12
P=$CONTENT/programme.json
# faketime preloads its library; a sanitizer build must let it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
command -v faketime >/dev/null || { fail "faketime is missing: run tools/install-deps.sh"; finish; exit 1; }
RS=$(printf '\036')

# The content, read with python: py EXPR prints EXPR, with p the
# programme, and ex(ID), ms(ID), lesson_end(ID) at hand.
py() {
	python3 - "$CONTENT" "$1" <<'PYEOF'
import json, re, sys
content, expr = sys.argv[1], sys.argv[2]
p = json.load(open(f"{content}/programme.json"))
def ex(i): return json.load(open(f"{content}/exercises/{i}.json"))
def ms(i): return json.load(open(f"{content}/measures/{i}.json"))
def lesson_title(i):
    for line in open(f"{content}/lessons/{i}.md"):
        if line.startswith("# "): return line[2:].strip()
def lesson_end(i):
    paras = open(f"{content}/lessons/{i}.md").read().strip().split("\n\n")
    return re.sub(r"[*_`]", "", " ".join(paras[-1].split()))
def fields(i):
    out = []
    for f in ex(i)["fields"]:
        r = f.get("rating") or {}
        out.append("\036".join(str(x) for x in [f["type"],
            int(f.get("multiple", False)), int(f.get("multiline", True)),
            int(f.get("date_only", False)), f.get("min", r.get("min", 0)),
            f.get("max", r.get("max", 0)), max(1, f.get("min_items", 1)),
            int("rating" in f), f["prompt"], f.get("help") or "",
            r.get("prompt", ""), "|".join(f.get("options", [])),
            f.get("min_label", ""), f.get("max_label", "")]))
    return "\n".join(out)
print(eval(expr))
PYEOF
}

# soon CMD...: CMD succeeds within 3 s (the keys sent have been drawn).
soon() {
	i=0
	while [ $i -lt 30 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	"$@"
}
# press KEY...: send the keys and wait (2 s at most) for the screen to
# change; SEEN gathers what each screen showed.
press() {
	before=$(screen)
	keys "$@"
	i=0
	while [ $i -lt 100 ] && [ "$(screen)" = "$before" ]; do
		sleep 0.02
		i=$((i + 1))
	done
	SEEN="$SEEN $(flat)"
}
# space_until TEXT MAX: Space until the screen shows TEXT (MAX pages).
space_until() {
	SEEN=$(flat)
	sp=0
	while [ $sp -lt "$2" ]; do
		case $(flat) in *"$1"*) return 0 ;; esac
		press Space
		sp=$((sp + 1))
	done
	case $(flat) in *"$1"*) return 0 ;; esac
	echo "--- never reached: $1" >&2
	screen >&2
	return 1
}
# seen TEXT...: each was on some screen since SEEN began.
seen() {
	for want in "$@"; do
		want=$(printf '%s' "$want" | tr -s ' ')
		case $SEEN in *"$want"*) ;; *)
			echo "--- never shown: $want" >&2
			return 1 ;;
		esac
	done
}
# at_home: home is shown with its next step; without it the walk cannot
# go on, and stops.
at_home() {
	i=0
	while [ $i -lt 150 ]; do
		case $(flat) in *"Next: "*|*" opens on "*|*"You have finished"*)
			return 0 ;;
		esac
		sleep 0.1
		i=$((i + 1))
	done
	screen >&2
	fail "home with its next step (the walk stops here)"
	finish
	exit 1
}

# ---- a check-in ----
# checkin MEASURE MODULE: answers from the module number, question 9 of
# the PHQ-9 above 0 in the first module only.
checkin() {
	c=$1 m=$2
	title=$(py "ms('$c')['title']")
	n=$(py "len(ms('$c')['items'])")
	stem=$(py "ms('$c')['stem']")
	opts=$(py "'$RS'.join('%d %s' % (o['value'], o['label']) for o in ms('$c')['options'])")
	fopts=$(py "'$RS'.join('%d %s' % (o['value'], o['label']) for o in ms('$c')['functional']['options'])")
	check "module $((m + 1)): home offers the $title check-in" shows "Next: your check-in ($title)"
	keys n Enter
	bad=0 total=0 q=1
	while [ $q -le "$n" ]; do
		wait_for "$q of $n" >/dev/null || { bad=1; break; }
		item=$(py "ms('$c')['items'][$((q - 1))]['text']")
		IFS=$RS
		# shellcheck disable=SC2086
		shows "$stem" "$item" $opts || bad=1
		unset IFS
		a=$(((q + m) % 4))
		if [ "$c" = phq9 ] && [ "$q" = 9 ]; then
			a=0
			[ "$m" = 0 ] && a=1
		fi
		total=$((total + a))
		keys $a
		q=$((q + 1))
	done
	[ $bad = 0 ] && ok "module $((m + 1)) $title: every question whole with its stem and answers" ||
	    fail "module $((m + 1)) $title: a question or an answer is cut"
	if [ "$c" = phq9 ] && [ "$m" = 0 ]; then
		check "question 9 above 0: the crisis page with the first contact" \
		    wait_for "${SAFETY_FIRST#*: }"
		sleep 1.1	# the page takes no key in its first second
		keys c
	fi
	wait_for "one more question" >/dev/null
	IFS=$RS
	# shellcheck disable=SC2086
	check "module $((m + 1)) $title: the last question whole, with its answers" \
	    shows "$(py "ms('$c')['functional']['text']")" $fopts
	unset IFS
	keys $((m % 4))
	check "module $((m + 1)) $title: the review" wait_for "Check your answers"
	keys s
	wait_for "score is" >/dev/null
	band=$(py "[b for b in ms('$c')['bands'] if b['min'] <= $total <= b['max']][0]['label']")
	space_until "Saved. Press Enter to go back." 12
	check "module $((m + 1)) $title: the result read to its end, score $total ($band)" \
	    seen "Your $title score is $total" "$band" "Saved. Press Enter to go back."
	keys Enter
	at_home
}

# ---- a lesson ----
lesson() {
	l=$1 k=$2 m=$3
	title=$(py "lesson_title('$l')")
	check "module $((m + 1)): home offers lesson $k, $title" shows "Next: Lesson $k, $title"
	keys n Enter
	wait_for "%" >/dev/null
	space_until "End of the lesson. Press Enter to go back." 200
	# The place: with the title when both fit in 36 columns.
	place="$title, 100%"
	[ $((${#place} + 2)) -le 38 ] || place="100% read"
	check "lesson $title: read to its last line" shows "$(py "lesson_end('$l')")" \
	    "End of the lesson. Press Enter to go back." "$place"
	keys Enter
	at_home
}

# ---- an exercise ----
# field_do K: fill in field K (from its line in FIELDS) and check it shows.
field_do() {
	IFS=$RS read -r type multiple multiline date_only min max items rated prompt help rprompt options minl maxl <<EOF
$(printf '%s\n' "$FIELDS" | sed -n "${1}p")
EOF
	fok=0
	shows "$prompt" ${help:+"$help"} || fok=1
	case $type in
	text)
		t="Answer $1 in module $((m + 1))"
		type_text "$t"
		# A second line where the answer takes lines: the line being
		# typed must show (a small window may give the box one row).
		if [ "$multiline" = 1 ]; then
			soon shows "$t" || fok=1
			keys Enter
			t="and a second line"
			type_text "$t"
		fi
		soon shows "$t" || fok=1
		;;
	datetime)
		t="2026-12-0$((m % 9 + 1))"
		if [ "$date_only" = 1 ]; then
			shows "Type a date as YYYY-MM-DD" || fok=1
		else
			shows "Type a date and time as YYYY-MM-DD HH:MM" || fok=1
			t="$t 10:30"
		fi
		type_text "$t"
		soon shows "$t" || fok=1
		;;
	rating)
		shows "[ ] ($min to $max: type a number)" || fok=1
		r=$(((max - min) * 7 / 10 + min))
		keys $(echo "$r" | sed 's/./& /g')
		soon shows "[$(printf '%3d' "$r" | tr -s ' ')] ($min $minl, $max $maxl)" || fok=1
		;;
	choice)
		# Every option can be seen, the list scrolling with j if it must.
		SEEN=$(flat)
		for o in $(seq 2 "$(printf '%s\n' "$options" | tr '|' '\n' | wc -l)"); do press j; done
		IFS='|'
		ko=0
		for o in $options; do
			ko=$((ko + 1))
			if [ "$multiple" = 1 ]; then
				seen "$ko [ ] $o" || fok=1
			else
				seen "$ko ( ) $o" || fok=1
			fi
		done
		unset IFS
		if [ "$multiple" = 1 ]; then
			keys 1 2
			soon shows "1 [x]" "2 [x]" || fok=1
		else
			keys 2
			soon shows "2 (*)" || fok=1
		fi
		;;
	list)
		j=1
		while [ $j -le "$items" ]; do
			t="Item $j of field $1"
			type_text "$t"
			keys Enter
			if [ "$rated" = 1 ]; then
				soon shows "$rprompt" || fok=1
				keys 5 0
				soon shows "$rprompt [50]" || fok=1
				keys Enter
			fi
			soon shows "$t" || fok=1
			j=$((j + 1))
		done
		;;
	esac
	[ $fok = 0 ] && ok "$eid step $1 ($type): whole, and what was entered shows" ||
	    fail "$eid step $1 ($type): something is cut at 40x12"
	keys Tab
}

exercise() {
	eid=$1 m=$2
	title=$(py "ex('$eid')['title']")
	FIELDS=$(py "fields('$eid')")
	nf=$(printf '%s\n' "$FIELDS" | wc -l)
	check "module $((m + 1)): home offers the exercise $title" shows "Next: an exercise, $title"
	keys n Enter
	wait_for "Press Tab to begin" >/dev/null || fail "$eid: the start page"
	keys Tab
	k=1
	while [ $k -le "$nf" ]; do
		wait_for "step $k of $nf" >/dev/null || { fail "$eid: step $k"; break; }
		field_do $k
		k=$((k + 1))
	done
	wait_for "Check and save" >/dev/null
	keys s
	check "$eid: saved" wait_for "Saved your $title."
	at_home
}

# ---- the walk ----
NM=$(py "len(p['modules'])")
m=0
while [ $m -lt "$NM" ]; do
	# A week per module, plus an hour so the module has surely opened.
	SW_ENV="faketime -f +$((m * 7 * 24 + 1))h"
	if [ $m = 0 ]; then
		start
		passphrase_chosen >/dev/null || fail "first run"
		keys Enter
	else
		unlock
	fi
	at_home
	for c in $(py "' '.join(p['modules'][$m]['checkins'])"); do
		checkin "$c" $m
	done
	k=1
	for l in $(py "' '.join(x['id'] for x in p['modules'][$m]['lessons'])"); do
		lesson "$l" $k $m
		k=$((k + 1))
	done
	for e in $(py "' '.join(p['modules'][$m]['exercises'])"); do
		exercise "$e" $m
	done
	keys q
	check "module $((m + 1)): quits" wait_for "EXITED-0"
	faketime -f "+$((m * 7 * 24 + 1))h" "$STEPWISE" --content "$CONTENT" \
	    --data-dir "$DATA" --passphrase-fd 3 status >"$DATA/status" 2>&1 3<<EOP
$PASS
EOP
	check "module $((m + 1)): status says $((m + 1)) of $NM done" \
	    grep -q "Modules done: $((m + 1)) of $NM" "$DATA/status"
	m=$((m + 1))
done
check "status says the programme is finished" grep -q "the programme is finished" "$DATA/status"
export_json >"$DATA/export.json" 2>/dev/null
all_there() {
	python3 - "$P" "$DATA/export.json" <<'PYEOF'
import json, sys
prog, exp = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
mods = prog["modules"]
c = exp["checkins"]
for meas in ("phq9", "gad7"):
    n = sum(x["measure"] == meas for x in c)
    assert n == sum(meas in m["checkins"] for m in mods), (meas, n)
lessons = {l["id"] for m in mods for l in m["lessons"]}
done = {x["lesson"] for x in exp["lessons"] if x.get("finished_at")}
assert lessons <= done, lessons - done
want = [e for m in mods for e in m["exercises"]]
have = [x["exercise"] for x in exp["exercises"]]
for e in set(want):
    assert have.count(e) >= want.count(e), (e, have)
PYEOF
}
check "export: every check-in, every lesson done, every exercise entry" all_there
finish

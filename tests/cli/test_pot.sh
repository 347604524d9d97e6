#!/bin/bash
# test_pot.sh: text that can be translated (issue 16, point 12): every
# source file holding _() is in po/POTFILES.in; po/stepwise.pot holds
# exactly the messages the sources hold (regenerate with
# `ninja stepwise-pot`); and no string literal with words reaches an
# output function without _().
#   test_pot.sh SOURCE-ROOT
set -u
ROOT=$1
T=$(mktemp -d --suffix=.stepwise-pot)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -40; }
cd "$ROOT" || exit 1

missing=$(grep -rl '_("\|ngettext(' src --include='*.c' | sort | comm -23 - <(sort po/POTFILES.in))
[ -z "$missing" ] && ok "every file with translatable text is in po/POTFILES.in" || bad "files missing from po/POTFILES.in" "$missing"

xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
    -f po/POTFILES.in -o "$T/now.pot" 2>"$T/xgettext.err" || bad "xgettext" "$(cat "$T/xgettext.err")"
python3 - po/stepwise.pot "$T/now.pot" <<'PYEOF' && ok "po/stepwise.pot is current" || bad "po/stepwise.pot is not current: run ninja stepwise-pot"
import re, sys
def ids(path):
    out, cur, key = set(), {}, None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        m = re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            if key == "msgctxt" or (key == "msgid" and "msgctxt" not in cur):
                if cur.get("msgid") is not None:
                    out.add((cur.get("msgctxt"), cur["msgid"], cur.get("msgid_plural")))
                cur = {}
            cur[key] = m.group(2)
        elif line.startswith('"') and key:
            cur[key] += line[1:-1]
    if cur.get("msgid") is not None:
        out.add((cur.get("msgctxt"), cur["msgid"], cur.get("msgid_plural")))
    out.discard((None, "", None))
    return out
have, want = ids(sys.argv[1]), ids(sys.argv[2])
for x in sorted(want - have, key=str)[:10]:
    print("    not in the pot:", x[1][:70])
for x in sorted(have - want, key=str)[:10]:
    print("    no longer in the sources:", x[1][:70])
sys.exit(0 if have == want else 1)
PYEOF

# Literals with words handed straight to what prints for the patient.
python3 - <<'PYEOF' && ok "no words reach the output functions without _()" || bad "untranslated words reach the output"
import re, glob, sys
calls = r'\b(plain_say|plain_heading|plain_ask|tui_message|put_line|put_wrapped|tdoc_text|cli_error)\s*\('
found = []
for f in sorted(glob.glob("src/tui/*.c") + glob.glob("src/plain/*.c") + glob.glob("src/cli/*.c")):
    src = open(f, encoding="utf-8").read()
    for m in re.finditer(calls, src):
        # the call's arguments, up to its closing parenthesis
        depth, i = 1, m.end()
        while i < len(src) and depth:
            depth += {"(": 1, ")": -1}.get(src[i], 0)
            i += 1
        args = src[m.end():i - 1]
        bare = re.sub(r'(_|N_|ngettext|getenv)\s*\((?:[^()"]|"(?:\\.|[^"\\])*")*\)', "", args)
        for lit in re.findall(r'"((?:\\.|[^"\\])*)"', bare):
            if re.match(r'\s*stepwise ', lit):
                continue	# a command to type, the same in every language
            words = re.sub(r'%[-+ #0-9.*]*(?:zu|ll[du]|l[du]|[dsuxc])', "", lit)
            if re.search(r'[A-Za-z]{3,}', words):
                line = src.count("\n", 0, m.start()) + 1
                found.append(f"{f}:{line}: \"{lit}\"")
for x in found:
    print("    " + x)
sys.exit(1 if found else 0)
PYEOF
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

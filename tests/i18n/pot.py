#!/usr/bin/env python3
"""pot.py: the translation template is complete and current.

1. po/POTFILES.in lists exactly the source files that hold translatable
   text (a call of _(), N_() or ngettext()), each once, each existing.
2. po/stepwise.pot holds exactly the messages xgettext finds in them now,
   with the keywords the build uses (meson's i18n module, glib preset), so
   that a translator (Welsh is next) is never given a stale template.
   When it fails: ninja -C BUILD stepwise-pot, and commit po/stepwise.pot.
    pot.py SOURCE-ROOT
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

KEYWORDS = ["--keyword=_", "--keyword=N_", "--keyword=C_:1c,2",
            "--keyword=NC_:1c,2", "--keyword=g_dcgettext:2",
            "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3"]
CALL = re.compile(r"(^|[^A-Za-z0-9_])(N_|_|ngettext)\(")


def messages(pot):
    """The (context, msgid, plural) of every entry but the header."""
    out, cur, key = set(), {}, None
    for line in pot.read_text(encoding="utf-8").splitlines() + [""]:
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            cur[key] = cur.get(key, "") + m.group(2)
        elif line.startswith('"') and key:
            cur[key] = cur.get(key, "") + line[1:-1]
        elif not line.strip():
            if cur.get("msgid"):
                out.add((cur.get("msgctxt"), cur["msgid"], cur.get("msgid_plural")))
            cur, key = {}, None
    return out


def main(root):
    root = Path(root)
    fail = 0
    listed = [l.strip() for l in (root / "po/POTFILES.in").read_text().splitlines()
              if l.strip() and not l.startswith("#")]
    dups = sorted({f for f in listed if listed.count(f) > 1})
    missing = [f for f in listed if not (root / f).is_file()]
    want = sorted(str(p.relative_to(root)) for p in (root / "src").rglob("*.c")
                  if CALL.search(p.read_text(encoding="utf-8")))
    absent = [f for f in want if f not in listed]
    for what, v in (("listed twice", dups), ("listed but missing", missing),
                    ("holding translatable text but not listed", absent)):
        if v:
            print(f"FAIL - po/POTFILES.in: {what}: {' '.join(v)}")
            fail = 1
        else:
            print(f"ok - po/POTFILES.in: none {what}")
    pot = root / "po/stepwise.pot"
    if not pot.is_file():
        print("FAIL - po/stepwise.pot is missing: ninja -C BUILD stepwise-pot")
        return 1
    with tempfile.TemporaryDirectory() as t:
        fresh = Path(t) / "fresh.pot"
        subprocess.run(["xgettext", "--from-code=UTF-8", "--add-comments",
                        "--package-name=stepwise", "-o", str(fresh),
                        "--directory", str(root)] + KEYWORDS +
                       [f for f in listed if (root / f).is_file()], check=True)
        now, kept = messages(fresh), messages(pot)
    new, gone = sorted(now - kept), sorted(kept - now)
    if new or gone:
        print(f"FAIL - po/stepwise.pot is stale: {len(new)} message(s) not in it, "
              f"{len(gone)} no longer in the sources; run ninja -C BUILD stepwise-pot")
        for c, m, p in (new + gone)[:10]:
            print(f"    {'+' if (c, m, p) in now else '-'} {m[:70]!r}")
        fail = 1
    else:
        print(f"ok - po/stepwise.pot holds exactly the {len(now)} messages of the sources")
    print(f"{'0 failed' if not fail else 'failed'}")
    return fail


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))

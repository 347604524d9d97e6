#!/usr/bin/env python3
# module_answers.py CONTENT-DIR MODULE: the lines plain mode's "Do the next
# step" wants to do one whole module (0 the first): its check-ins, then its
# lessons, then its exercises, each field a valid answer of its type read
# from the content itself; then q. Used by programme_walk.sh and
# tests/tui/smaller.sh.
import json, sys
content, m = sys.argv[1], int(sys.argv[2])
prog = json.load(open(f"{content}/programme.json"))
mod = prog["modules"][m]
out = []
for c in mod["checkins"]:
    meas = json.load(open(f"{content}/measures/{c}.json"))
    # An answer of 1 to a risk item brings the contacts, passed with c.
    risky = any(r["threshold"] <= 1 for r in meas.get("risk_items", []))
    out += ["1"] + ["1"] * len(meas["items"]) + (["c"] if risky else []) + ["", ""]
for _ in mod["lessons"]:
    out += ["1"]
for e in mod["exercises"]:
    ex = json.load(open(f"{content}/exercises/{e}.json"))
    out += ["1", ""]
    for f in ex["fields"]:
        t = f["type"]
        if t == "text":
            out += ["Something I noticed."] + (["."] if f.get("multiline", True) else [])
        elif t == "rating":
            out += [str(f["min"])]
        elif t == "choice":
            out += ["1"]
        elif t == "list":
            for _ in range(max(1, f.get("min_items", 1))):
                out += ["One thing"] + ([str(f["rating"]["min"])] if "rating" in f else [])
            out += [""]
        else:
            out += ["2026-12-01" if f.get("date_only") else "2026-12-01 10:00"]
out += ["q"]
print("\n".join(out))

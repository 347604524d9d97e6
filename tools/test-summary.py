#!/usr/bin/env python3
"""Print one closing line for a meson test run: the number of individual
checks passed and failed across every test program (Check's "Checks: N,
Failures: F, Errors: E" lines and the shell suites' "N passed, M failed")."""
import json
import re
import sys

passed = failed = 0
for line in open(sys.argv[1], encoding="utf-8"):
    t = json.loads(line)
    out = t.get("stdout", "") or ""
    counted = False
    for m in re.finditer(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)", out):
        n, f, e = map(int, m.groups())
        passed += n - f - e
        failed += f + e
        counted = True
    for m in re.finditer(r"^(\d+) passed, (\d+) failed", out, re.M):
        passed += int(m.group(1))
        failed += int(m.group(2))
        counted = True
    if not counted or t.get("result") not in ("OK", "EXPECTEDFAIL"):
        # A program that crashed or printed no counts is one failure.
        if t.get("result") not in ("OK", "EXPECTEDFAIL"):
            failed += 1
print(f"{passed} passed, {failed} failed")

#!/usr/bin/env python3
"""literals.py: find text meant for people that cannot be translated.

Every string literal with a letter in it that is passed straight to a
function that shows text to a person (plain_say, ui_message, cli_print,
cli_error, put_line, put_wrapped, tdoc_text, row_add's xasprintf and the
like) must be wrapped in _() or N_() (or be an ngettext argument), so that
xgettext finds it. Format strings with no letters ("%s", "%s\\n") need no
translation. Prints each offence as FILE:LINE: CALL "TEXT" and exits 1
when there is one.
    literals.py SRC-DIR...
"""
import re
import sys
from pathlib import Path

SHOW = ("plain_say", "ui_message", "cli_print", "cli_error", "put_line",
        "put_wrapped", "tdoc_text", "say_error", "clinic_usage_error")
CALL = re.compile(r"\b(" + "|".join(SHOW) + r")\s*\(")
LIT = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def strip_comments(src):
    return re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                  src, flags=re.S)


def args_of(src, start):
    """The text of a call's arguments, from the '(' at start."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c == '"':
            m = LIT.match(src, i)
            i = m.end() if m else i + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[start + 1:i]
        i += 1
    return src[start + 1:]


FMT = re.compile(r"%[-+ #0-9.*]*(?:hh|h|ll|l|L|z|j|t)?[diouxXeEfgGcspn%]")
ESC = re.compile(r"\\(?:x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")


def words(lit):
    """Whether a literal holds a word for people: letters once the
    conversions and escapes are gone."""
    return re.search(r"[A-Za-z]{2}", ESC.sub(" ", FMT.sub(" ", lit))) is not None


def bare_literals(args):
    """Literals in args not inside _( ), N_( ) or ngettext( )."""
    out, i, wrapped = [], 0, []
    depth = 0
    while i < len(args):
        m = re.match(r"(?:\b(?:_|N_|ngettext|gettext))\s*\(", args[i:])
        if m:
            wrapped.append(depth)
            depth += 1
            i += m.end()
            continue
        c = args[i]
        if c == '"':
            m = LIT.match(args, i)
            lit = m.group(0) if m else '"'
            if not wrapped and words(lit):
                out.append(lit)
            i = m.end() if m else i + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if wrapped and wrapped[-1] == depth:
                wrapped.pop()
        i += 1
    return out


def main(dirs):
    bad = 0
    for d in dirs:
        for f in sorted(Path(d).rglob("*.c")):
            src = strip_comments(f.read_text(encoding="utf-8"))
            for m in CALL.finditer(src):
                args = args_of(src, m.end() - 1)
                # clinic_usage_error's first argument is the command's
                # name, which is not translated.
                if m.group(1) == "clinic_usage_error":
                    args = re.sub(r'^\s*"[a-z-]+"\s*,', "", args)
                for lit in bare_literals(args):
                    line = src.count("\n", 0, m.start()) + 1
                    print(f"{f}:{line}: {m.group(1)} {lit}")
                    bad += 1
    print(f"{bad} untranslatable literal(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["src"]))

#!/usr/bin/env python3
"""spoken.py: a phone number as plain mode writes it for speech, digit by
digit with its groups parted by ", " (text_digits_spoken in src/core/text.c,
whose unit test pins the cases), so that a test can look for a number read
from the safety file without pinning how it is written.
    spoken.py TEXT      prints the spoken form
"""
import re
import sys


def spoken(s):
    def run(m):
        groups = m.group(0).split(" ")
        if sum(len(g) for g in groups) < 3:
            return m.group(0)
        return ", ".join(" ".join(g) for g in groups)
    return re.sub(r"[0-9]+(?: [0-9]+)*", run, s)


if __name__ == "__main__":
    print(spoken(sys.argv[1]))

#!/usr/bin/env python3
"""prom_check.py FILE: checks Prometheus text exposition (format 0.0.4) as
`promtool check metrics` would for what `fastack metrics` writes: every
sample belongs to a family declared once with # HELP and # TYPE before its
samples, the families' samples are contiguous, counters end in _total,
names and label names are valid, label values are quoted and escaped,
values are numbers, no sample (name and labels) appears twice.  Prints the
number of families and samples; exits 1 with the first problem."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*\})? (\S+)$" % (NAME, LABEL, LABEL))


def main():
    text = open(sys.argv[1]).read()
    if not text.endswith("\n"):
        sys.exit("no newline at the end")
    help_, type_, done, seen = {}, {}, set(), set()
    current = None
    samples = 0
    for n, line in enumerate(text.splitlines(), 1):
        where = "line %d: %r" % (n, line)
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                sys.exit(where + ": malformed")
            name = parts[2]
            table = help_ if parts[1] == "HELP" else type_
            if name in table or name in done:
                sys.exit(where + ": family declared twice")
            if parts[1] == "TYPE" and parts[3] not in ("counter", "gauge"):
                sys.exit(where + ": unexpected type")
            if parts[1] == "TYPE" and parts[3] == "counter" and not name.endswith("_total"):
                sys.exit(where + ": counter not named *_total")
            table[name] = parts[3]
            if current and current != name:
                done.add(current)
            current = name
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            sys.exit(where + ": malformed sample")
        name = m.group(1)
        if name not in type_ or name not in help_:
            sys.exit(where + ": sample before its # HELP and # TYPE")
        if name != current:
            sys.exit(where + ": family's samples not contiguous")
        try:
            float(m.group(3))
        except ValueError:
            sys.exit(where + ": value not a number")
        key = (name, m.group(2))
        if key in seen:
            sys.exit(where + ": duplicate sample")
        seen.add(key)
        samples += 1
    print("%d families, %d samples" % (len(type_), samples))


if __name__ == "__main__":
    main()

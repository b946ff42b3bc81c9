"""Summarise JUnit XML files from pytest: counts, then every failure and error grouped by its
message and the deepest jaccli/ frame of its traceback (the place a fix goes).

Usage:  python scripts/junit_summary.py OUT/gpu-tests.xml [more.xml ...]
"""
import collections
import re
import sys
import xml.etree.ElementTree as ET


def main(paths):
    counts = collections.Counter()
    groups = collections.defaultdict(list)
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as exc:
            print(f"{path}: unreadable ({exc})")
            continue
        for case in root.iter("testcase"):
            bad = case.find("failure")
            bad = bad if bad is not None else case.find("error")
            if bad is None:
                counts["skipped/xfailed" if case.find("skipped") is not None else "passed"] += 1
                continue
            counts[bad.tag] += 1
            text = bad.text or ""
            frames = re.findall(r"^(jaccli/[\w/]+\.py:\d+): in (\w+)", text, re.M)
            where = f"{frames[-1][0]} {frames[-1][1]}" if frames else "(no jaccli frame)"
            message = (bad.get("message") or "").splitlines()[0][:160] if bad.get("message") \
                else "(no message)"
            groups[(where, message)].append(case.get("name"))
    print("tests: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for (where, message), names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{len(names):4d} x {message}\n       at {where}")
        for name in names:
            print(f"         {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Prints the slowest tests of a ./test.sh run: the Rust tests from
cargo-nextest's JUnit report, the browser tests from Playwright's JSON report.
Files that are missing (a runner that did not write one) are passed over."""

import json
import sys
import xml.etree.ElementTree as ET

SHOWN = 8


def rust(path):
    tree = ET.parse(path)
    return [
        (float(case.get("time", 0)), f"{case.get('classname')} {case.get('name')}")
        for case in tree.iter("testcase")
    ]


def browser(path):
    with open(path) as f:
        report = json.load(f)
    out = []

    def walk(suite, trail):
        title = suite.get("title", "")
        trail = trail + [title] if title else trail
        for spec in suite.get("specs", []):
            for test in spec.get("tests", []):
                secs = sum(r.get("duration", 0) for r in test.get("results", [])) / 1000
                out.append((secs, " > ".join(trail + [spec["title"]])))
        for child in suite.get("suites", []):
            walk(child, trail)

    for suite in report.get("suites", []):
        walk(suite, [])
    return out


def main():
    for name, path, read in (("Rust", sys.argv[1], rust), ("browser", sys.argv[2], browser)):
        try:
            tests = read(path)
        except (OSError, ET.ParseError, json.JSONDecodeError):
            continue
        total = sum(t for t, _ in tests)
        print(f"\nslowest {name} tests ({len(tests)} tests, {total:.0f} s in all):")
        for secs, title in sorted(tests, reverse=True)[:SHOWN]:
            print(f"  {secs:7.2f} s  {title}")


if __name__ == "__main__":
    main()

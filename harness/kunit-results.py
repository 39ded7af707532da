#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""KUnit results as PASS/FAIL/SKIP lines, from kunit.py's --json output.

    kunit-results.py RESULTS.json NAME LOG

kunit.py writes KernelCI's test-group format: groups (suites, and
parameterised cases) hold "sub_groups" and "test_cases", each case with a
"status" of PASS, SKIP, FAIL or ERROR (crashed). Prints one line per case,
"PASS NAME/suite.case[.param]", "SKIP ..." or "FAIL ... (log: LOG)".
A run without any case is a failure: the suites did not run.
"""
import json
import sys


def walk(group, path, out):
    for sub in group.get("sub_groups", []):
        walk(sub, path + [sub["name"]], out)
    for case in group.get("test_cases", []):
        out.append((".".join(path + [case["name"]]), case["status"]))


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: kunit-results.py RESULTS.json NAME LOG")
    path, name, log = sys.argv[1:]
    with open(path) as f:
        top = json.load(f)
    cases = []
    walk(top, [], cases)
    if not cases:
        print(f"FAIL {name}: no test case ran (log: {log})")
    for case, status in cases:
        if status == "PASS":
            print(f"PASS {name}/{case}")
        elif status == "SKIP":
            print(f"SKIP {name}/{case}")
        else:
            print(f"FAIL {name}/{case}: {status} (log: {log})")


if __name__ == "__main__":
    main()

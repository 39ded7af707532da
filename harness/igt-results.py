#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read IGT's results.json (igt_runner, results_version 10).

    igt-results.py report RESULTS.json [--expect FILE]
        One line per subtest: "PASS|FAIL|SKIP igt/<test>/<subtest>[/<dynamic>]".
        Without --expect: pass is PASS, skip is SKIP, anything else FAIL,
        dmesg-warn included (the kernel logged an error during the
        subtest; IGT and drm-ci rate it as its own result, not a pass).
        With --expect, every result is
        compared with the expectations file: as expected is PASS (SKIP
        for an expected skip), anything else FAIL, and so is an expected
        subtest that did not run. A subtest expected "notrun" is SKIP
        when it did not run and FAIL when it did.
    igt-results.py exclude FILE
        The subtests an expectations file marks "notrun", one regular
        expression per line, for igt_runner's --blacklist.
    igt-results.py junit OUT.xml NAME=RESULTS.json...
        JUnit XML (one testsuite per results file, one testcase per
        subtest, written by Debian's python3-junit.xml) for CI systems
        that read JUnit (GitLab, Jenkins). Raw IGT results: an expected
        skip is <skipped/>, an expected failure a <failure/>.

Expectations file: one "igt@TEST@SUBTEST[@DYNAMIC] RESULT [# reason]" line
per subtest (fnmatch patterns allowed in the name; the first line that
matches counts); RESULT is one of IGT's results, or "notrun" for a
subtest the runner is told to leave out (an exact name: the report lists
each one as not run, with its reason); "#" starts a comment. A subtest
matching no line is expected to pass. There is no "either result": a
subtest whose outcome is down to timing is left out, not accepted both
ways.
"""
import datetime
import fnmatch
import json
import re
import sys



def load(path):
    # igt_results writes what a test printed as it came, so the file need
    # not be valid UTF-8.
    with open(path, 'rb') as f:
        r = json.loads(f.read().decode('utf-8', 'replace'))
    if r.get('__type__') != 'TestrunResult' or r.get('results_version') != 10:
        sys.exit(f'igt-results: {path} is not IGT results_version 10')
    return r


def is_pattern(name):
    return any(c in name for c in '*?[')


def parts(name):
    p = name.split('@')
    return p[1], '/'.join(p[2:]) if len(p) > 2 else ''


def read_expect(path):
    rules = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            text = line.split('#', 1)
            reason = text[1].strip() if len(text) > 1 else ''
            fields = text[0].split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[0].startswith('igt@'):
                sys.exit(f'igt-results: {path}:{n}: want "igt@TEST@SUBTEST RESULT # reason"')
            if fields[1] == 'notrun' and is_pattern(fields[0]):
                sys.exit(f'igt-results: {path}:{n}: a "notrun" line names one subtest, not a pattern')
            if '|' in fields[1]:
                sys.exit(f'igt-results: {path}:{n}: one expected result, not several')
            rules.append((fields[0], fields[1], reason, n))
    return rules


def report(args):
    r = load(args[0])
    rules = read_expect(args[2]) if len(args) > 2 and args[1] == '--expect' else None
    used = set()
    for name in sorted(r['tests']):
        t = r['tests'][name]
        test, sub = parts(name)
        res = t['result']
        label = f'igt/{test}/{sub}' if sub else f'igt/{test}'
        if rules is None:
            if res == 'pass':
                print(f'PASS {label}')
            elif res == 'skip':
                print(f'SKIP {label}')
            else:
                print(f'FAIL {label}: {res}')
            continue
        want, reason = 'pass', ''
        for pat, result, why, n in rules:
            if fnmatch.fnmatchcase(name, pat):
                want, reason = result, why
                used.add(n)
                break
        if want == 'notrun':
            print(f'FAIL {label}: {res}, but it should have been left out ({reason})')
        elif res == want:
            word = 'SKIP' if res == 'skip' else 'PASS'
            print(f'{word} {label}: {res} as expected' + (f' ({reason})' if reason else ''))
        else:
            print(f'FAIL {label}: {res}, expected {want}' + (f' ({reason})' if reason else ''))
    if rules is not None:
        for pat, result, why, n in rules:
            if n not in used and not is_pattern(pat):
                test, sub = parts(pat)
                if result == 'notrun':
                    print(f'SKIP igt/{test}/{sub}: not run' + (f' ({why})' if why else ''))
                else:
                    print(f'FAIL igt/{test}/{sub}: did not run, expected {result}')


def exclude(args):
    for pat, result, _, _ in read_expect(args[0]):
        if result == 'notrun':
            print('^' + re.escape(pat) + '$')


def junit(args):
    # Debian's python3-junit.xml writes the XML.
    import junit_xml

    suites = []
    for arg in args[1:]:
        suite_name, path = arg.split('=', 1)
        r = load(path)
        cases = []
        for name in sorted(r['tests']):
            t = r['tests'][name]
            test, sub = parts(name)
            tm = t.get('time') or {}
            case = junit_xml.TestCase(sub or test, classname=f'igt.{suite_name}.{test}',
                                      elapsed_sec=max(0.0, tm.get('end', 0) - tm.get('start', 0)),
                                      stdout=(t.get('out') or '')[-8000:],
                                      stderr=(t.get('err') or '')[-4000:])
            res = t['result']
            if res == 'skip':
                case.add_skipped_info('skip')
            elif res in ('fail', 'dmesg-fail', 'warn'):
                case.add_failure_info(res, (t.get('dmesg') or '')[-4000:], res)
            elif res == 'dmesg-warn':
                case.add_failure_info(res, (t.get('dmesg') or '')[-4000:], res)
            elif res != 'pass':
                case.add_error_info(res, (t.get('dmesg') or '')[-4000:], res)
            cases.append(case)
        start = (r.get('time_elapsed') or {}).get('start')
        stamp = (datetime.datetime.fromtimestamp(start, datetime.timezone.utc)
                 .strftime('%Y-%m-%dT%H:%M:%S') if start else None)
        suites.append(junit_xml.TestSuite(suite_name, cases,
                                          timestamp=stamp))
    with open(args[0], 'w', encoding='utf-8') as f:
        junit_xml.to_xml_report_file(f, suites, prettyprint=True, encoding='utf-8')


if __name__ == '__main__':
    if len(sys.argv) < 3 or sys.argv[1] not in ('report', 'junit', 'exclude'):
        sys.exit(__doc__)
    {'report': report, 'junit': junit, 'exclude': exclude}[sys.argv[1]](sys.argv[2:])

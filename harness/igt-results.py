#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read IGT's results.json (igt_runner, results_version 10).

    igt-results.py report RESULTS.json [--expect PREFIX]
        One line per subtest: "PASS|FAIL|SKIP igt/<test>/<subtest>[/<dynamic>]".
        Without --expect: pass is PASS, skip is SKIP, anything else FAIL,
        dmesg-warn included (the kernel logged an error during the
        subtest; IGT and drm-ci rate it as its own result, not a pass).
        With --expect, every result is compared with the expectations:
        as expected is PASS (SKIP for an expected skip), anything else
        FAIL, and so is an expected subtest of a test that ran which did
        not run, or a subtest that ran although the skips leave it out. Each skips line
        is reported once as SKIP, not run, with its reason.
    igt-results.py exclude PREFIX
        The skips, as regular expressions for igt_runner's --blacklist.
    igt-results.py junit OUT.xml NAME=RESULTS.json...
        JUnit XML (one testsuite per results file, one testcase per
        subtest, written by Debian's python3-junit.xml) for CI systems
        that read JUnit (GitLab, Jenkins). Raw IGT results: an expected
        skip is <skipped/>, an expected failure a <failure/>.

Expectations are drm-ci's files (drivers/gpu/drm/ci/xfails/): PREFIX is
<dir>/<driver>-<board>, and PREFIX-fails.txt holds "TEST@SUBTEST,Result"
lines (exact names, deqp-runner's statuses: Fail, Crash, Timeout, Warn,
and Skip for a subtest that skips here, which drm-ci does not fail on but
this tier does), PREFIX-skips.txt regular expressions of the subtests to
leave out of the run (matched anywhere in TEST@SUBTEST, as drm-ci does).
A subtest not listed is expected to pass. The first sentence of the
comment block right above a line, or above its group of lines, is its
reason. PREFIX-flakes.txt (drm-ci's tests that may pass or fail) is
refused: a subtest whose outcome is down to timing goes in the skips,
not accepted either way.
"""
import datetime
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


def parts(name):
    p = name.split('@')
    return p[1], '/'.join(p[2:]) if len(p) > 2 else ''


# deqp-runner's statuses in a fails file, as IGT's results.
STATUSES = {'Fail': 'fail', 'Crash': 'crash', 'Timeout': 'timeout',
            'Warn': 'dmesg-warn', 'Skip': 'skip'}


def entries(path):
    """(line number, text, reason) of each line of a drm-ci file."""
    block, reason = [], ''
    with open(path) as f:
        for n, line in enumerate(f, 1):
            text = line.strip()
            if text.startswith('#'):
                block.append(text.lstrip('#').strip())
                continue
            if not text:
                block = []
                continue
            if block:
                if 'SPDX-License-Identifier' in block[0]:
                    block = block[1:]
                words = ' '.join(block)
                reason = words.split('. ')[0].rstrip('.')
                block = []
            yield n, text, reason


def read_expect(prefix):
    fails, skips = {}, []
    path = prefix + '-fails.txt'
    for n, text, reason in entries(path):
        name, sep, status = text.rpartition(',')
        if not sep or status not in STATUSES or not name or any(c in name for c in '*?[ '):
            sys.exit(f'igt-results: {path}:{n}: want "TEST@SUBTEST,Result" with an exact name '
                     f'and one of {", ".join(STATUSES)}')
        if name in fails:
            sys.exit(f'igt-results: {path}:{n}: {name} is listed twice')
        fails[name] = (STATUSES[status], reason)
    path = prefix + '-skips.txt'
    for n, text, reason in entries(path):
        try:
            skips.append((text, re.compile(text), reason))
        except re.error as e:
            sys.exit(f'igt-results: {path}:{n}: not a regular expression: {e}')
    path = prefix + '-flakes.txt'
    try:
        if any(True for _ in entries(path)):
            sys.exit(f'igt-results: {path}: flakes are not accepted; leave the subtest out (skips)')
    except FileNotFoundError:
        pass
    return fails, skips


def report(args):
    r = load(args[0])
    expect = read_expect(args[2]) if len(args) > 2 and args[1] == '--expect' else None
    seen = set()
    for key in sorted(r['tests']):
        t = r['tests'][key]
        test, sub = parts(key)
        res = t['result']
        label = f'igt/{test}/{sub}' if sub else f'igt/{test}'
        if expect is None:
            if res == 'pass':
                print(f'PASS {label}')
            elif res == 'skip':
                print(f'SKIP {label}')
            else:
                print(f'FAIL {label}: {res}')
            continue
        fails, skips = expect
        name = key.split('@', 1)[1]
        left_out = [(text, why) for text, rx, why in skips if rx.search(name)]
        want, reason = fails.get(name, ('pass', ''))
        seen.add(name)
        if left_out:
            text, why = left_out[0]
            print(f'FAIL {label}: {res}, but the skips leave it out ({text}: {why})')
        elif res == want:
            word = 'SKIP' if res == 'skip' else 'PASS'
            print(f'{word} {label}: {res} as expected' + (f' ({reason})' if reason else ''))
        else:
            print(f'FAIL {label}: {res}, expected {want}' + (f' ({reason})' if reason else ''))
    if expect is not None:
        fails, skips = expect
        # Only the tests that ran: a run of some tests is not short of the others.
        ran = {name.split('@', 1)[0] for name in seen}
        for name, (want, _) in sorted(fails.items()):
            if name not in seen and name.split('@', 1)[0] in ran:
                print(f'FAIL igt/{name.replace("@", "/")}: did not run, expected {want}')
        for text, _, why in skips:
            print(f'SKIP igt-skips/{text}: not run' + (f' ({why})' if why else ''))


def exclude(args):
    _, skips = read_expect(args[0])
    for text, _, _ in skips:
        # igt_runner matches against igt@TEST@SUBTEST (POSIX extended).
        print('^igt@(' + text[1:] + ')' if text.startswith('^') else text)


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

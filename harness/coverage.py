#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Diff coverage: of the lines and branches the overlay writes, which did
any test reach?

    coverage.py SRC OUTDIR INFO...

SRC is the assembled kernel tree (a git repository whose tag "base" is the
pristine base), each INFO an lcov tracefile with branch data, one per
tier. "Our" lines are the lines the tree (its working tree: unexported
edits too) adds over base: a new file whole, a changed file's added lines
(git diff -U0). A line counts when gcc
instrumented it (lcov has a DA record for it): comments and braces are
not code, nor declarations without an initializer (is_declaration()),
to which a build may attribute a function's stack setup or a variable's
automatic initialization (UML's does for most); it is reached when any
tier reached it.

Branches are lcov's BRDA records on our lines. They belong to one
compilation: UML and x86_64, KASAN or not, lockdep or not, expand a line
into different branches, so they cannot be added up or matched between
tracefiles. A line's branches are counted in one compilation: of those
that executed the line, the one that expands it into the fewest branches
(KASAN and lockdep add branches of their own, to a line or to a
function's first line), and of those the one that took the largest
share. A compilation without any branch on the line is chosen only for a
function's first line (lcov's FN records): elsewhere it is a build in
which a condition is constant, and another build's branches count. A
line no compilation executed counts the fewest branches any gives it,
all missed. The other compilations of the line are not
counted: a branch only they have is not counted as missed either.

A line that is an assertion (WARN_ON(), a lock assertion, the mapping
contract's reports, a KUnit static stub's redirect, a rate-limited
message: ASSERTION below) has branches no test may take: their other
side is a kernel bug report, which fails every tier, or the macro's own
bookkeeping. They are counted apart ("assertions"), not in the branch
figures the targets are for; the lines themselves count as any other.

Writes OUTDIR/diff-coverage.txt (the per-file table, then each file's
unreached lines and branches) and OUTDIR/summary.txt (the table and the
targets of the groups below), and prints the summary.
"""

import os
import re
import subprocess
import sys

# Which of our files are measured, and the targets (lines %, branches %)
# of each group; a file in no group is reported without a target.
GROUPS = [
    ("core", re.compile(r"^drivers/dma-buf/dma-buf(-mapping|-pal)?\.c$"), 95.0, 90.0),
    ("drm_prime", re.compile(r"^drivers/gpu/drm/drm_prime\.c$"), 90.0, None),
    ("virtio-gpu", re.compile(r"^drivers/gpu/drm/virtio/"), 90.0, None),
    ("amdgpu", re.compile(r"^drivers/gpu/drm/amd/amdgpu/"), 80.0, None),
    ("xe", re.compile(r"^drivers/gpu/drm/xe/"), 80.0, None),
]
# A declaration of variables without an initializer.
DECLARATION = re.compile(r"^\s*(?!(return|goto|else|case|__label__)\b)[A-Za-z_][\w\s*]*[\s*]"
                         r"[A-Za-z_]\w*(\[\w*\])?(\s*,\s*\**\s*[A-Za-z_]\w*(\[\w*\])?)*;\s*$")
# A line whose code is an assertion or a report (see the docstring): the
# macro's call is the whole statement, or the whole condition of an if.
ASSERTION = re.compile(r"^\s*(if \()?(WARN(_ON)?(_ONCE)?|BUG_ON|lockdep_assert\w*|"
                       r"dma_resv_assert_held|might_sleep|might_lock|"
                       r"KUNIT_STATIC_STUB_REDIRECT|pr_\w+_ratelimited|"
                       r"dma_buf_mapping_(importer_)?bug)\(")


def is_declaration(text, n):
    """Is line @n (from 1) a declaration, not a statement's continuation?"""
    if not DECLARATION.match(text[n - 1]):
        return False
    prev = next((t.strip() for t in reversed(text[:n - 1]) if t.strip()), "")
    return prev.endswith((";", "{", "}", "*/")) or prev.startswith("#")


def is_assertion(text, n):
    """Is line @n (from 1) an assertion, and nothing else?"""
    m = ASSERTION.match(text[n - 1])
    if not m:
        return False
    depth, rest = 0, text[n - 1][m.end() - 1:]
    for i, c in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0:
            tail = rest[i + 1:].strip()
            return tail in (";", "") if not m.group(1) else tail in (")", ") {")
    return True  # the call goes on to the next line


# Not measured: tests, their helpers (the test device too) and benchmarks.
SKIP = re.compile(r"([_-]test|-bench|selftests?|-kunit|-test-device|-test-exporter)\.[ch]$|/tests/|/selftests/|^tools/")


def git(src, *args):
    return subprocess.run(["git", "-C", src, *args], check=True,
                          capture_output=True, text=True).stdout


def our_lines(src):
    """{path: set of line numbers HEAD adds over base} for .c and .h."""
    lines = {}
    path = None
    diff = git(src, "diff", "-U0", "--no-color", "--no-renames", "--src-prefix=a/",
               "--dst-prefix=b/", "base", "--", "*.c", "*.h")
    for text in diff.splitlines():
        if text.startswith("+++ "):
            name = text[4:]
            path = None if name == "/dev/null" else name[2:]
            if path is not None and SKIP.search(path):
                path = None
            if path is not None:
                lines.setdefault(path, set())
        elif text.startswith("@@") and path is not None:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", text)
            start, count = int(m.group(1)), int(m.group(2) or "1")
            lines[path].update(range(start, start + count))
    return {p: s for p, s in lines.items() if s}


def read_info(info, src):
    """{path: (lines {n: hits}, branches {n: [taken, ...]}, function first lines)}."""
    root = os.path.realpath(src) + "/"
    data = {}
    cur = None
    with open(info) as f:
        for text in f:
            text = text.rstrip("\n")
            if text.startswith("SF:"):
                p = os.path.realpath(text[3:])
                cur = data.setdefault(p[len(root):] if p.startswith(root) else p,
                                      ({}, {}, set()))
            elif text.startswith("FN:") and cur is not None:
                cur[2].add(int(text[3:].split(",")[0]))
            elif text.startswith("DA:") and cur is not None:
                n, hits = text[3:].split(",")[:2]
                cur[0][int(n)] = cur[0].get(int(n), 0) + int(hits)
            elif text.startswith("BRDA:") and cur is not None:
                n, _block, _branch, taken = text[5:].split(",")
                cur[1].setdefault(int(n), []).append(0 if taken == "-" else int(taken))
            elif text == "end_of_record":
                cur = None
    return data


def share(taken):
    return sum(1 for x in taken if x) / len(taken) if taken else 1.0


def merge(tracefiles):
    """One {path: (lines {n: hits}, branches {(n, i): taken})} of them all."""
    lines, compiled, firsts = {}, {}, {}
    for data in tracefiles:
        for path, (da, brda, fns) in data.items():
            acc = lines.setdefault(path, {})
            per_line = compiled.setdefault(path, {})
            firsts.setdefault(path, set()).update(fns)
            for n, hits in da.items():
                acc[n] = acc.get(n, 0) + hits
                per_line.setdefault(n, []).append((hits > 0, brda.get(n, [])))
    merged = {}
    for path, da in lines.items():
        branches = {}
        for n, each in compiled[path].items():
            ran = [taken for hit, taken in each if hit] or [taken for _, taken in each]
            # A build where a condition is constant has no branch for it.
            if n not in firsts[path] and any(ran):
                ran = [taken for taken in ran if taken]
            best = min(ran, key=lambda t: (len(t), -share(t)))
            for i, taken in enumerate(best):
                branches[(n, i)] = taken
        merged[path] = (da, branches)
    return merged


def read_lines(src, path):
    with open(os.path.join(src, path), errors="replace") as f:
        return f.read().split("\n")


def ranges(nums):
    """[3, 4, 5, 9] -> "3-5 9"."""
    out = []
    nums = sorted(nums)
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return " ".join(out)


def pct(hit, total):
    return 100.0 * hit / total if total else 100.0


def group_of(path):
    for name, rx, line_t, branch_t in GROUPS:
        if rx.search(path):
            return name, line_t, branch_t
    return None, None, None


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    src, outdir = sys.argv[1:3]
    ours = our_lines(src)
    data = merge([read_info(info, src) for info in sys.argv[3:]])

    rows = []
    detail = []
    groups = {}
    for path in sorted(ours):
        da, brda = data.get(path, ({}, {}))
        built = path in data
        text = read_lines(src, path) if built else []
        decls = {n for n in ours[path] if n <= len(text) and is_declaration(text, n)}
        code = sorted(n for n in ours[path] if n in da and n not in decls)
        hit = [n for n in code if da[n] > 0]
        if not code and (built or path.endswith(".h")):
            continue  # no code of ours (declarations, comments, macros only)
        asserts = {n for n in ours[path] if n <= len(text) and is_assertion(text, n)}
        br = sorted(k for k in brda if k[0] in ours[path] and k[0] not in asserts | decls)
        br_hit = [k for k in br if brda[k] > 0]
        ab = [k for k in brda if k[0] in asserts]
        ab_hit = [k for k in ab if brda[k] > 0]
        rows.append((path, built, len(code), len(hit), len(br), len(br_hit)))
        missed = [n for n in code if da[n] == 0]
        br_missed = sorted({k[0] for k in br if brda[k] == 0})
        ab_missed = sorted({k[0] for k in ab if brda[k] == 0})
        if not built:
            detail.append(f"{path}: not built or not run by any coverage tier")
        elif missed or br_missed or ab_missed:
            detail.append(f"{path}:")
            if missed:
                detail.append(f"  lines not reached: {ranges(missed)}")
            if br_missed:
                detail.append(f"  lines with a branch never taken: {ranges(br_missed)}")
            if ab_missed:
                detail.append(f"  assertions with a side never taken: {ranges(ab_missed)}")
        g, _, _ = group_of(path)
        if g and built:
            acc = groups.setdefault(g, [0] * 6)
            for i, v in enumerate((len(code), len(hit), len(br), len(br_hit),
                                   len(ab), len(ab_hit))):
                acc[i] += v

    w = max([len(r[0]) for r in rows] + [4])
    table = [f"{'file':<{w}}  {'lines':>13}  {'branches':>13}"]
    for path, built, n, h, b, bh in rows:
        if not built:
            table.append(f"{path:<{w}}  {'not run':>13}  {'':>13}")
            continue
        lines = f"{h}/{n} {pct(h, n):5.1f}%"
        branches = f"{bh}/{b} {pct(bh, b):5.1f}%" if b else "-"
        table.append(f"{path:<{w}}  {lines:>13}  {branches:>13}")

    targets = ["", "group        lines            branches         assertions  "
               "target (lines, branches)"]
    missed_targets = 0
    for name, _, line_t, branch_t in GROUPS:
        if name not in groups:
            targets.append(f"{name:<12} not run")
            missed_targets += 1
            continue
        n, h, b, bh, a, ah = groups[name]
        ok = pct(h, n) >= line_t and (branch_t is None or pct(bh, b) >= branch_t)
        missed_targets += 0 if ok else 1
        want = f"{line_t:.0f}%" + (f", {branch_t:.0f}%" if branch_t else "")
        targets.append(f"{name:<12} {h:>5}/{n:<5} {pct(h, n):5.1f}%  "
                       f"{bh:>5}/{b:<5} {pct(bh, b):5.1f}%  {ah:>4}/{a:<5}  {want:<9} "
                       f"{'met' if ok else 'MISSED'}")

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "diff-coverage.txt"), "w") as f:
        f.write("\n".join(table + targets + [""] + detail) + "\n")
    summary = "\n".join(table + targets) + "\n"
    with open(os.path.join(outdir, "summary.txt"), "w") as f:
        f.write(summary)
    sys.stdout.write(summary)
    print(f"coverage targets missed: {missed_targets} of {len(GROUPS)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The exporter x importer table of the cross-driver PRIME test.

Reads the results.json of a VM run's igt_runner results directory
(build/results/igt-<tag>/; each subtest's "out" is its output). One row
per exporter, one column per importer; a cell is the subtest's result,
what the kernel did (imported, self-import of the driver's own object,
captured by vivid, read through the mapping by the test device, refused
as the test expects) and, for an attachment, the negotiated mapping type
and whether exporter and importer were native or went through the compat
layer ("sgt native/compat"). The last column is kms_prime_scanout's
device-level check: virtio-gpu card B scanning the buffer out, compared
with QEMU's screen dump of the card.

    table.py RESULTS_DIR [LONG_FILE]

Prints a compact table, at most 100 columns wide (wider tables are split
into column groups), and writes the long form, one cell per line, to
LONG_FILE (default RESULTS_DIR/prime-table.txt). Exits 1 when a cell did
not pass or the run has no cross-driver results.
"""
import json
import re
import sys

WIDTH = 100
CELL = re.compile(r"^cell: (.+?) -> (.+?): (.*)$")
SUBTEST = re.compile(r"^Subtest (\S+): (\S+)")

# Importer names shortened for the column headers.
SHORT = (("virtio-gpu-", "gpu-"), ("test-device", "tdev"))
# What the kernel did, shortened; "" when the mapping says enough.
WHAT = {"imported": "", "read-via-mapping": "", "captured": "cap",
        "captured-bounced-away": "cap*", "self-import": "self",
        "refused": "-"}
SCAN = {"screendump-match": "dump", "live-change-seen": "live",
        "vnc-cursor-match": "cursor"}


def short_mapping(mapping):
    """'sgt native/compat via pal' -> 'sgt nc+pal'."""
    words = mapping.replace("via=", "via ").split()
    if not words or words[0] == "-":
        return ""
    out = words[0]
    for prev, w in zip(words, words[1:]):
        if "/" in w:
            out += " " + "".join(side[:1] for side in w.split("/"))
        elif prev == "via":
            out += "+" + w
    return out


def read(results):
    """Cells and scanout results from the runner's results.json."""
    with open(results, "rb") as f:
        tests = json.loads(f.read().decode("utf-8", "replace"))["tests"]
    res, what, scan = {}, {}, {}
    exps, imps = [], []
    for name, t in tests.items():
        test = name.split("@")[1]
        for line in (t.get("out") or "").splitlines():
            m = CELL.match(line)
            if m and test == "prime_cross_driver":
                exp, imp, rest = m.groups()
                kind, _, mapping = rest.partition(": ")
                what[exp, imp] = (kind, mapping)
            elif m and test == "kms_prime_scanout":
                exp, rest = m.group(1), m.group(3)
                kind = rest.rpartition(": ")[2]
                scan.setdefault(exp, []).append(SCAN.get(kind, kind))
            m = SUBTEST.match(line)
            if m and test == "prime_cross_driver" and "-to-" in m.group(1):
                exp, imp = m.group(1).split("-to-", 1)
                res[exp, imp] = m.group(2)
                if exp not in exps:
                    exps.append(exp)
                if imp not in imps:
                    imps.append(imp)
            elif m and test == "kms_prime_scanout" and m.group(2) != "SUCCESS":
                exp = re.sub(r"^scanout-(from|live-change)-", "", m.group(1))
                scan.setdefault(exp, []).append(m.group(2))
    return exps, imps, res, what, scan


def cell(result, what):
    """Compact cell: the mapping when it passed, else the result."""
    if result != "SUCCESS":
        return result or "missing"
    kind, mapping = what or ("", "")
    if kind == "refused":
        return "-"
    return " ".join(x for x in (WHAT.get(kind, kind), short_mapping(mapping)) if x) or "ok"


def header(imp):
    for long, short in SHORT:
        imp = imp.replace(long, short)
    return imp


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: table.py RESULTS_DIR [LONG_FILE]")
    rdir = sys.argv[1]
    long_file = sys.argv[2] if len(sys.argv) == 3 else rdir + "/prime-table.txt"
    try:
        exps, imps, res, what, scan = read(rdir + "/results.json")
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"table.py: cannot read {rdir}/results.json: {e}")
    if not exps:
        sys.exit(f"table.py: no prime_cross_driver results in {rdir}/results.json")

    failed = 0
    with open(long_file, "w") as f:
        for e in exps:
            for i in imps:
                r = res.get((e, i), "missing")
                failed += r != "SUCCESS"
                kind, mapping = what.get((e, i), ("", ""))
                f.write(f"{e} -> {i}: {'ok' if r == 'SUCCESS' else r}"
                        f"{', ' + kind if kind else ''}"
                        f"{', ' + mapping if mapping and mapping != '-' else ''}\n")
            f.write(f"{e} -> virtio-gpu-b scanout: {','.join(scan.get(e, ['-']))}\n")

    rows = {e: [cell(res.get((e, i), "missing"), what.get((e, i))) for i in imps]
            + [",".join(scan.get(e, ["-"]))] for e in exps}
    cols = [header(i) for i in imps] + ["scanout"]
    lw = max(len("exporter"), *(len(e) for e in exps))
    widths = [max(len(c), *(len(rows[e][k]) for e in exps)) for k, c in enumerate(cols)]
    # Column groups that fit WIDTH with the exporter column repeated.
    groups, cur, used = [], [], lw
    for k, w in enumerate(widths):
        if cur and used + 2 + w > WIDTH:
            groups.append(cur)
            cur, used = [], lw
        cur.append(k)
        used += 2 + w
    groups.append(cur)
    for g in groups:
        print("exporter".ljust(lw) + "".join("  " + cols[k].ljust(widths[k]) for k in g).rstrip())
        for e in exps:
            print(e.ljust(lw) + "".join("  " + rows[e][k].ljust(widths[k]) for k in g).rstrip())
        print()
    print("sgt/p2p/pal: the negotiated type; two letters: exporter, importer native (n) "
          "or\ncompat (c); +pal/+sgt: converted by the core; self: the driver's own object; "
          "-: refused,\nas expected; cap: vivid captured into it (cap*: bounced away, the exporter's data "
          "checked);\ndump/live/cursor: card B's screen dump or cursor matched.\n"
          f"Long form: {long_file}")
    if failed:
        print(f"{failed} cells did not pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

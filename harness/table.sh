#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the exporter x importer table of the cross-driver PRIME test from
# the results.json of a VM run's igt_runner results directory
# (build/results/igt-<tag>/; each subtest's "out" is its output): one row
# per exporter, one column per importer; each cell is the subtest's result,
# what the kernel did (imported, self-import of the driver's own object,
# captured by vivid, read through the mapping by the test device) and, for
# an attachment, the negotiated mapping type and whether the exporter and
# the importer were native or went through the compat layer
# ("sgt native/compat": SGT, native exporter, compat importer). The last
# column is the device-level check of kms_prime_scanout: virtio-gpu card B
# scanning the buffer out, compared with QEMU's screen dump of the card.
#
#   table.sh RESULTS_DIR
. "$(dirname "$0")/lib.sh"
dir=${1:?usage: table.sh RESULTS_DIR}
[ -f "$dir/results.json" ] || die "no results.json in $dir (an igt_runner results directory)"

# Each test's output, in the order it ran, after a "VM-TEST-BEGIN <test>" line.
python3 -c '
import json, sys
tests = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "replace"))["tests"]
last = None
for name, t in tests.items():
    test = name.split("@")[1]
    if test != last:
        print("VM-TEST-BEGIN " + test)
        last = test
    sys.stdout.write(t.get("out") or "")
' "$dir/results.json" | awk '
/^VM-TEST-BEGIN / { in_test = ($2 == "prime_cross_driver"); in_scan = ($2 == "kms_prime_scanout") }
in_scan && /^cell: / {
	# cell: EXP -> virtio-gpu-b: scanout: RESULT
	split(substr($0, 7), a, / -> |: /)
	prev = (a[1] in scan) ? scan[a[1]] "," : ""
	scan[a[1]] = prev a[4]
}
in_scan && /^Subtest / && $3 != "SUCCESS" {
	name = $2; sub(/:$/, "", name); sub(/^scanout-(from|live-change)-/, "", name)
	prev = (name in scan) ? scan[name] "," : ""
	scan[name] = prev $3
}
in_test && /^cell: / {
	# cell: EXP -> IMP: WHAT: MAPPING (type exporter/importer, or -)
	split(substr($0, 7), a, / -> |: /)
	what[a[1] "|" a[2]] = a[3] (a[4] != "-" && a[4] != "" ? ", " a[4] : "")
}
in_test && /^Subtest / && $2 ~ /-to-/ {
	name = $2; sub(/:$/, "", name)
	res[name] = $3
	n = split(name, p, "-to-")
	e = p[1]; i = p[2]
	if (!(e in seen_e)) { seen_e[e] = 1; exps[++ne] = e }
	if (!(i in seen_i)) { seen_i[i] = 1; imps[++ni] = i }
}
END {
	if (!ne) { print "no results for prime_cross_driver in the log"; exit 1 }
	w = 19; cw = 30
	printf "%-" w "s", "exporter \\ importer"
	for (c = 1; c <= ni; c++) printf " | %-" cw "s", imps[c]
	printf " | %s\n", "scanout on virtio-gpu-b (screen dump)"
	for (c = 0; c <= ni + 1; c++) printf "%s", (c ? "-+-" : "") sprintf("%" (c ? cw : w) "s", "")
	printf "\n"
	for (r = 1; r <= ne; r++) {
		printf "%-" w "s", exps[r]
		for (c = 1; c <= ni; c++) {
			k = exps[r] "|" imps[c]
			s = exps[r] "-to-" imps[c]
			r_ = (s in res) ? res[s] : "missing"
			cell = (r_ == "SUCCESS") ? "ok" : r_
			if (k in what) cell = cell " " what[k]
			printf " | %-" cw "s", cell
		}
		printf " | %s\n", (exps[r] in scan) ? scan[exps[r]] : "-"
	}
}' | sed '2s/ /-/g'

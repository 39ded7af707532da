#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build/results/: what CI systems read after `make check`.
#
#   igt-<run>/      igt_runner's results directory of each VM run, with
#                   results.json as IGT writes it (rebuilt from the run
#                   directory by igt_results); <run> is the kernel flavour
#                   and topology: debug (direct), debug-iommu, debug-bounce,
#                   debug-upstream (upstream IGT's tests, the direct
#                   topology)
#   results.json    the direct-topology run's, for tools that take one
#   junit.xml       every run as JUnit XML, one testsuite per run, checked
#                   against harness/junit.xsd with xmllint and read back
#                   with Debian's python3-junitparser
#   ktap/           KUnit's KTAP, as the kernel printed it: kunit-uml-*
#                   (kunit.py's UML runs), kunit-x86_64-* (the suites the
#                   debug guest runs at boot)
#
# Prints where it wrote them; fails when there are no IGT results or the
# JUnit file does not validate.
STAGE=results
. "$(dirname "$0")/lib.sh"

out=$BUILD/results
set -- "$out"/igt-*/results.json
[ -f "$1" ] || die "no IGT results in $out (the VM tiers write them)"
args=()
for r in "$@"; do
	run=$(basename "$(dirname "$r")")
	args+=("${run#igt-}=$r")
done
[ -f "$out/igt-debug/results.json" ] && cp "$out/igt-debug/results.json" "$out/results.json"
# Debian's python3 modules: not a virtualenv's python.
py=/usr/bin/python3
"$py" "$TOP/harness/igt-results.py" junit "$out/junit.xml" "${args[@]}" ||
	die "could not write $out/junit.xml"
xmllint --noout --schema "$TOP/harness/junit.xsd" "$out/junit.xml" 2>"$LOGDIR/junit-xmllint.log" ||
	die "$out/junit.xml does not validate against harness/junit.xsd (log: $LOGDIR/junit-xmllint.log)"
counts=$("$py" -c '
import sys, junitparser
x = junitparser.JUnitXml.fromfile(sys.argv[1])
n = sum(1 for s in x for c in s)
print(f"{sum(1 for s in x)} testsuites, {n} testcases")' "$out/junit.xml") ||
	die "python3-junitparser cannot read $out/junit.xml"
say "$out: $# IGT runs (${args[*]%%=*}), junit.xml ($counts; validates), $(ls "$out/ktap" 2>/dev/null | wc -l) KTAP files"

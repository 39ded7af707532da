#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make`: boot the patched guest kernel, share a buffer from every
# exporter with every importer (prime_cross_driver) and scan it out on
# card B (kms_prime_scanout), and print the table (harness/table.py).
# The screen gets the progress and any failure; the whole output goes to
# build/logs/demo.log. Exits non-zero when a cell or the run failed.
STAGE=demo
. "$(dirname "$0")/lib.sh"

out=$LOGDIR/demo.log
say "the cross-driver PRIME tests in the guest (whole output: ${out#"$TOP"/})"
set +e
bash "$TOP/harness/vm.sh" guest prime_cross_driver kms_prime_scanout 2>&1 | tee "$out" |
	grep --line-buffered -E '^(==>|    |FAIL|RESULT|WARNING)' | cut -c -100
rc=${PIPESTATUS[0]}
set -e
echo
echo "Cross-driver PRIME sharing on the patched kernel:"
python3 "$TOP/harness/table.py" "$BUILD/results/igt-guest" || rc=1
[ "$rc" -eq 0 ] || die "some cells or the run failed (whole output: ${out#"$TOP"/})"

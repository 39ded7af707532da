#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In a guest whose kernel has GCOV_KERNEL (make coverage): print the gcov
# counters on stdout, a gzipped tar of every .gcda in base64 between the
# lines VM-GCOV-BEGIN and VM-GCOV-END; the host unpacks them with
# gcov_unpack (harness/lib.sh). The files in debugfs are copied with cat
# first: archived as they are, their size reads as 0. Needs a mounted
# debugfs; busybox is enough.
set -e
rm -rf /tmp/gcov
mkdir -p /tmp/gcov
cd /sys/kernel/debug/gcov
find . -name '*.gcda' | while read -r f; do
	mkdir -p "/tmp/gcov/${f%/*}"
	cat "$f" >"/tmp/gcov/$f"
done
cd /
echo VM-GCOV-BEGIN
tar czf - -C /tmp gcov | base64
echo VM-GCOV-END

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: our kernel against the unmodified base, reported, never
# asserted.
#
# Both kernels are the guest's configuration plus the dma-buf benchmark
# modules, built in (build-kernel.sh bench; the base gets
# drivers/dma-buf/dma-buf-api-bench.c, which uses only the API that
# predates mapping types, copied into its worktree for the run). Each boots
# in the same QEMU setup under instruction counting (vm.sh VM_ICOUNT, shift
# BENCH_ICOUNT_SHIFT, default 0: one guest ns per instruction), so that a
# time read in the guest counts instructions and does not depend on how
# busy the host is. In each boot:
#
#  1. the benchmark modules, at boot: dma-buf-api-bench, attach + map +
#     unmap + detach for static and dynamic exporters and importers, also
#     with 16 and 256 other attachments, in both kernels; in ours also
#     dma-buf-attach-bench (legacy and native importer of a native
#     exporter, negotiation with n offers x m requests, attachments per
#     buffer) and dma-buf-pal-bench;
#  2. igt-tests/bench/prime_roundtrip: export + import + close round trips
#     per pair and size, and one more import of a buffer K others hold.
#
# 3. harness/bench-trace.py, once per kernel: every instruction of one
#    iteration of the static/static API row, by function, interrupts
#    excluded; the difference says where each extra instruction goes.
#    The same for two round-trip rows (one more import + close of a
#    udmabuf; udmabuf>vgem at 64 KiB), SLUB's slow paths also left out:
#    exact counts of one iteration, independent of the host.
#
# Then one more boot of ours alone, in the bounce topology (swiotlb=force,
# as in SEV-SNP and TDX guests; the base imports nothing foreign into
# virtio-gpu): a damage update of a 4K import scanned out by virtio-gpu,
# full frame and 16 rows, and how many 4K imports the swiotlb pool holds.
#
# Runs alternate base, ours, base, ours, ... BENCH_RUNS times (default 2).
# The tables show per row the median over runs of each kernel, the ratio
# ours/base and each kernel's spread over its runs ((max - min) / median).
# PRIME_BENCH_MS sets the guest time of each round-trip row (default 400).
STAGE=bench
. "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-2}
shift_=${BENCH_ICOUNT_SHIFT:-0}
base=$(base_worktree)
out=$LOGDIR/bench
rm -rf "$out"
mkdir -p "$out"

# The API benchmark in the base worktree, for the duration.
bench_src=drivers/dma-buf/dma-buf-api-bench.c
restore_base() {
	rm -f "$base/$bench_src"
	git -C "$base" checkout -q -- drivers/dma-buf/Makefile
}
trap restore_base EXIT
cp "$SRC/$bench_src" "$base/$bench_src"
echo 'obj-y += dma-buf-api-bench.o' >>"$base/drivers/dma-buf/Makefile"

say "building the bench kernel from our tree and from the base"
bash "$TOP/harness/build-kernel.sh" bench
OUTNAME=kernel-bench-base bash "$TOP/harness/build-kernel.sh" bench "$base"

vm_run() { # KERNELDIR LOG
	local tag
	tag=$(basename "$1")
	VM_ICOUNT=$shift_ VM_SMP=1 VM_TIMEOUT=${VM_TIMEOUT:-1800} \
		VM_APPEND="PRIME_BENCH_MS=${PRIME_BENCH_MS:-400} kunit.enable=0 norandmaps" \
		bash "$TOP/harness/vm.sh" "$1" prime_roundtrip >"$2.vm" 2>&1 || true
	cat "$LOGDIR/vm-$tag.log" "$LOGDIR/vm-$tag-tests.log" >"$2"
	grep -q '^roundtrip ' "$2" || die "no round-trip output from $1 (log: $2, $2.vm)"
	grep -q 'dma_buf_api_bench: .* ns' "$2" || die "no API benchmark output from $1 (log: $2)"
	! grep -E 'dma_buf_[a-z]+_bench: not run' "$2" || die "a benchmark module did not run to the end in $1 (log: $2)"
}

for r in $(seq 1 "$runs"); do
	say "run $r of $runs: base (benchmark modules at boot, then PRIME round trips; icount shift $shift_)"
	vm_run "$BUILD/kernel-bench-base" "$out/base-$r.log"
	say "run $r of $runs: ours"
	vm_run "$BUILD/kernel-bench" "$out/ours-$r.log"
done

say "instruction trace of one API iteration (static/static), base and ours"
python3 "$TOP/harness/bench-trace.py" "$BUILD/kernel-bench-base" "$out/trace-base.json" ||
	die "no instruction trace of the base kernel"
python3 "$TOP/harness/bench-trace.py" "$BUILD/kernel-bench" "$out/trace-ours.json" ||
	die "no instruction trace of our kernel"
# The round trips, exactly: every instruction of one iteration of a row,
# interrupts and SLUB's slow paths left out (bench-trace.py roundtrip).
rt_rows="attachments:0 udmabuf>vgem:65536"
for row in $rt_rows; do
	for side in base ours; do
		kdir=$BUILD/kernel-bench
		[ "$side" = ours ] || kdir=$BUILD/kernel-bench-base
		say "instruction trace of round-trip row $row: $side"
		python3 "$TOP/harness/bench-trace.py" roundtrip "$row" "$kdir" \
			"$out/trace-$side-${row//[>:]/-}.json" ||
			die "no instruction trace of row $row in $kdir"
	done
done

python3 - "$out" "$runs" "$shift_" <<'EOF'
import re, statistics, sys

out, runs, shift = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per_ns = 1 / (1 << shift)	# instructions per guest ns

def rows(side, r):
    """{section: {row: guest ns}} of one boot's logs."""
    text = open(f"{out}/{side}-{r}.log", errors="replace").read()
    res = {"api": {}, "ours": {}, "rt": {}, "cpu": {}}
    for m in re.finditer(r"dma_buf_api_bench: (.*?)\s+(\d+) ns", text):
        res["api"][m[1].strip()] = float(m[2])
    for m in re.finditer(r"dma_buf_attach_bench: (.*?)\s+(\d+) ns", text):
        res["ours"][m[1].strip()] = float(m[2])
    for m in re.finditer(r"dma_buf_pal_bench:\s+(\d+) KiB (\S+)\s+ranges\s+\d+\s+sgt\s+(\d+) ns"
                         r"\s+pal\s+(\d+) ns\s+adapter\s+(\d+) ns", text):
        for way, v in (("sgt", m[3]), ("pal", m[4]), ("adapter", m[5])):
            res["ours"][f"map + unmap {m[1]} KiB {m[2]}, {way}"] = float(v)
    # Elapsed guest ns per round trip, and the benchmark thread's own.
    for m in re.finditer(r"^roundtrip (\S+) (\d+) (?:(error \S+)|([\d.]+) ([\d.]+))$", text, re.M):
        size = int(m[2])
        label = f"{m[1]} {size // 1024} KiB" if size < 1 << 20 else f"{m[1]} {size >> 20} MiB"
        res["rt"][label] = m[3] if m[3] else 1e9 / float(m[4])
        res["cpu"][label] = m[3] if m[3] else float(m[5])
    for m in re.finditer(r"^attachments (\d+) ([\d.]+) ([\d.]+)$", text, re.M):
        label = f"import with {int(m[1]):2d} other attachments"
        res["rt"][label] = 1e9 / float(m[2])
        res["cpu"][label] = float(m[3])
    return res

def spread(v):
    return (max(v) - min(v)) / statistics.median(v) * 100

def table(section, title, unit):
    base = [rows("base", r)[section] for r in range(1, runs + 1)]
    ours = [rows("ours", r)[section] for r in range(1, runs + 1)]
    print(f"\n== {title} ==")
    print(f"{'row':52} {'base':>11} {'ours':>11} {'ours/base':>9} {'spread base':>11} {'ours':>6}")
    for n in ours[0]:
        o = [x[n] for x in ours if n in x]
        b = [x[n] for x in base if n in x]
        if any(isinstance(v, str) for v in o + b):
            bs = b[0] if b and isinstance(b[0], str) else (f"{statistics.median(b):.0f}" if b else "-")
            os_ = o[0] if isinstance(o[0], str) else f"{statistics.median(o):.0f}"
            print(f"{n:52} {bs:>11} {os_:>11} {'n/a':>9}")
            continue
        om = statistics.median(o)
        if not b:
            print(f"{n:52} {'-':>11} {om:11.0f} {'ours only':>9} {'':>11} {spread(o):5.2f}%")
            continue
        bm = statistics.median(b)
        print(f"{n:52} {bm:11.0f} {om:11.0f} {om / bm:9.3f} {spread(b):10.2f}% {spread(o):5.2f}%")
    print(f"({unit})")

unit = "guest ns per operation = instructions" if shift == 0 else \
       f"guest ns per operation; {per_ns:g} instructions per ns"
print(f"icount shift {shift}, median of {runs} runs per kernel; spread = (max - min) / median over the runs")
table("api", "dma-buf-api-bench: attach + map + unmap + detach", unit)
table("cpu", "PRIME round trips (export + import + close), the benchmark thread's own time", unit)
table("rt", "PRIME round trips, elapsed: with other tasks and waits for the host's virtio-gpu", unit)
table("ours", "ours only: paths, negotiation, attachments, PAL", unit)
EOF

echo
echo "== where the instructions of one API iteration go (static/static, attach + map + unmap + detach) =="
python3 "$TOP/harness/bench-trace.py" compare "$out/trace-base.json" "$out/trace-ours.json"
for row in $rt_rows; do
	echo
	echo "== where the instructions of one round trip go: row $row (interrupts and SLUB's slow paths left out) =="
	python3 "$TOP/harness/bench-trace.py" compare "$out/trace-base-${row//[>:]/-}.json" \
		"$out/trace-ours-${row//[>:]/-}.json"
done

# The benchmark modules' initcalls, which this boot does not run.
skip_modules=initcall_blacklist=dma_buf_api_bench_init,dma_buf_attach_bench_init,dma_buf_pal_bench_init
say "ours, bounce topology: damage updates of a 4K import, 4K imports until the swiotlb pool runs out"
VM_TOPOLOGY=bounce VM_ICOUNT=$shift_ VM_SMP=1 VM_TIMEOUT=${VM_TIMEOUT:-1800} \
	VM_APPEND="PRIME_BENCH_MS=${PRIME_BENCH_MS:-400} PRIME_BENCH_DAMAGE=1 kunit.enable=0 norandmaps $skip_modules" \
	bash "$TOP/harness/vm.sh" "$BUILD/kernel-bench" prime_roundtrip >"$out/ours-bounce.log.vm" 2>&1 || true
cat "$LOGDIR"/vm-kernel-bench-bounce*.log >"$out/ours-bounce.log" 2>/dev/null || true
echo
echo "== ours only, bounce topology: virtio-gpu scanning out a 4K (3840x2160) import =="
echo "damage <rows> <updates per second> <benchmark thread's guest ns per update>"
echo "imports-4k <imports held at once> <errno of the first that failed>"
grep -E '^(damage|imports-4k) ' "$out/ours-bounce.log" ||
	echo "(no output: logs $out/ours-bounce.log, $out/ours-bounce.log.vm)"

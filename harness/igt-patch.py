#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write igt-tests/ as a git-am-able patch series against an IGT tree.

    igt-patch.py --top TOP --base IGT_GIT_TREE --work DIR --out DIR
                 [--date ISO8601] [--signoff "Name <mail>"]

The last patch adds our tests to IGT's tests/ (test_progs in tests/meson.build),
the benchmark to benchmarks/, igt-tests/lib/ to IGT's lib/ (lib_sources in
lib/meson.build), and the test device's interface header to
include/linux-uapi/; changes to IGT's own files (igt-tests/upstream/
<path>.patch: a commit message, a "---" line, the diff) go first, one
commit each. It is made in a clone of --base (DIR, recreated), so
the base tree is never touched; the files written are printed. The
commits carry --date, so the same tree gives the same patches.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

# Changes to IGT's own files: igt-tests/upstream/<path>.patch, each a
# commit message, a "---" line and the diff; one commit each, first.
SUBJECT = 'tests: PRIME tests for typed dma-buf mappings'
BODY = '''\
Tests for the typed dma-buf mapping series for Linux 6.12, which lets an
exporter and an importer negotiate the kind of mapping an attachment uses
(scatter table, peer-to-peer scatter table, physical address list) and
keeps unconverted drivers working through a compat layer.

prime_cross_driver shares buffers from every exporter in the machine
(virtio-gpu, vgem, vkms, udmabuf, the dma-heaps and the kernel's dma-buf
test device) with every importer, checks the data on the far side and
the negotiated mapping type in debugfs' dma_buf/bufinfo.
kms_prime_scanout scans imported buffers out on virtio-gpu and compares
the host's screen dump. prime_bad_input, prime_fuzz, prime_stress,
prime_fault_injection and prime_hotunplug cover invalid input, races,
allocation failures and device removal; prime_gpu_matrix is the same
matrix for whatever DRM devices a real machine has. The benchmark
prime_roundtrip counts PRIME export/import round trips.

lib/igt_dmabuf_util, lib/igt_dmabuf_exporter, lib/igt_dmabuf_testdev,
lib/igt_vivid and lib/igt_vmctl hold what the tests need and IGT's lib
does not have: every card of a driver with its kernel device name, the
exporters as one table type, the bufinfo parser, the test device
(CONFIG_DMABUF_TEST_DEVICE, test kernels only; its interface is
include/linux-uapi/dma-buf-test-device.h), vivid as a V4L2 importer, and
the control port of the VM the tests run in for screen dumps.

Most subtests need the test device and the series' debugfs fields and
skip without them.'''

# IGT tree path -> file in our tree (relative to TOP).
LIB_DIR = 'igt-tests/lib'
UAPI = ('include/linux-uapi/dma-buf-test-device.h',
        'drivers/dma-buf/dma-buf-test-device.h')


def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True)


def add_to_list(path, list_name, entries):
    """Add quoted entries to a meson list `NAME = [ ... ]`, before its `]`."""
    text = open(path).read()
    m = re.search(r'^' + re.escape(list_name) + r' = \[\n(.*?)^\]', text,
                  re.S | re.M)
    if not m:
        sys.exit(f'igt-patch: no "{list_name} = [" list in {path}')
    have = set(re.findall(r"'([^']+)'", m.group(1)))
    new = ''.join(f"\t'{e}',\n" for e in entries if e not in have)
    text = text[:m.end(1)] + new + text[m.end(1):]
    open(path, 'w').write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--top', required=True)
    ap.add_argument('--base', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--date')
    ap.add_argument('--signoff')
    a = ap.parse_args()

    top = os.path.abspath(a.top)
    tests = sorted(os.path.basename(p)[:-2]
                   for p in glob.glob(os.path.join(top, 'igt-tests', '*.c')))
    benches = sorted(os.path.basename(p)[:-2]
                     for p in glob.glob(os.path.join(top, 'igt-tests', 'bench', '*.c')))
    libs = sorted(os.path.basename(p)
                  for p in glob.glob(os.path.join(top, LIB_DIR, '*.[ch]')))

    shutil.rmtree(a.work, ignore_errors=True)
    run(['git', 'clone', '-q', '--no-hardlinks', a.base, a.work], '.')
    w = a.work
    env = dict(os.environ)
    m = re.fullmatch(r'\s*(.+?)\s*<([^<>\s]+)>\s*', a.signoff or '')
    name, mail = (m.group(1), m.group(2)) if m else ('igt-patch', 'igt-patch@localhost')
    env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=mail,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=mail)
    if a.date:
        env.update(GIT_AUTHOR_DATE=a.date, GIT_COMMITTER_DATE=a.date)
    signoff = '\nSigned-off-by: ' + a.signoff + '\n' if a.signoff else ''

    def commit(msg):
        subprocess.run(['git', 'add', '-A'], cwd=w, check=True)
        subprocess.run(['git', 'commit', '-q', '-F', '-'], cwd=w,
                       input=(msg + '\n' + signoff).encode(), env=env, check=True)

    upstream = sorted(glob.glob(os.path.join(top, 'igt-tests', 'upstream', '**', '*.patch'),
                                recursive=True))
    for p in upstream:
        text = open(p).read()
        msg, sep, _ = text.partition('\n---\n')
        if not sep or not msg.strip() or msg.startswith('diff '):
            sys.exit(f'igt-patch: {p} has no commit message before its "---" line')
        run(['git', 'apply', p], w)
        commit(msg.strip())
    for t in tests:
        shutil.copy(os.path.join(top, 'igt-tests', t + '.c'), os.path.join(w, 'tests'))
    for b in benches:
        shutil.copy(os.path.join(top, 'igt-tests', 'bench', b + '.c'),
                    os.path.join(w, 'benchmarks'))
    for f in libs:
        shutil.copy(os.path.join(top, LIB_DIR, f), os.path.join(w, 'lib'))
    shutil.copy(os.path.join(top, UAPI[1]), os.path.join(w, UAPI[0]))

    add_to_list(os.path.join(w, 'tests', 'meson.build'), 'test_progs', tests)
    add_to_list(os.path.join(w, 'benchmarks', 'meson.build'), 'benchmark_progs', benches)
    add_to_list(os.path.join(w, 'lib', 'meson.build'), 'lib_sources',
                [f for f in libs if f.endswith('.c')])

    commit(SUBJECT + '\n\n' + BODY)
    os.makedirs(a.out, exist_ok=True)
    for old in glob.glob(os.path.join(a.out, '*.patch')):
        os.remove(old)
    out = subprocess.run(['git', 'format-patch', '-%d' % (1 + len(upstream)), '--zero-commit',
                          '--no-signature', '-o', os.path.abspath(a.out)],
                         cwd=w, env=env, check=True, capture_output=True, text=True)
    print(out.stdout.strip())


if __name__ == '__main__':
    main()

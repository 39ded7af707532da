#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Control service of the VM runner: screen dumps and hot-unplug.

The guest's tests ask, on their control serial port (a QEMU socket
chardev), for a screen dump of one virtio-gpu card:

    SCREENDUMP <qdev-id> <width> <height> <seed> <tag>

This takes it through QMP (screendump with device=<qdev-id>), keeps the
PPM under build/logs/, compares it pixel for pixel with the test pattern
<seed> (the same 32-bit words as igt-tests/lib/dmabuf_util.c and the
kernel's dma-buf test device, one word per XRGB8888 pixel) and answers on
the same port with one line:

    SCREENDUMP-RESULT <tag> match
    SCREENDUMP-RESULT <tag> mismatch <count> <x> <y>   (first differing pixel)
    SCREENDUMP-RESULT <tag> error <reason>

or for the removal of a device, as an administrator's device_del (a PCIe
hot-unplug: the guest's pciehp removes it after the attention button's
five seconds):

    DEVICE_DEL <qdev-id>

which is answered once QEMU reports the device gone (DEVICE_DELETED) with

    DEVICE_DEL-RESULT <qdev-id> deleted
    DEVICE_DEL-RESULT <qdev-id> error <reason>

usage: screendump.py QMP_SOCKET CONTROL_SOCKET OUTDIR
"""
import json
import os
import socket
import sys
import time


def connect(path, timeout=60):
    deadline = time.time() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.1)


class Qmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.file = self.sock.makefile("rw")
        self.events = []
        self.recv()  # greeting
        self.command("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def recv(self):
        """The next reply; events that come first are kept."""
        while True:
            msg = self.read()
            if "event" not in msg:
                return msg
            self.events.append(msg)

    def wait_event(self, name, match):
        """The first event @name whose data satisfies @match. Blocks: the
        guest gives up after a minute, and the runner's timeout ends QEMU
        (and with it this wait, with EOFError) if the event never comes."""
        while True:
            for ev in self.events:
                if ev["event"] == name and match(ev.get("data", {})):
                    self.events.remove(ev)
                    return ev
            self.events.append(self.read())

    def command(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.file.flush()
        reply = self.recv()
        if "error" in reply:
            raise RuntimeError(reply["error"].get("desc", str(reply["error"])))
        return reply["return"]


def pattern_word(seed, i):
    x = (seed ^ (i * 0x9E3779B1)) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    return x ^ (x >> 12)


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("not an 8-bit P6 PPM")
    return int(fields[1]), int(fields[2]), data[pos + 1:]


def compare(path, width, height, seed):
    w, h, rgb = read_ppm(path)
    if (w, h) != (width, height):
        return "error size-%dx%d" % (w, h)
    bad = 0
    first = None
    for y in range(h):
        for x in range(w):
            v = pattern_word(seed, y * width + x)
            o = (y * w + x) * 3
            if (rgb[o], rgb[o + 1], rgb[o + 2]) != ((v >> 16) & 255, (v >> 8) & 255, v & 255):
                bad += 1
                if first is None:
                    first = (x, y)
    if not bad:
        return "match"
    return "mismatch %d %d %d" % (bad, first[0], first[1])


def main():
    qmp_path, ctl_path, outdir = sys.argv[1:4]
    qmp = Qmp(qmp_path)
    ctl = connect(ctl_path)
    reader = ctl.makefile("r", newline="\n")
    count = 0
    for line in reader:
        words = line.strip().split()
        if len(words) == 2 and words[0] == "DEVICE_DEL":
            dev = words[1]
            try:
                qmp.command("device_del", id=dev)
                qmp.wait_event("DEVICE_DELETED",
                               lambda d: d.get("device") == dev)
                result = "deleted"
            except (OSError, ValueError, RuntimeError) as e:
                result = "error " + str(e).replace(" ", "_")
            print("device_del %s: %s" % (dev, result), flush=True)
            ctl.sendall(("DEVICE_DEL-RESULT %s %s\n" % (dev, result)).encode())
            continue
        if len(words) != 6 or words[0] != "SCREENDUMP":
            continue
        dev, width, height, seed, tag = words[1], int(words[2]), int(words[3]), int(words[4], 0), words[5]
        count += 1
        path = os.path.join(outdir, "screendump-%02d-%s.ppm" % (count, tag))
        try:
            qmp.command("screendump", filename=path, device=dev)
            result = compare(path, width, height, seed)
        except (OSError, ValueError, RuntimeError) as e:
            result = "error " + str(e).replace(" ", "_")
        print("screendump %s of %s: %s (%s)" % (tag, dev, result, path), flush=True)
        ctl.sendall(("SCREENDUMP-RESULT %s %s\n" % (tag, result)).encode())


if __name__ == "__main__":
    try:
        main()
    except (EOFError, ConnectionError):
        pass

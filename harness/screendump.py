#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Control service of the VM runner: screen dumps and cursors.

The guest's tests ask, on their control serial port (a QEMU socket
chardev), for a screen dump of one virtio-gpu card:

    SCREENDUMP <qdev-id> <width> <height> <seed> <tag>

This takes it through QMP (screendump with device=<qdev-id>), keeps the
PPM under build/logs/, compares it pixel for pixel with the test pattern
<seed> (the same 32-bit words as igt-tests/lib/igt_dmabuf_util.c and the
kernel's dma-buf test device, one word per XRGB8888 pixel) and answers on
the same port with one line:

    SCREENDUMP-RESULT <tag> match
    SCREENDUMP-RESULT <tag> mismatch <count> <x> <y>   (first differing pixel)
    SCREENDUMP-RESULT <tag> error <reason>

or for the cursor image of card B, as QEMU's VNC server for that card
(VNC_SOCKET, bound to gpu-b) sends it with the rich-cursor pseudo-encoding
(a screen dump does not contain the cursor), compared the same way:

    CURSOR <width> <height> <seed> <tag>
    CURSOR-RESULT <tag> match|mismatch <count> <x> <y>|error <reason>

usage: screendump.py QMP_SOCKET CONTROL_SOCKET OUTDIR VNC_SOCKET
"""
import json
import os
import socket
import struct
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
        self.recv()  # greeting
        self.command("qmp_capabilities")

    def recv(self):
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

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
    w, h, rgb = int(fields[1]), int(fields[2]), data[pos + 1:]
    # QEMU 7.2's screendump pads each row to 4 bytes (a width of 1366
    # gives 4100-byte rows): drop the padding.
    padded = (w * 3 + 3) // 4 * 4
    if len(rgb) == padded * h and padded != w * 3:
        rgb = b"".join(rgb[y * padded:y * padded + w * 3] for y in range(h))
    if len(rgb) != w * h * 3:
        raise ValueError("PPM of %d bytes for %dx%d" % (len(rgb), w, h))
    return w, h, rgb


def compare_pixels(w, h, pixel, seed):
    """Compare pixel(x, y) -> (r, g, b) with pattern @seed."""
    bad = 0
    first = None
    for y in range(h):
        for x in range(w):
            v = pattern_word(seed, y * w + x)
            if pixel(x, y) != ((v >> 16) & 255, (v >> 8) & 255, v & 255):
                bad += 1
                if first is None:
                    first = (x, y)
    if not bad:
        return "match"
    return "mismatch %d %d %d" % (bad, first[0], first[1])


def compare(path, width, height, seed):
    w, h, rgb = read_ppm(path)
    if (w, h) != (width, height):
        return "error size-%dx%d" % (w, h)
    return compare_pixels(w, h, lambda x, y: tuple(rgb[(y * w + x) * 3:(y * w + x) * 3 + 3]),
                          seed)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("VNC closed")
        buf += chunk
    return buf


def vnc_cursor(path):
    """The current cursor of the VNC server at @path, as (width, height,
    pixels): 32-bit little-endian XRGB, from the rich-cursor
    pseudo-encoding (-239), which the server sends as soon as the client
    announces it."""
    s = connect(path, timeout=10)
    s.settimeout(30)
    try:
        recv_exact(s, 12)  # the server's version
        s.sendall(b"RFB 003.008\n")
        types = recv_exact(s, recv_exact(s, 1)[0])
        if 1 not in types:
            raise RuntimeError("VNC server wants authentication")
        s.sendall(bytes([1]))
        if struct.unpack(">I", recv_exact(s, 4))[0]:
            raise RuntimeError("VNC security handshake failed")
        s.sendall(bytes([1]))  # ClientInit, shared
        recv_exact(s, 20)  # size and pixel format
        recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0])  # name
        # SetPixelFormat: 32 bpp, depth 24, little endian, true colour,
        # 8 bits a channel at shifts 16, 8, 0.
        s.sendall(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1,
                              255, 255, 255, 16, 8, 0))
        # SetEncodings: raw, rich cursor.
        s.sendall(struct.pack(">BxHii", 2, 2, 0, -239))
        while True:
            if recv_exact(s, 1)[0] != 0:
                raise RuntimeError("unexpected VNC server message")
            recv_exact(s, 1)
            for _ in range(struct.unpack(">H", recv_exact(s, 2))[0]):
                _, _, w, h, enc = struct.unpack(">HHHHi", recv_exact(s, 12))
                if enc == -239:
                    pixels = recv_exact(s, w * h * 4)
                    recv_exact(s, (w + 7) // 8 * h)  # the mask
                    return w, h, pixels
                if enc != 0:
                    raise RuntimeError("unexpected VNC encoding %d" % enc)
                recv_exact(s, w * h * 4)
    finally:
        s.close()


def compare_cursor(path, width, height, seed):
    w, h, px = vnc_cursor(path)
    if (w, h) != (width, height):
        return "error size-%dx%d" % (w, h)
    return compare_pixels(w, h, lambda x, y: (px[(y * w + x) * 4 + 2],
                                              px[(y * w + x) * 4 + 1],
                                              px[(y * w + x) * 4]), seed)


def main():
    qmp_path, ctl_path, outdir, vnc_path = sys.argv[1:5]
    qmp = Qmp(qmp_path)
    ctl = connect(ctl_path)
    reader = ctl.makefile("r", newline="\n")
    count = 0
    for line in reader:
        words = line.strip().split()
        if len(words) == 5 and words[0] == "CURSOR":
            tag = words[4]
            try:
                result = compare_cursor(vnc_path, int(words[1]), int(words[2]),
                                        int(words[3], 0))
            except (OSError, ValueError, RuntimeError, EOFError) as e:
                result = "error " + str(e).replace(" ", "_")
            print("cursor %s of gpu-b: %s" % (tag, result), flush=True)
            ctl.sendall(("CURSOR-RESULT %s %s\n" % (tag, result)).encode())
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

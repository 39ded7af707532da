#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the real clients' guest (harness/clients.sh): the root is the
# host's, read-only over 9p; the run's directory is the 9p share "out",
# mounted at /run/out, which holds the clients, this script's output
# (guest.log) and what the host checks afterwards.
#
# The Mesa scenario: for each source (udmabuf, a vgem dumb buffer, a dumb
# buffer of card B), egl-import has Mesa import the source's dma-buf on
# card A's GBM device (EGL_EXT_image_dma_buf_import), draw it, read it
# back and scan it out on card A. While it holds the frame, this script
# records card A's attachment to the buffer (bufinfo) and asks the host
# for a screen dump of card A compared with the pattern (the control
# port, harness/screendump.py). Lines for the host:
#
#   CLIENTS-MESA <source> rc=<egl-import's status> <its EGL-IMPORT line>
#   CLIENTS-ATTACH <source> <card A's bufinfo attachment line, or "none">
#   SCREENDUMP-RESULT <tag> match|mismatch ...|error ...
#
# then the compositor scenario (compositor() below):
#
#   CLIENTS-COMPOSITOR-CARDS b=<card B> (<its device>) output=<its output>
#   CLIENTS-COMPOSITOR-BUFINFO before|after <bufinfo's total line>
#   CLIENTS-COMPOSITOR-OUTPUTS <sway's active outputs> display=<socket>
#   CLIENTS-COMPOSITOR rc=<wl-pattern's status> sway-cpu-ms=<sway's CPU
#       time over the frames> <wl-pattern's WL-PATTERN line>
#   CLIENTS-COMPOSITOR-ATTACH exp=<exporter> ino=<buffer> <attachment line>
#       (each attachment seen while the frames were shown)
#   CLIENTS-COMPOSITOR-EXIT sway=<its exit status on SIGTERM>
#
# and last
#
#   CLIENTS-BUFINFO-TOTAL <bufinfo's total line, after every client>
#   CLIENTS-DONE
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
# Where programs write: memory, not the host's root.
for d in /run /tmp /var/tmp /var/cache /var/log /root /home; do
	mount -t tmpfs tmpfs "$d"
done
mkdir -p /dev/shm /run/out
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L out /run/out
exec >/run/out/guest.log 2>&1
export HOME=/root XDG_RUNTIME_DIR=/run/user/0
mkdir -p /run/user && mkdir -m 700 "$XDG_RUNTIME_DIR"
[ -e /sys/kernel/debug/dma-api/all_errors ] && echo 1 >/sys/kernel/debug/dma-api/all_errors

# shellcheck source=../guest-report.sh
. /run/out/guest-report.sh
report_topology

find_cards /run
card_a=$(cat /run/card-virtio_gpu-0) card_b=$(cat /run/card-virtio_gpu-1)
vgem=$(cat /run/card-vgem-0)
# card A's PCI device, as bufinfo names the attaching device
dev_a=$(basename "$(readlink -f "/sys/class/drm/${card_a##*/}/device")")
echo "CLIENTS-CARDS a=$card_a ($dev_a) b=$card_b vgem=$vgem"

# bufinfo's total line once no dma-buf is left, or after 5 s: an import
# lets go of its buffer in a work item of its own.
bufinfo_total() {
	for _ in $(seq 50); do
		grep -q '^Total 0 objects' /sys/kernel/debug/dma_buf/bufinfo && break
		sleep 0.1
	done
	grep '^Total [0-9]* objects' /sys/kernel/debug/dma_buf/bufinfo
}

stty -F /dev/ttyS2 raw -echo
exec 3<>/dev/ttyS2
seed=1 dumps_broken=""
for pair in udmabuf:udmabuf "vgem:$vgem" "card-b:$card_b"; do
	name=${pair%%:*} source=${pair#*:}
	rm -f /run/hold
	/run/out/egl-import --card "$card_a" --source "$source" --seed "$seed" \
		--hold /run/hold >/run/egl.out 2>&1 &
	pid=$!
	while ! grep -q '^EGL-IMPORT' /run/egl.out && kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
	done
	line=$(grep '^EGL-IMPORT' /run/egl.out)
	ino=$(echo "$line" | sed -n 's/.*dmabuf-ino=\([0-9]*\).*/\1/p')
	if [ -n "$ino" ]; then
		# The buffer's line, then its attachments up to the next buffer.
		attach=$(awk -v ino="$(printf '%08d' "$ino")" '
			$6 == ino { on = 1; next }
			on && /^[0-9a-f]+\t/ { on = 0 }
			on && /mapping=/ { print }' /sys/kernel/debug/dma_buf/bufinfo |
			grep -F "$dev_a" | head -n 1)
		echo "CLIENTS-ATTACH $name ${attach:-none}"
		size=$(echo "$line" | sed -n 's/.*size=\([0-9]*x[0-9]*\).*/\1/p')
		# The host's screen-dump service answers in seconds. Without
		# an answer the run goes on, asking no more (a late answer
		# would be taken for the next request's), and the host
		# reports the dumps missing.
		answer=""
		if [ -z "$dumps_broken" ]; then
			echo "SCREENDUMP gpu-a ${size%x*} ${size#*x} $seed mesa-$name" >&3
			answer=$(timeout 120 head -n 1 <&3) || answer=""
		fi
		if [ -z "$answer" ]; then
			dumps_broken=1
			answer="SCREENDUMP-RESULT mesa-$name error no answer from the host"
		fi
		echo "$answer"
	fi
	touch /run/hold
	wait "$pid"
	rc=$?
	sed 's/^/    /' /run/egl.out
	echo "CLIENTS-MESA $name rc=$rc $line"
	seed=$((seed + 1))
done

# The compositor scenario: sway (wlroots 0.15) on both cards, rendering
# on card A with GLES2 (Mesa's kms_swrast), one output per card, and
# wl-pattern full screen on card B's output for the frames the host asks
# (in the file compositor-frames). Sway composes
# each frame on card A; its multi-GPU path imports card A's frame into
# card B's renderer (our importer) and copies it into card B's own buffer,
# which card B scans out.
#
# wlroots picks a card's render node when it has one; kms_swrast maps its
# buffers with MODE_MAP_DUMB, which render nodes refuse, and sway dies at
# its first frame (docs/clients.md). Hidden render nodes (gone from /dev,
# and from the card's sysfs drm/ directory, where Mesa lists them) send
# wlroots to the primary nodes. Sway refuses to run as root: it runs as
# nobody, with seatd handing it the cards. LP_NUM_THREADS=0: llvmpipe
# rasterizes in the thread that flushes, so a frame is complete when
# wlroots commits it (virtio-gpu copies it to the host at commit).
compositor() {
	frames=$(cat /run/out/compositor-frames)
	mkdir -p /run/hide
	rm -f /dev/dri/renderD*
	for c in "$card_a" "$card_b"; do
		n=${c##*/}
		d=$(readlink -f "/sys/class/drm/$n/..")
		mkdir -p "/run/hide/$n"
		mount --bind "$d/$n" "/run/hide/$n"
		mount -t tmpfs tmpfs "$d"
		mkdir "$d/$n"
		mount --bind "/run/hide/$n" "$d/$n"
	done
	chmod 666 /dev/dri/card*
	# wlroots names an output as the kernel names its connector.
	out_b=none
	for c in "/sys/class/drm/${card_b##*/}"-*; do
		[ -e "$c" ] && out_b=${c#"/sys/class/drm/${card_b##*/}-"} && break
	done
	dev_b=$(basename "$(readlink -f "/sys/class/drm/${card_b##*/}/device")")
	echo "CLIENTS-COMPOSITOR-CARDS b=$card_b ($dev_b) output=$out_b"
	echo "CLIENTS-COMPOSITOR-BUFINFO before $(bufinfo_total)"
	user=/run/user/65534
	mkdir -p "$user" /tmp/nobody /run/sway
	chown 65534:65534 "$user" /tmp/nobody
	chmod 700 "$user"
	echo 'default_border none' >/run/sway/config
	seatd -u nobody >/run/out/seatd.log 2>&1 &
	seatd_pid=$!
	for _ in $(seq 100); do [ -S /run/seatd.sock ] && break; sleep 0.1; done
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups env \
			HOME=/tmp/nobody XDG_RUNTIME_DIR=$user SWAYSOCK=$user/sway.sock \
			LIBSEAT_BACKEND=seatd WLR_RENDERER_ALLOW_SOFTWARE=1 \
			WLR_DRM_DEVICES="$card_a:$card_b" WLR_LIBINPUT_NO_DEVICES=1 \
			WLR_NO_HARDWARE_CURSORS=1 LP_NUM_THREADS=0 "$@"
	}
	as_nobody sway -d -c /run/sway/config >/run/out/sway.log 2>&1 &
	sway_job=$!
	sway_pid=""
	outputs=0
	for _ in $(seq 300); do
		outputs=$(as_nobody swaymsg -t get_outputs 2>/dev/null | grep -c '"active": true') || true
		[ "$outputs" -ge 2 ] && break
		kill -0 "$sway_job" 2>/dev/null || break
		sleep 0.5
	done
	# sway itself, for its CPU time and its signal (setpriv's child)
	sway_pid=$(pgrep -x -u 65534 sway) || sway_pid=none
	display=none
	for c in "$user"/wayland-[0-9]; do [ -S "$c" ] && display=${c##*/}; done
	echo "CLIENTS-COMPOSITOR-OUTPUTS $outputs display=$display"
	as_nobody swaymsg focus output "$out_b" >/dev/null
	ticks0=$(awk '{ print $14 + $15 }' "/proc/$sway_pid/stat" 2>/dev/null)

	# Every attachment seen while the client runs: they come and go
	# with the frames (wlroots imports a buffer for a frame's copy).
	rm -f /run/hold /run/sampled
	(
		while [ ! -e /run/hold ]; do
			awk '/^[0-9a-f]+\t/ { exporter = $5; ino = $6 }
			     /mapping=/ { print "exp=" exporter " ino=" ino " " $0 }' \
				/sys/kernel/debug/dma_buf/bufinfo >>/run/sampled
			sleep 0.2
		done
	) &
	sampler=$!
	as_nobody WAYLAND_DISPLAY="$display" /run/out/wl-pattern \
		--seed "$seed" --frames "$frames" --hold /run/hold >/run/wl.out 2>&1 &
	pid=$!
	# Under TCG a frame takes about a second; a stuck one is reported
	# with where sway and the client wait, and the client killed.
	waited=0
	while ! grep -q '^WL-PATTERN' /run/wl.out && kill -0 "$pid" 2>/dev/null; do
		if [ "$waited" -gt $((frames * 10 + 120)) ]; then
			echo "CLIENTS-COMPOSITOR-STUCK after ${waited}s"
			for p in "$sway_pid" $(pgrep -f /run/out/wl-pattern); do
				echo "    $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
				sed 's/^/        /' "/proc/$p/stack" 2>/dev/null
			done
			kill "$pid"
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	ticks1=$(awk '{ print $14 + $15 }' "/proc/$sway_pid/stat" 2>/dev/null)
	line=$(grep '^WL-PATTERN' /run/wl.out)
	case $line in *frames=*)
		answer=""
		if [ -z "$dumps_broken" ]; then
			size=$(echo "$line" | sed -n 's/.*size=\([0-9]*x[0-9]*\).*/\1/p')
			echo "SCREENDUMP gpu-b ${size%x*} ${size#*x} $seed compositor" >&3
			answer=$(timeout 120 head -n 1 <&3) || answer=""
		fi
		echo "${answer:-SCREENDUMP-RESULT compositor error no answer from the host}"
		;;
	esac
	touch /run/hold
	wait "$pid"
	rc=$?
	wait "$sampler"
	sed 's/^/    /' /run/wl.out
	hz=$(getconf CLK_TCK)
	echo "CLIENTS-COMPOSITOR rc=$rc sway-cpu-ms=$(( (${ticks1:-0} - ${ticks0:-0}) * 1000 / hz )) $line"
	sort -u /run/sampled | sed 's/^/CLIENTS-COMPOSITOR-ATTACH /'
	if [ "$sway_pid" = none ]; then kill "$sway_job"; else kill "$sway_pid"; fi
	wait "$sway_job"
	echo "CLIENTS-COMPOSITOR-EXIT sway=$?"
	echo "CLIENTS-COMPOSITOR-BUFINFO after $(bufinfo_total)"
	kill "$seatd_pid"
	wait "$seatd_pid" || true
}
compositor
exec 3>&-

echo "CLIENTS-BUFINFO-TOTAL $(bufinfo_total)"
report_end
echo CLIENTS-DONE
/run/out/guest-exit 0

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
#   CLIENTS-COMPOSITOR-SEATD ready|missing
#   CLIENTS-COMPOSITOR-OUTPUTS <count> names=<sway's active outputs>
#       display=<its Wayland socket>
#   CLIENTS-COMPOSITOR-FOCUS <card B's output> rc=<swaymsg's status>
#   SCREENDUMP-RESULT compositor-a|compositor-b ... (against the last frame)
#   CLIENTS-COMPOSITOR rc=<wl-pattern's status> sway-cpu-ms=<sway's CPU
#       time over the frames> <wl-pattern's WL-PATTERN line>
#   CLIENTS-COMPOSITOR-ATTACH exp=<exporter> ino=<buffer> <attachment line>
#       (each attachment seen while the client ran)
#   CLIENTS-COMPOSITOR-EXIT sway=<its exit status on SIGTERM, 124: hung>
#   CLIENTS-COMPOSITOR-STUCK, CLIENTS-STUCK (with stacks) when a wait
#       ran out
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

# stacks PID...: where each process waits, for a report.
stacks() {
	for p in "$@"; do
		echo "    $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) wchan=$(cat "/proc/$p/wchan" 2>/dev/null)"
		sed 's/^/        /' "/proc/$p/stack" 2>/dev/null
	done
}

# wait_bounded PID SECONDS NAME: PID's exit status, or after SECONDS its
# stacks, SIGKILL and 124.
wait_bounded() {
	for _ in $(seq "$2"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "CLIENTS-STUCK $3 did not exit in $2 s"
		stacks "$1"
		kill -9 "$1"
		wait "$1"
		return 124
	fi
	wait "$1"
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
# for (the file compositor-frames). Sway composes each frame on card A;
# its multi-GPU path imports card A's frame into card B's renderer (our
# importer) and draws it into card B's own buffer, which card B scans
# out.
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
	seatd -u nobody >/run/out/seatd.log 2>&1 3>&- &
	seatd_pid=$!
	for _ in $(seq 100); do [ -S /run/seatd.sock ] && break; sleep 0.1; done
	if [ -S /run/seatd.sock ]; then
		echo "CLIENTS-COMPOSITOR-SEATD ready"
	else
		echo "CLIENTS-COMPOSITOR-SEATD missing (its log: seatd.log)"
	fi
	# Runs a program as nobody in place of the calling shell: only in a
	# subshell or a background job, whose $! is then the program itself.
	nobody_exec() {
		exec setpriv --reuid=65534 --regid=65534 --clear-groups env \
			HOME=/tmp/nobody XDG_RUNTIME_DIR=$user SWAYSOCK=$user/sway.sock \
			LIBSEAT_BACKEND=seatd WLR_RENDERER_ALLOW_SOFTWARE=1 \
			WLR_DRM_DEVICES="$card_a:$card_b" WLR_LIBINPUT_NO_DEVICES=1 \
			WLR_NO_HARDWARE_CURSORS=1 LP_NUM_THREADS=0 "$@"
	}
	# Active outputs' names, comma-separated.
	active_outputs() {
		(nobody_exec swaymsg -t get_outputs) 2>/dev/null 3>&- |
			awk -F'"' '/"name":/ { n = $4 } /"active": true/ { printf "%s%s", s, n; s = "," }'
	}
	nobody_exec sway -d -c /run/sway/config >/run/out/sway.log 2>&1 3>&- &
	sway_pid=$!
	# Both outputs within a minute; when one stays off (the base), the
	# other has been up for half a minute.
	names=""
	for i in $(seq 120); do
		names=$(active_outputs)
		case $names in *,*) break ;; ?*) [ "$i" -ge 60 ] && break ;; esac
		kill -0 "$sway_pid" 2>/dev/null || break
		sleep 0.5
	done
	display=none
	for c in "$user"/wayland-[0-9]; do [ -S "$c" ] && display=${c##*/}; done
	outputs=$(echo "$names" | awk -F, '{ print NF }')
	echo "CLIENTS-COMPOSITOR-OUTPUTS ${outputs:-0} names=${names:-none} display=$display"
	(nobody_exec swaymsg focus output "$out_b") >/dev/null 2>&1 3>&-
	echo "CLIENTS-COMPOSITOR-FOCUS $out_b rc=$?"
	ticks0=$(awk '{ print $14 + $15 }' "/proc/$sway_pid/stat" 2>/dev/null)

	# Every attachment seen while the client runs (wlroots imports a
	# buffer of card A into card B when it first draws from it, and
	# lets go of it with the buffer).
	rm -f /run/hold /run/sampled
	(
		while [ ! -e /run/hold ]; do
			awk '/^[0-9a-f]+\t/ { exporter = $5; ino = $6 }
			     /mapping=/ { print "exp=" exporter " ino=" ino " " $0 }' \
				/sys/kernel/debug/dma_buf/bufinfo >>/run/sampled
			sleep 0.2
		done
	) 3>&- &
	sampler=$!
	nobody_exec WAYLAND_DISPLAY="$display" /run/out/wl-pattern \
		--seed "$seed" --frames "$frames" --hold /run/hold >/run/wl.out 2>&1 3>&- &
	pid=$!
	# About a second a frame under TCG; past the host's deadline (its
	# QEMU timeout less time to report), what waits where is reported.
	deadline=$(cat /run/out/guest-deadline)
	while ! grep -q '^WL-PATTERN' /run/wl.out && kill -0 "$pid" 2>/dev/null; do
		if [ "$(cut -d. -f1 /proc/uptime)" -gt "$deadline" ]; then
			echo "CLIENTS-COMPOSITOR-STUCK at ${deadline}s of uptime"
			stacks "$sway_pid" "$pid"
			break
		fi
		sleep 1
	done
	ticks1=$(awk '{ print $14 + $15 }' "/proc/$sway_pid/stat" 2>/dev/null)
	line=$(grep '^WL-PATTERN' /run/wl.out)
	case $line in *last-seed=*)
		size=$(echo "$line" | sed -n 's/.*size=\([0-9]*x[0-9]*\).*/\1/p')
		last=$(echo "$line" | sed -n 's/.*last-seed=\([0-9]*\).*/\1/p')
		for card in a b; do
			answer=""
			if [ -z "$dumps_broken" ]; then
				echo "SCREENDUMP gpu-$card ${size%x*} ${size#*x} $last compositor-$card" >&3
				answer=$(timeout 120 head -n 1 <&3) || answer=""
			fi
			[ -n "$answer" ] || dumps_broken=1
			echo "${answer:-SCREENDUMP-RESULT compositor-$card error no answer from the host}"
		done
		;;
	esac
	touch /run/hold
	wait_bounded "$pid" 60 wl-pattern
	rc=$?
	wait "$sampler"
	sed 's/^/    /' /run/wl.out
	hz=$(getconf CLK_TCK)
	echo "CLIENTS-COMPOSITOR rc=$rc sway-cpu-ms=$(( (${ticks1:-0} - ${ticks0:-0}) * 1000 / hz )) $line"
	sort -u /run/sampled | sed 's/^/CLIENTS-COMPOSITOR-ATTACH /'
	kill "$sway_pid"
	wait_bounded "$sway_pid" 60 sway
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

# SPDX-License-Identifier: MIT
# IGT's results.json (results_version 10, the layout igt_resultsjson
# writes) from the output of IGT-style test binaries and the kernel log.
#
#   awk -v uname=... -v start=EPOCH -v end=EPOCH -v dmesg=FILE \
#       [-v totals=FILE] -f results-json.awk BIN.out...   (KIT_REPORTS=ERE in the environment)
#
# Each BIN.out is one binary's stdout: "Starting subtest: NAME" ...
# "Subtest NAME: SUCCESS|FAIL|SKIP|CRASH (T.TTTs)". A subtest that started
# and never ended (the binary died or was killed) is "incomplete". The
# kernel log is cut per subtest at the "[IGT] BIN: starting subtest NAME"
# lines the binaries write; a subtest whose part matches KIT_REPORTS turns
# pass into dmesg-warn and fail into dmesg-fail, as IGT's runner does.
# With @totals set, one line "TOTAL pass=N fail=N ..." is written there.

# Every occurrence of @from in @s replaced by @to, taken literally (the
# backslashes of a gsub replacement differ between awks).
function repl(s, from, to,    out, i) {
	out = ""
	while ((i = index(s, from)) > 0) {
		out = out substr(s, 1, i - 1) to
		s = substr(s, i + length(from))
	}
	return out s
}

function esc(s) {
	gsub(/[\001-\010\013-\037\177]/, "", s)
	s = repl(s, "\\", "\\\\")
	s = repl(s, "\"", "\\\"")
	s = repl(s, "\t", "\\t")
	return repl(s, "\n", "\\n")
}

function finish(key, result, t) {
	res[key] = result
	tim[key] = t
	cur = ""
}

BEGIN {
	split("crash pass dmesg-fail dmesg-warn skip incomplete abort timeout notrun fail warn",
	      kinds, " ")
	nkinds = 11
	n = 0
	# The kernel log, cut per test and subtest.
	where = ""
	while ((getline line < dmesg) > 0) {
		if (match(line, /\[IGT\] [^ :]+: starting subtest [^ ]+/)) {
			split(substr(line, RSTART, RLENGTH), w, " ")
			sub(/:$/, "", w[2])
			where = "igt@" w[2] "@" w[5]
		}
		if (where != "") {
			dm[where] = dm[where] line "\n"
			if (line ~ ENVIRON["KIT_REPORTS"])
				bad[where] = 1
		}
		if (line ~ /\[IGT\] [^ :]+: exiting, ret=/)
			where = ""
	}
	close(dmesg)
}

FNR == 1 {
	if (cur != "")
		finish(cur, "incomplete", 0)
	bin = FILENAME
	sub(/.*\//, "", bin)
	sub(/\.out$/, "", bin)
}

/^Starting subtest: / {
	if (cur != "")
		finish(cur, "incomplete", 0)
	cur = "igt@" bin "@" substr($0, 19)
	order[++n] = cur
	binof[cur] = bin
	out[cur] = $0 "\n"
	next
}

cur != "" {
	out[cur] = out[cur] $0 "\n"
	if ($1 == "Subtest" && $3 ~ /^(SUCCESS|FAIL|SKIP|CRASH)$/) {
		t = $4
		gsub(/[()s]/, "", t)
		r = $3 == "SUCCESS" ? "pass" : $3 == "FAIL" ? "fail" : $3 == "SKIP" ? "skip" : "crash"
		finish(cur, r, t + 0)
	}
}

END {
	if (cur != "")
		finish(cur, "incomplete", 0)
	printf "{\n  \"__type__\":\"TestrunResult\",\n  \"results_version\":10,\n"
	printf "  \"name\":\"typed-dmabuf-hw-kit\",\n  \"uname\":\"%s\",\n", esc(uname)
	printf "  \"cmdline\":[],\n"
	printf "  \"time_elapsed\":{\n    \"__type__\":\"TimeAttribute\",\n"
	printf "    \"start\":%d,\n    \"end\":%d\n  },\n", start, end
	printf "  \"tests\":{"
	for (i = 1; i <= n; i++) {
		k = order[i]
		r = res[k]
		if (bad[k] && r == "pass")
			r = "dmesg-warn"
		else if (bad[k] && r == "fail")
			r = "dmesg-fail"
		res[k] = r
		printf "%s\n    \"%s\":{\n", (i > 1 ? "," : ""), esc(k)
		printf "      \"out\":\"%s\",\n      \"err\":\"\",\n", esc(out[k])
		printf "      \"dmesg\":\"%s\",\n      \"result\":\"%s\",\n", esc(dm[k]), r
		printf "      \"time\":{\n        \"__type__\":\"TimeAttribute\",\n"
		printf "        \"start\":0,\n        \"end\":%.3f\n      }\n    }", tim[k]
		count["", r]++
		count["igt@" binof[k], r]++
		runtime["igt@" binof[k]] += tim[k]
		if (!(("igt@" binof[k]) in seen)) {
			seen["igt@" binof[k]] = 1
			bins[++nbins] = "igt@" binof[k]
		}
	}
	printf "\n  },\n  \"totals\":{"
	groups[1] = ""
	groups[2] = "root"
	for (b = 1; b <= nbins; b++)
		groups[b + 2] = bins[b]
	for (g = 1; g <= nbins + 2; g++) {
		src = g == 2 ? "" : groups[g]
		printf "%s\n    \"%s\":{", (g > 1 ? "," : ""), groups[g]
		for (j = 1; j <= nkinds; j++)
			printf "%s\n      \"%s\":%d", (j > 1 ? "," : ""), kinds[j], count[src, kinds[j]]
		printf "\n    }"
	}
	printf "\n  },\n  \"runtimes\":{"
	for (b = 1; b <= nbins; b++) {
		printf "%s\n    \"%s\":{\n      \"time\":{\n", (b > 1 ? "," : ""), bins[b]
		printf "        \"__type__\":\"TimeAttribute\",\n        \"start\":0,\n"
		printf "        \"end\":%.3f\n      }\n    }", runtime[bins[b]]
	}
	printf "\n  }\n}\n"
	if (totals != "") {
		line = "TOTAL"
		for (j = 1; j <= nkinds; j++)
			line = line " " kinds[j] "=" count["", kinds[j]] + 0
		print line > totals
	}
}

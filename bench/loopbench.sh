#!/usr/bin/env bash
# loopbench.sh measures the aio package against its performance targets on a
# loop device over /dev/shm, which has no device latency of its own: what is
# left is the software path, where the engines differ. It runs
# `aiobench -compare` (aio, aio-batch, pread and fio libaio) for 4 KiB random
# reads at queue depths 32 and 128, several rounds alternating the engines,
# and prints one table of the median ratios against the targets.
#
# Needs root (losetup). Installs fio from Debian if it is missing. Always
# detaches the loop device and removes its backing file.
#
# Settings, from the environment:
#   LOOPBENCH_SIZE_MIB  size of the device            (default 1024)
#   LOOPBENCH_ROUNDS    rounds of every engine        (default 5)
#   LOOPBENCH_RUNTIME   measured time of each run     (default 5s)
#   LOOPBENCH_REPORT    where to keep the JSON report (default $TMPDIR/aiobench-loop.json)
#   LOOPBENCH_STRICT=1  exit 1 when a target is missed (default: report only,
#                       since the numbers move with the machine's other load)
set -euo pipefail

size_mib=${LOOPBENCH_SIZE_MIB:-1024}
rounds=${LOOPBENCH_ROUNDS:-5}
runtime=${LOOPBENCH_RUNTIME:-5s}
report=${LOOPBENCH_REPORT:-${TMPDIR:-/tmp}/aiobench-loop.json}
strict=${LOOPBENCH_STRICT:-0}

say() { echo "loopbench: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	say "needs root to attach a loop device (losetup)"
	exit 1
fi
for tool in fio jq; do
	if ! command -v "$tool" >/dev/null; then
		say "installing $tool from Debian"
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
	fi
done

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
image=/dev/shm/aiobench-loop.$$.img
loop=""
cleanup() {
	if [ -n "$loop" ]; then
		losetup -d "$loop" || say "could not detach $loop"
	fi
	rm -f "$image"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building aiobench"
(cd "$repo/cmd/aiobench" && go build -o "$work/aiobench" .)

# Written, not sparse: reads of holes in tmpfs would skip the page copy.
dd if=/dev/zero of="$image" bs=1M count="$size_mib" status=none
# --direct-io=off: the loop driver cannot do direct I/O to tmpfs, and the
# page cache of tmpfs is its storage anyway.
loop=$(losetup --direct-io=off -f --show "$image")
say "$loop over $image ($size_mib MiB); $rounds rounds of $runtime per engine and queue depth"

"$work/aiobench" -file "$loop" -compare -rw randread -bs 4k -qd 32,128 \
	-rounds "$rounds" -runtime "$runtime" -json >"$report"

# row ENGINE QD FIELD prints one field of a summary row, or null.
row() {
	jq -r --arg e "$1" --argjson q "$2" \
		"[.summary[] | select(.engine == \$e and .queue_depth == \$q)][0] | $3 // null" "$report"
}
# meets VALUE OP LIMIT succeeds when VALUE OP LIMIT holds (OP is >= or <=).
meets() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "null" || v == "") exit 1
		exit !(op == ">=" ? v + 0 >= l + 0 : v + 0 <= l + 0)
	}'
}
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "null" || v == "") print "n/a"; else printf f, v }'; }

missed=0
line() { # DESCRIPTION VALUE OP LIMIT FORMAT CONTEXT
	local verdict=PASS
	if ! meets "$2" "$3" "$4"; then
		verdict=MISS
		missed=$((missed + 1))
	fi
	printf "%-46s %8s  %2s %-6s %-5s %s\n" "$1" "$(fmt "$2" "$5")" "$3" "$4" "$verdict" "$6"
}
kiops() { fmt "$(row "$1" "$2" .iops)" "%.0f"; }
cpu() { fmt "$(row "$1" "$2" .cpu_per_io_us)" "%.2f µs"; }

gomaxprocs=$(jq -r .gomaxprocs "$report")
threads_aio=$(row aio 128 .peak_os_threads)
threads_batch=$(row aio-batch 128 .peak_os_threads)
threads=$(printf "%s\n%s\n" "$threads_aio" "$threads_batch" | grep -v null | sort -n | tail -1)

echo
jq -r '"\(.date)  Linux \(.kernel)  \(.cpus) CPUs  GOMAXPROCS \(.gomaxprocs)  \(.go_version)  \(.fio_version // "no fio")"' "$report"
echo "4 KiB randread on $loop (loop over /dev/shm, $size_mib MiB), medians of $rounds rounds × $runtime"
printf "%-46s %8s  %-9s %-5s %s\n" "target" "measured" "limit" "" "medians"
line "aio QD32 IOPS / fio libaio iodepth=32" "$(row aio 32 .vs_fio.iops)" ">=" 0.90 "%.2f×" \
	"aio $(kiops aio 32), fio $(kiops fio 32) IOPS"
line "aio QD32 CPU per I/O / fio iodepth=32" "$(row aio 32 .vs_fio.cpu_per_io)" "<=" 1.3 "%.2f×" \
	"aio $(cpu aio 32), fio $(cpu fio 32)"
line "aio-batch QD128 IOPS / fio iodepth=128" "$(row aio-batch 128 .vs_fio.iops)" ">=" 1.0 "%.2f×" \
	"aio-batch $(kiops aio-batch 128), fio $(kiops fio 128) IOPS"
line "aio QD32 IOPS / pread (32 goroutines)" "$(row aio 32 .vs_pread.iops)" ">=" 1.5 "%.2f×" \
	"aio $(kiops aio 32), pread $(kiops pread 32) IOPS"
line "aio QD32 CPU per I/O / pread" "$(row aio 32 .vs_pread.cpu_per_io)" "<=" 0.6 "%.2f×" \
	"aio $(cpu aio 32), pread $(cpu pread 32)"
line "peak OS threads at QD128 (aio, aio-batch)" "${threads:-null}" "<=" "$((gomaxprocs + 8))" "%d" \
	"aio $threads_aio, aio-batch $threads_batch, pread $(row pread 128 .peak_os_threads); GOMAXPROCS+8"
echo "(a ratio is the median over rounds of the ratio within each round; the last column shows medians of the values)"
echo
say "full report: $report"
if [ "$missed" -gt 0 ]; then
	say "$missed target(s) missed"
	if [ "$strict" = 1 ]; then
		exit 1
	fi
fi

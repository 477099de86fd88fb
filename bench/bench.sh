#!/usr/bin/env bash
# bench.sh measures the aio package against its goals on two targets:
#
#   loop  a loop device over a file in /dev/shm: no device latency of its
#         own, so what is left is the software path, where engines differ;
#   disk  a 1 GiB file of random data on the machine's real disk, in a
#         directory that supports O_DIRECT (BENCH_DIR, default /var/tmp).
#
# On each it runs `aiobench -compare -goals`: 4 KiB random reads at queue
# depths 1, 32 and 128 with every engine (aio, aio-batch, getevents, pread,
# fio, fio-best), the engines alternating within each round, and prints:
#
#   - a header: date, kernel, CPUs, GOMAXPROCS, Go and fio versions, and
#     what the target is;
#   - one line per engine and depth with the medians over rounds of IOPS,
#     mean and percentile latency, CPU µs per I/O and peak OS threads;
#   - a ratio table, one column per depth: aio/fio and aio-batch/fio (IOPS
#     and CPU per I/O), aio/fio-best and aio-batch/fio-best (IOPS), aio/pread
#     and aio-batch/getevents (IOPS and CPU per I/O), each the median of the
#     per-round ratios with their min–max;
#   - a PASS/MISS verdict on each goal (listed by aiobench -help).
#
# aiobench computes all of it; this script prepares the targets. fio is run
# twice per round: "fio" with fio's defaults (one I/O per io_submit), and
# "fio-best" with the whole depth per io_submit and up to the whole depth
# per io_getevents (--iodepth_batch_submit=QD
# --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=QD), which
# beat the other settings tried, --userspace_reap among them (fio reaps in
# user space only with --iodepth_batch_complete_min=0, where it spins);
# the trials and their numbers are in cmd/aiobench/fio_best.go.
#
# With the defaults (3 rounds of 3 s) each target takes about 3½ minutes.
# Needs root (losetup). Installs fio from Debian if it is missing. Always
# detaches the loop device and removes the files it made.
#
# Settings, from the environment:
#   BENCH_TARGETS    which targets, in order           (default "loop disk")
#   BENCH_ROUNDS     rounds of every engine            (default 3)
#   BENCH_RUNTIME    measured time of each run         (default 3s)
#   BENCH_QD         queue depths                      (default 1,32,128)
#   BENCH_DIR        directory of the disk target      (default /var/tmp)
#   BENCH_SIZE_MIB   size of each target               (default 1024)
#   BENCH_REPORTS    directory for the JSON reports    (default $TMPDIR or /tmp)
#   BENCH_STRICT=1   exit 1 when a goal is missed (default: report only,
#                    since the numbers move with the machine's other load)
set -euo pipefail

targets=${BENCH_TARGETS:-loop disk}
rounds=${BENCH_ROUNDS:-3}
runtime=${BENCH_RUNTIME:-3s}
depths=${BENCH_QD:-1,32,128}
disk_dir=${BENCH_DIR:-/var/tmp}
size_mib=${BENCH_SIZE_MIB:-1024}
reports=${BENCH_REPORTS:-${TMPDIR:-/tmp}}
strict=${BENCH_STRICT:-0}

say() { echo "bench: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	say "needs root to attach a loop device (losetup)"
	exit 1
fi
if ! command -v fio >/dev/null; then
	say "installing fio from Debian"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fio >/dev/null
fi

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

# measure NAME DESCRIPTION AIOBENCH-TARGET-FLAGS... runs the comparison on
# one target and prints its report; it fails if a goal is missed and
# BENCH_STRICT=1, or if the benchmark fails.
measure() {
	local name=$1 description=$2
	shift 2
	local report="$reports/aiobench-$name.json"
	local flags=(-compare -goals -rw randread -bs 4k -qd "$depths" -rounds "$rounds" -runtime "$runtime"
		-describe "$description" -save "$report")
	if [ "$strict" = 1 ]; then
		flags+=(-strict)
	fi
	say "$name: $description; $rounds rounds of $runtime per engine and depth"
	echo
	echo "=== $name: $description"
	"$work/aiobench" "$@" "${flags[@]}"
	local status=$?
	say "$name: full report in $report"
	return $status
}

failed=0
for target in $targets; do
	case $target in
	loop)
		# Written, not sparse: reads of holes in tmpfs would skip the page
		# copy. --direct-io=off: the loop driver cannot do direct I/O to
		# tmpfs, and the page cache of tmpfs is its storage anyway.
		dd if=/dev/zero of="$image" bs=1M count="$size_mib" status=none
		loop=$(losetup --direct-io=off -f --show "$image")
		measure loop "loop over /dev/shm (RAM: no device latency)" -file "$loop" || failed=1
		losetup -d "$loop"
		loop=""
		rm -f "$image"
		;;
	disk)
		fs=$(findmnt -no FSTYPE,SOURCE -T "$disk_dir" | awk '{print $1 " on " $2}')
		# aiobench fills a temporary file in the directory with random
		# data and removes it afterwards.
		measure disk "file on ${fs:-an unknown filesystem} ($disk_dir)" -dir "$disk_dir" -size "${size_mib}m" || failed=1
		;;
	*)
		say "unknown target $target: want loop or disk"
		exit 2
		;;
	esac
done
exit $failed

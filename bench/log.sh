#!/usr/bin/env bash
# log.sh compares the two logs of examples/wal: wal.Log (kernel AIO,
# O_DIRECT blocks written with RWF_DSYNC) and wal.GroupCommitLog (buffered
# writes and fdatasync from one flusher), with BenchmarkAppend: 1, 8, 64 and
# 256 appending goroutines, records of 128 B, 1 KiB and 4 KiB, each Append
# returning once its record is durable. Targets:
#
#   loop  ext4 on a loop device over a file in /dev/shm: a device without
#         a volatile write cache, so durability costs no flush;
#   disk  a directory on the machine's disk (BENCH_DIR, default /var/tmp).
#
# Each round runs every configuration with both logs, one after the other;
# the table gives, per configuration, the medians over rounds of commits/s,
# p99 latency and peak OS threads of each log, and the ratio aio/groupcommit
# of commits/s and of p99 within each round, as median (min–max).
#
# Settings, from the environment:
#   BENCH_TARGETS    which targets, in order   (default "loop disk")
#   BENCH_ROUNDS     rounds                    (default 3)
#   BENCH_LOG_TIME   -benchtime of each run    (default 1s)
#   BENCH_LOG_RUN    -bench pattern            (default: all configurations)
#   BENCH_DIR        directory of the disk target
# Needs root for the loop target (losetup, mount). Removes what it made.
set -euo pipefail

targets=${BENCH_TARGETS:-loop disk}
rounds=${BENCH_ROUNDS:-3}
benchtime=${BENCH_LOG_TIME:-1s}
pattern=${BENCH_LOG_RUN:-Append}
disk_dir=${BENCH_DIR:-/var/tmp}

say() { echo "bench/log: $*" >&2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
image=/dev/shm/aio-log-bench.$$.img
loop=""
mnt=""
cleanup() {
	if [ -n "$mnt" ]; then umount "$mnt" || say "could not unmount $mnt"; fi
	if [ -n "$loop" ]; then losetup -d "$loop" || say "could not detach $loop"; fi
	rm -f "$image"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$repo" && go test -c -o "$work/wal.test" ./examples/wal)

# measure NAME DIR DESCRIPTION runs the rounds in DIR and prints the table.
measure() {
	local name=$1 dir=$2 description=$3 out="$work/$1.txt"
	say "$name: $description; $rounds rounds of $benchtime per log and configuration"
	: >"$out"
	for r in $(seq "$rounds"); do
		(cd "$dir" && AIO_TEST_DIR="$dir" "$work/wal.test" -test.run '^$' -test.bench "$pattern" \
			-test.benchtime "$benchtime") | sed -n "s/^BenchmarkAppend/round=$r /p" >>"$out"
	done
	echo
	echo "=== log: $name: $description"
	echo "$(date -u +%F) $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
	awk -f "$repo/bench/logtable.awk" "$out"
}

for target in $targets; do
	case $target in
	loop)
		command -v mkfs.ext4 >/dev/null || { say "needs mkfs.ext4"; exit 1; }
		dd if=/dev/zero of="$image" bs=1M count=2048 status=none
		loop=$(losetup --direct-io=off -f --show "$image")
		mkfs.ext4 -q "$loop"
		mnt=$(mktemp -d)
		mount "$loop" "$mnt"
		measure loop "$mnt" "ext4 on a loop device over /dev/shm (queue/write_cache: $(cat /sys/block/"${loop#/dev/}"/queue/write_cache))"
		umount "$mnt"; rmdir "$mnt"; mnt=""
		losetup -d "$loop"; loop=""
		rm -f "$image"
		;;
	disk)
		dev=$(findmnt -no SOURCE -T "$disk_dir")
		measure disk "$disk_dir" "$(findmnt -no FSTYPE -T "$disk_dir") on $dev ($disk_dir)"
		;;
	*)
		say "unknown target $target: want loop or disk"
		exit 2
		;;
	esac
done

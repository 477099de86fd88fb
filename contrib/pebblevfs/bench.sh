#!/bin/bash
# bench.sh measures Pebble's random reads on pebblevfs against vfs.Default
# (cmd/pebblebench) with the page cache kept smaller than the DB.
#
# It builds a DB of PEBBLE_SIZE_MIB of values in PEBBLE_DIR (once: a DB
# finished there before is reused, and kept afterwards unless it was built
# by this run), drops the page cache, and runs pebblebench in a memory
# cgroup limited to PEBBLE_MEMORY_MIB, so that buffered reads really go to
# the device. Needs root (cgroups, drop_caches).
#
#   PEBBLE_DIR         directory of the DB             (default /var/tmp/pebblebench-db)
#   PEBBLE_RUN_DIR     the same DB where the benchmark reads it, when that is
#                      another mount of it, such as bench/clouddisk's (default PEBBLE_DIR)
#   PEBBLE_SIZE_MIB    values in the DB                (default 4096)
#   PEBBLE_MEMORY_MIB  memory limit of the benchmark   (default 1024)
#   PEBBLE_READERS     reading goroutines              (default 64,256)
#   PEBBLE_ROUNDS      rounds                          (default 3)
#   PEBBLE_RUNTIME     measured time of each run       (default 10s)
#   PEBBLE_MAX_THREADS OS thread limit of each run  (default Go's, 10000)
#   PEBBLE_FLAGS       more pebblebench flags, such as "-order sequential -scan 0"
#   PEBBLE_ONE_READER  1 (the default) also runs one reader: Gets in key order,
#                      scans of 1,000 keys, and random Gets with 64 MiB and
#                      512 MiB of block cache; 0 skips them
#   PEBBLE_YCSB        1 (the default) also runs YCSB A and B with 64 goroutines,
#                      with 64 MiB and 512 MiB of block cache; their updates
#                      change the DB (its keys stay); 0 skips them
#   PEBBLE_FILL        1 (the default) also runs a fill: 16 writers commit
#                      synced batches of 100 keys into a new DB beside
#                      PEBBLE_RUN_DIR; 0 skips it
#   PEBBLE_KEEP        1 keeps a DB this run built
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${PEBBLE_DIR:-/var/tmp/pebblebench-db}
run_dir=${PEBBLE_RUN_DIR:-$dir}
size_mib=${PEBBLE_SIZE_MIB:-4096}
memory_mib=${PEBBLE_MEMORY_MIB:-1024}
readers=${PEBBLE_READERS:-64,256}
rounds=${PEBBLE_ROUNDS:-3}
runtime=${PEBBLE_RUNTIME:-10s}

say() { echo "pebble bench: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	say "needs root, for the memory cgroup and drop_caches"
	exit 1
fi

work=$(mktemp -d)
cgroup=
built=0
cleanup() {
	if [ -n "$cgroup" ] && [ -d "$cgroup" ]; then
		rmdir "$cgroup" 2>/dev/null || true
	fi
	if [ "$built" = 1 ] && [ "${PEBBLE_KEEP:-0}" != 1 ]; then
		rm -rf "$dir"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say "building pebblebench"
(cd "$here" && GOWORK=off go build -o "$work/pebblebench" ./cmd/pebblebench)

flags=(-size $((size_mib << 20)) -readers "$readers" -rounds "$rounds" -runtime "$runtime")
if [ -n "${PEBBLE_MAX_THREADS:-}" ]; then
	flags+=(-maxthreads "$PEBBLE_MAX_THREADS")
fi
# shellcheck disable=SC2206 # split into flags on purpose
flags+=(${PEBBLE_FLAGS:-})
if [ ! -f "$dir/PEBBLEBENCH-KEYS" ]; then
	built=1
fi
"$work/pebblebench" -dir "$dir" "${flags[@]}" -load

# A memory cgroup for the benchmark: the unified hierarchy's memory.max,
# or the version 1 controller's limit_in_bytes. Page cache is charged to
# the cgroup of the process that reads it in.
name=pebblebench.$$
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
	cgroup=/sys/fs/cgroup/$name
	mkdir "$cgroup"
	echo $((memory_mib << 20)) > "$cgroup/memory.max"
	echo 0 > "$cgroup/memory.swap.max" 2>/dev/null || true
elif [ -d /sys/fs/cgroup/memory ]; then
	cgroup=/sys/fs/cgroup/memory/$name
	mkdir "$cgroup"
	echo $((memory_mib << 20)) > "$cgroup/memory.limit_in_bytes"
else
	say "no memory cgroup controller here (neither cgroup v2's memory nor v1's /sys/fs/cgroup/memory)"
	exit 1
fi

sync
echo 3 > /proc/sys/vm/drop_caches
du=$(du -sm "$run_dir" | cut -f1)
say "DB of $du MiB in $run_dir; benchmark limited to $memory_mib MiB of memory ($cgroup)"
echo "DB: $du MiB on $(df --output=source "$run_dir" | tail -1) ($(findmnt -no FSTYPE -T "$run_dir")), memory limit $memory_mib MiB (page cache included)"
# bench runs pebblebench with the flags and then its arguments; the
# subshell joins the cgroup, then becomes the benchmark.
bench() {
	(echo $BASHPID > "$cgroup/cgroup.procs" && exec "$work/pebblebench" -dir "$run_dir" "${flags[@]}" "$@")
}
bench
if [ "${PEBBLE_ONE_READER:-1}" = 1 ]; then
	for series in "-order sequential -scan 0" "-scan 1 -scanlen 1000" "-scan 0" "-scan 0 -cache $((512 << 20))"; do
		echo
		# shellcheck disable=SC2086 # split into flags on purpose
		bench -readers 1 $series
	done
fi
if [ "${PEBBLE_YCSB:-1}" = 1 ]; then
	for series in "-ycsb a" "-ycsb b" "-ycsb a -cache $((512 << 20))" "-ycsb b -cache $((512 << 20))"; do
		echo
		# shellcheck disable=SC2086 # split into flags on purpose
		bench -readers 64 $series
	done
fi
if [ "${PEBBLE_FILL:-1}" = 1 ]; then
	echo
	bench -fill -readers 16
fi

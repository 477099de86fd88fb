#!/usr/bin/env bash
# cloud.sh measures what the aio package is for: thousands of reads in
# flight on a disk with a cloud disk's latency, where plain Go needs an OS
# thread per read.
#
# The disk is bench/clouddisk: a FUSE filesystem over a directory of this
# machine (CLOUD_DIR) in which every read, write and flush takes
# CLOUD_LATENCY ± CLOUD_JITTER while any number overlap (its doc says what
# it models and what not). The script mounts it on a temporary directory,
# checks that it is mounted, and runs:
#
#   1. aiobench: 4 KiB random O_DIRECT reads at CLOUD_DEPTHS in flight,
#      through the goroutine API (aio), the batch API (aio-batch), a pool of
#      goroutines in os.File.ReadAt (pread) and fio libaio, CLOUD_ROUNDS
#      alternated rounds, with -goals: IOPS, latency percentiles, CPU per
#      I/O and peak OS threads;
#   2. Pebble (contrib/pebblevfs/bench.sh): the DB of PEBBLE_SIZE_MIB built
#      in CLOUD_DIR at host speed, then read through the disk in a memory
#      cgroup of PEBBLE_MEMORY_MIB by PEBBLE_READERS (default 1024,4096)
#      goroutines, pebblevfs against vfs.Default, with Go's default thread
#      limit unless PEBBLE_MAX_THREADS is set.
#
#   CLOUD_DIR          directory behind the disk   (default /var/tmp/clouddisk)
#   CLOUD_LATENCY      latency of every request    (default 1ms)
#   CLOUD_JITTER       spread around it            (default 200us)
#   CLOUD_DEPTHS       aiobench's depths           (default 64,256,1024,4096)
#   CLOUD_ROUNDS       rounds of each              (default 3)
#   CLOUD_ROWS         what to run: aiobench pebble (default both)
#   CLOUD_KEEP         1 keeps CLOUD_DIR (and the DB in it) afterwards
#
# Needs root (FUSE mount, cgroups, drop_caches) and /dev/fuse.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
backing=${CLOUD_DIR:-/var/tmp/clouddisk}
latency=${CLOUD_LATENCY:-1ms}
jitter=${CLOUD_JITTER:-200us}
depths=${CLOUD_DEPTHS:-64,256,1024,4096}
rounds=${CLOUD_ROUNDS:-3}
rows=${CLOUD_ROWS:-aiobench pebble}

say() { echo "cloud bench: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	say "needs root, to mount the FUSE disk"
	exit 1
fi
if [ ! -c /dev/fuse ]; then
	say "needs /dev/fuse: this kernel has no FUSE (modprobe fuse)"
	exit 1
fi

tmp=$(mktemp -d)
mnt=$tmp/mnt
disk_pid=
made_backing=0
cleanup() {
	if [ -n "$disk_pid" ]; then
		kill -TERM "$disk_pid" 2>/dev/null || true
		wait "$disk_pid" 2>/dev/null || true
	fi
	if mountpoint -q "$mnt" 2>/dev/null; then
		umount -l "$mnt" || true
	fi
	if [ "$made_backing" = 1 ] && [ "${CLOUD_KEEP:-0}" != 1 ]; then
		rm -rf "$backing"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -d "$backing" ]; then
	mkdir -p "$backing"
	made_backing=1
fi
mkdir "$mnt"

say "building clouddisk and aiobench"
(cd "$root/bench/clouddisk" && GOWORK=off go build -o "$tmp/clouddisk" .)
(cd "$root/cmd/aiobench" && go build -o "$tmp/aiobench" .)

"$tmp/clouddisk" -backing "$backing" -mount "$mnt" -latency "$latency" -jitter "$jitter" >"$tmp/ready" &
disk_pid=$!
for _ in $(seq 100); do
	grep -q ready "$tmp/ready" && break
	kill -0 "$disk_pid" 2>/dev/null || { say "clouddisk exited before it was mounted"; exit 1; }
	sleep 0.1
done
# Everything below must run on the disk: never on the directory under it.
if [ "$(findmnt -n -o FSTYPE "$mnt")" != fuse.clouddisk ]; then
	say "$mnt is not a clouddisk mount"
	exit 1
fi
describe="bench/clouddisk: FUSE, every request ${latency}±${jitter}, requests overlapping; over $backing"
say "mounted on $mnt: $describe"

# disk_cpu prints the CPU seconds the disk's process has used so far.
tick=$(getconf CLK_TCK)
disk_cpu() {
	sed 's/^.*) //' "/proc/$disk_pid/stat" | awk -v tick="$tick" '{ printf "%.1f\n", ($12 + $13) / tick }'
}

# The disk's own work shows in the figures: a FUSE request costs this
# machine's CPUs tens of microseconds, which a cloud disk does not cost its
# virtual machine. Each row says how much of the machine the disk took.
disk_share() {
	local cpu0=$1 t0=$2 cpu1 t1
	cpu1=$(disk_cpu) t1=$(date +%s.%N)
	awk -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" -v n="$(nproc)" \
		'BEGIN { c = c1 - c0; t = t1 - t0; printf "\nthe disk itself (clouddisk) used %.0f CPU-seconds in %.0f s: %.0f%% of the machine'"'"'s %d CPUs\n", c, t, 100 * c / (t * n), n }'
}

for row in $rows; do
	cpu0=$(disk_cpu) t0=$(date +%s.%N)
	case $row in
	aiobench)
		echo
		echo "=== 4 KiB random reads on the cloud disk, $depths in flight"
		"$tmp/aiobench" -dir "$mnt" -qd "$depths" -engine aio,aio-batch,pread,fio \
			-rounds "$rounds" -runtime 4s -goals -describe "$describe"
		disk_share "$cpu0" "$t0"
		;;
	pebble)
		echo
		echo "=== Pebble on the cloud disk"
		PEBBLE_DIR="$backing/db" PEBBLE_RUN_DIR="$mnt/db" PEBBLE_KEEP=1 \
			PEBBLE_READERS="${PEBBLE_READERS:-1024,4096}" "$root/contrib/pebblevfs/bench.sh"
		disk_share "$cpu0" "$t0"
		;;
	*)
		say "CLOUD_ROWS: unknown row $row (want aiobench, pebble)"
		exit 1
		;;
	esac
done

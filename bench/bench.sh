#!/usr/bin/env bash
# bench.sh measures the aio package against its goals on two targets:
#
#   loop  a loop device over a file in /dev/shm: no device latency of its
#         own, so what is left is the software path, where engines differ;
#   disk  a file of random data on the machine's real disk, in a directory
#         that supports O_DIRECT (BENCH_DIR, default /var/tmp). aiobench
#         creates and fills it on first use (buffered writes, fsync, then
#         its pages dropped), and every row runs on it, so writes overwrite
#         data already written: no block is allocated while measuring.
#
# On each target it runs `aiobench -compare -goals` for each kind of row in
# BENCH_ROWS, in this order:
#
#   randread   4 KiB random O_DIRECT reads, QD 1, 32, 128
#   randwrite  4 KiB random O_DIRECT writes, QD 1, 32, 128
#   seq        1 MiB sequential O_DIRECT reads, then writes, QD 4, 16
#   dsync      4 KiB durable random writes (-rw randwrite -sync dsync),
#              QD 1, 8, 32, 64: RWF_DSYNC for aio, aio-batch and getevents,
#              O_DSYNC for pread and fio, and pwrite+fdatasync besides
#   log        aiobench -log: examples/wal's wal.Log (aio-log) against
#              wal.GroupCommitLog (groupcommit-log), 1, 8, 64 and 256
#              writers, records of 128 B, 1 KiB and 4 KiB, each run on a
#              new log file in a directory of the target, removed after
#              the run: on the disk target BENCH_DIR; on the loop target an
#              ext4 on a loop device of its own, over a sparse file of
#              BENCH_LOG_SIZE_MIB in /dev/shm (mkfs.ext4, mounted in a
#              temporary directory), so that both targets run the same
#              filesystem and only the device differs. A log grows by what
#              a run commits plus 64 MiB preallocated ahead; a run that
#              fills the filesystem fails with ENOSPC: raise
#              BENCH_LOG_SIZE_MIB then.
#
# Each target's description gives its device's queue/write_cache and
# queue/fua from sysfs, which decide what a durable write costs: a flush
# of the device's cache after each ("write back" without FUA), a FUA
# write, or nothing more ("write through").
#
# Every engine runs at every depth in each round (aio, aio-batch,
# getevents, pread, fio, fio-best, and pwrite+fdatasync for dsync), the
# engines alternating within rounds, and aiobench prints for each row:
#
#   - a header: date, kernel, CPUs, GOMAXPROCS, Go and fio versions, and
#     what the target is;
#   - one line per engine and depth with the medians over rounds of IOPS,
#     MB/s, mean and percentile latency, CPU µs per I/O and peak OS threads;
#   - a ratio table, one column per depth, of the ratios that matter for the
#     kind of row, each the median of the per-round ratios with their
#     min–max: IOPS and CPU per I/O to fio, fio-best, pread and getevents for
#     4 KiB rows; MB/s for 1 MiB rows; IOPS (commits/s) and peak threads to
#     pwrite+fdatasync and pread, and IOPS to fio, for dsync rows;
#     commits/s, p99, CPU per commit and threads of aio-log to
#     groupcommit-log for log rows;
#   - a PASS/MISS verdict on each goal of that kind (aiobench -help lists
#     them); goals about keeping a device busy are not judged in RAM.
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
# How long: each run takes BENCH_RUNTIME plus 0.2–0.4 s of starting a
# process and opening its target (measured on a 2-CPU machine). With the
# defaults (3 rounds of 3 s) a target has 54 randread, 54 randwrite, 72 seq,
# 84 dsync and 72 log runs, 336 in all: about 3, 3, 4, 4½ and 4 minutes,
# some 18 minutes per target with its setup, 36 for both.
# BENCH_ROWS=randread gives the old run of about 3 minutes per target.
#
# Needs root (losetup, mount). Installs fio, and e2fsprogs for the log row
# on the loop target, from Debian if they are missing. Always detaches the
# loop device, unmounts, and removes the files it made.
#
# Settings, from the environment:
#   BENCH_TARGETS      which targets, in order          (default "loop disk")
#   BENCH_ROWS         which kinds of row, in order     (default "randread randwrite seq dsync log")
#   BENCH_ROUNDS       rounds of every engine           (default 3)
#   BENCH_RUNTIME      measured time of each run        (default 3s)
#   BENCH_QD           depths of randread               (default 1,32,128)
#   BENCH_WRITE_QD     depths of randwrite              (default 1,32,128)
#   BENCH_SEQ_QD       depths of seq                    (default 4,16)
#   BENCH_DSYNC_QD     depths of dsync                  (default 1,8,32,64)
#   BENCH_LOG_WRITERS  writers of log                   (default 1,8,64,256)
#   BENCH_LOG_RECORDS  record sizes of log              (default 128,1k,4k)
#   BENCH_DIR          directory of the disk target     (default /var/tmp)
#   BENCH_SIZE_MIB     size of each target              (default 1024)
#   BENCH_LOG_SIZE_MIB size of the loop target's ext4   (default 4096, sparse in /dev/shm)
#                      for the log row
#   BENCH_REPORTS      directory for the JSON reports   (default $TMPDIR or /tmp),
#                      one per target and row: aiobench-TARGET-ROW.json,
#                      ROW being randread, randwrite, seqread, seqwrite,
#                      dsync or log
#   BENCH_STRICT=1     exit 1 when a goal is missed (default: report only,
#                      since the numbers move with the machine's other load)
set -euo pipefail

targets=${BENCH_TARGETS:-loop disk}
rows=${BENCH_ROWS:-randread randwrite seq dsync log}
rounds=${BENCH_ROUNDS:-3}
runtime=${BENCH_RUNTIME:-3s}
read_depths=${BENCH_QD:-1,32,128}
write_depths=${BENCH_WRITE_QD:-1,32,128}
seq_depths=${BENCH_SEQ_QD:-4,16}
dsync_depths=${BENCH_DSYNC_QD:-1,8,32,64}
log_writers=${BENCH_LOG_WRITERS:-1,8,64,256}
log_records=${BENCH_LOG_RECORDS:-128,1k,4k}
disk_dir=${BENCH_DIR:-/var/tmp}
size_mib=${BENCH_SIZE_MIB:-1024}
log_size_mib=${BENCH_LOG_SIZE_MIB:-4096}
reports=${BENCH_REPORTS:-${TMPDIR:-/tmp}}
if ! mkdir -p "$reports"; then
	echo "bench: cannot make BENCH_REPORTS directory $reports" >&2
	exit 1
fi
strict=${BENCH_STRICT:-0}

say() { echo "bench: $*" >&2; }

for row in $rows; do
	case $row in
	randread | randwrite | seq | dsync | log) ;;
	*)
		say "unknown row $row in BENCH_ROWS: want randread, randwrite, seq, dsync or log"
		exit 2
		;;
	esac
done
for target in $targets; do
	case $target in
	loop | disk) ;;
	*)
		say "unknown target $target in BENCH_TARGETS: want loop or disk"
		exit 2
		;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	say "needs root to attach a loop device (losetup) and mount it"
	exit 1
fi
install() {
	say "installing $1 from Debian"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}
if ! command -v fio >/dev/null; then
	install fio
fi
if [[ " $rows " == *" log "* && " $targets " == *" loop "* ]] && ! command -v mkfs.ext4 >/dev/null; then
	install e2fsprogs
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
image=/dev/shm/aiobench-loop.$$.img
log_image=/dev/shm/aiobench-log.$$.img
disk_file=$disk_dir/aiobench-disk.$$.img
mnt=$work/loop-ext4
loop=""
mounted=""
cleanup() {
	if [ -n "$mounted" ]; then
		umount "$mounted" || say "could not unmount $mounted"
	fi
	if [ -n "$loop" ]; then
		losetup -d "$loop" || say "could not detach $loop"
	fi
	rm -f "$image" "$log_image" "$disk_file"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building aiobench"
(cd "$repo/cmd/aiobench" && go build -o "$work/aiobench" .)

# cache_of DEVICE describes how the block device (or the disk of the
# partition) DEVICE makes writes durable, from its queue in sysfs.
cache_of() {
	local name queue
	name=$(basename "$(readlink -f "$1")")
	queue=/sys/class/block/$name/queue
	if [ ! -d "$queue" ]; then
		queue=/sys/class/block/$name/../queue
	fi
	echo "write cache: $(cat "$queue/write_cache" 2>/dev/null || echo unknown), FUA: $(cat "$queue/fua" 2>/dev/null || echo unknown)"
}

# measure TARGET ROW DESCRIPTION AIOBENCH-FLAGS... runs one row on one
# target and prints its report into stdout and aiobench-TARGET-ROW.json; it
# fails if the benchmark fails, or if a goal is missed and BENCH_STRICT=1.
measure() {
	local target=$1 row=$2 description=$3
	shift 3
	local report="$reports/aiobench-$target-$row.json"
	local flags=(-compare -goals -rounds "$rounds" -runtime "$runtime" -describe "$description" -save "$report")
	if [ "$row" = log ]; then
		# -log compares its two logs; -compare does not apply.
		flags=("${flags[@]:1}")
	fi
	if [ "$strict" = 1 ]; then
		flags+=(-strict)
	fi
	say "$target $row: $description; $rounds rounds of $runtime per engine and depth"
	echo
	echo "=== $target $row: $description"
	local status=0
	rm -f "$report"
	"$work/aiobench" "$@" "${flags[@]}" || status=$?
	if [ -s "$report" ]; then
		say "$target $row: full report in $report"
	else
		say "$target $row: aiobench failed (status $status) before it wrote a report"
	fi
	return $status
}

# measure_rows TARGET DESCRIPTION AIOBENCH-TARGET-FLAGS... runs the I/O rows
# of BENCH_ROWS (all but log) on one target.
measure_rows() {
	local target=$1 description=$2
	shift 2
	local status=0
	for row in $rows; do
		case $row in
		randread)
			measure "$target" randread "$description" "$@" -rw randread -bs 4k -qd "$read_depths" || status=1
			;;
		randwrite)
			measure "$target" randwrite "$description" "$@" -rw randwrite -bs 4k -qd "$write_depths" || status=1
			;;
		seq)
			measure "$target" seqread "$description" "$@" -rw read -bs 1m -qd "$seq_depths" || status=1
			measure "$target" seqwrite "$description" "$@" -rw write -bs 1m -qd "$seq_depths" || status=1
			;;
		dsync)
			measure "$target" dsync "$description" "$@" -rw randwrite -bs 4k -sync dsync -qd "$dsync_depths" || status=1
			;;
		esac
	done
	return $status
}

# measure_log TARGET DESCRIPTION DIR runs the log row, if BENCH_ROWS has it,
# with its log files in DIR.
measure_log() {
	local target=$1 description=$2 dir=$3
	if [[ " $rows " != *" log "* ]]; then
		return 0
	fi
	measure "$target" log "$description" -log -writers "$log_writers" -record "$log_records" -dir "$dir"
}

failed=0
for target in $targets; do
	case $target in
	loop)
		# Written, not sparse: reads of holes in tmpfs would skip the page
		# copy. --direct-io=off: the loop driver cannot do direct I/O to
		# tmpfs, and the page cache of tmpfs is its storage anyway.
		if [[ " $rows " != " log " ]]; then
			dd if=/dev/zero of="$image" bs=1M count="$size_mib" status=none
			loop=$(losetup --direct-io=off -f --show "$image")
			measure_rows loop "loop over /dev/shm (RAM: no device latency; $(cache_of "$loop"))" -file "$loop" || failed=1
			losetup -d "$loop"
			loop=""
			rm -f "$image"
		fi
		if [[ " $rows " == *" log "* ]]; then
			truncate -s "${log_size_mib}M" "$log_image"
			loop=$(losetup --direct-io=off -f --show "$log_image")
			mkfs.ext4 -q -F "$loop"
			mkdir -p "$mnt"
			mount "$loop" "$mnt"
			mounted=$mnt
			measure_log loop "ext4 on a loop device over /dev/shm (RAM: no device latency; $(cache_of "$loop"))" "$mnt" || failed=1
			umount "$mnt"
			mounted=""
			losetup -d "$loop"
			loop=""
			rm -f "$log_image"
		fi
		;;
	disk)
		fs=$(findmnt -no FSTYPE,SOURCE -T "$disk_dir" | awk '{print $1 " on " $2}')
		cache=$(cache_of "$(findmnt -no SOURCE -T "$disk_dir")")
		if [[ " $rows " != " log " ]]; then
			measure_rows disk "file on ${fs:-an unknown filesystem} ($disk_dir), written before it is measured; $cache" \
				-file "$disk_file" -size "${size_mib}m" || failed=1
			rm -f "$disk_file"
		fi
		measure_log disk "directory on ${fs:-an unknown filesystem} ($disk_dir); $cache" "$disk_dir" || failed=1
		;;
	esac
done
exit $failed

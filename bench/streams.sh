#!/usr/bin/env bash
# streams.sh measures the package's streams (aio.NewReader, aio.NewWriter)
# on two targets, each holding files of 1 GiB + 1234 bytes:
#
#   loop  ext4 on a loop device over a sparse file in /dev/shm: no device
#         latency of its own, so what is left is the software path;
#   disk  a directory on the machine's disk that supports O_DIRECT
#         (BENCH_DIR, default /var/tmp).
#
# Rows, each engine alternating with the others in every round
# (STREAM_ROUNDS, default 3):
#
#   read   aiobench -rw read -bs 1m -qd 2,4,8: the aio-stream engine (a
#          Reader into io.Discard, Depth the queue depth) against fio
#          --rw=read --direct=1 at the same block size and depth;
#   write  the same with -rw write: a Writer against fio --rw=write;
#   copy   the file copied by examples/dcopy (a Reader into a Writer,
#          1 MiB chunks, depth 4), by cp, by dd iflag=direct oflag=direct
#          bs=1M, and by bench/gocopy (io.Copy between two os.Files), the
#          page cache dropped before each: MB/s, CPU time per MiB (the
#          child's user and system time) and how much the page cache grew
#          (Cached in /proc/meminfo), then dcopy's ratios to each of the
#          others, the median over rounds with the min–max.
#
# STREAM_SIZE_MIB sets the files' size (default 1024) before the 1234 bytes.
# Transparent huge pages are set to "always" while it runs (and set back
# after), so that fio's and dd's buffers have huge pages as the package's
# do. Needs root (losetup, mount, drop_caches, THP) and fio; about 10 minutes with
# the defaults. Everything it makes is removed when it ends.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${STREAM_ROUNDS:-3}
disk_dir=${BENCH_DIR:-/var/tmp}
size=$((${STREAM_SIZE_MIB:-1024} << 20))
extra=1234
tmp=$(mktemp -d)
loop_dev= loop_mnt=
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
cleanup() {
	echo "$thp_was" >"$thp"
	if [[ -n $loop_mnt ]]; then umount "$loop_mnt" 2>/dev/null || true; fi
	if [[ -n $loop_dev ]]; then losetup -d "$loop_dev" 2>/dev/null || true; fi
	rm -rf "$tmp" /dev/shm/aio-streams.$$.img "$disk_dir"/aio-streams.$$
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || { echo "streams.sh needs root (losetup, mount, drop_caches)" >&2; exit 1; }
command -v fio >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fio; }

# Transparent huge pages for every anonymous mapping, not only those that
# ask (the package's buffers do): fio's and dd's buffers get them too, so
# that their 1 MiB I/Os reach the device as whole as the package's do
# (with 4 KiB pages fio read 0.6x as fast here).
echo always >"$thp"

echo "building aiobench, dcopy and gocopy"
(cd "$root/cmd/aiobench" && go build -o "$tmp/aiobench" .)
(cd "$root" && go build -o "$tmp/dcopy" ./examples/dcopy && go build -o "$tmp/gocopy" ./bench/gocopy)

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, Linux $(uname -r), $(go version | cut -d' ' -f3), $(fio --version)"

# child_cpu prints the user and system CPU seconds of the script's waited-for
# children so far (cutime and cstime of /proc/PID/stat).
tick=$(getconf CLK_TCK)
child_cpu() {
	sed 's/^.*) //' /proc/$$/stat | awk -v tick="$tick" '{ printf "%.3f\n", ($14 + $15) / tick }'
}

cached_kib() { awk '$1 == "Cached:" { print $2 }' /proc/meminfo; }

# copy_row measures the copies of $1/src into $1/dst.
copy_row() {
	local dir=$1 name=$2 engines=(dcopy cp dd gocopy) results=$tmp/copy-$2.txt
	: >"$results"
	for ((round = 1; round <= rounds; round++)); do
		# Rotate the order, so that no engine always runs first.
		local order=("${engines[@]:round % 4}" "${engines[@]:0:round % 4}")
		for engine in "${order[@]}"; do
			rm -f "$dir/dst"
			sync
			echo 3 >/proc/sys/vm/drop_caches
			local cpu0 cached0 t0 t1 cpu1 cached1
			cpu0=$(child_cpu) cached0=$(cached_kib) t0=$(date +%s.%N)
			case $engine in
			dcopy) "$tmp/dcopy" -q "$dir/src" "$dir/dst" >/dev/null ;;
			cp) cp "$dir/src" "$dir/dst" ;;
			dd) dd if="$dir/src" of="$dir/dst" iflag=direct oflag=direct bs=1M status=none ;;
			gocopy) "$tmp/gocopy" "$dir/src" "$dir/dst" ;;
			esac
			sync "$dir/dst" # what is left in the page cache goes to the disk, and counts
			t1=$(date +%s.%N) cpu1=$(child_cpu) cached1=$(cached_kib)
			if [[ $(stat -c %s "$dir/dst") != $((size + extra)) ]] || { ((round == 1)) && ! cmp -s "$dir/src" "$dir/dst"; }; then
				echo "$name: $engine made a copy that differs from the source" >&2
				exit 1
			fi
			echo "$round $engine $t0 $t1 $cpu0 $cpu1 $cached0 $cached1" >>"$results"
		done
	done
	awk -v bytes=$((size + extra)) -v name="$name" '
		function median(list,   n, a, i, j, t) {
			n = split(list, a, " ")
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
			return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
		}
		function minmax(list,   n, a, i, lo, hi) {
			n = split(list, a, " "); lo = hi = a[1]
			for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
			return sprintf("%.2f–%.2f", lo, hi)
		}
		{
			mbs = bytes / 1e6 / ($4 - $3); cpu = ($6 - $5) * 1000 / (bytes / 1048576); cache = ($8 - $7) / 1024
			rate[$2] = rate[$2] " " mbs; cpus[$2] = cpus[$2] " " cpu; caches[$2] = caches[$2] " " cache
			r[$1, $2] = mbs; c[$1, $2] = cpu; rounds[$1] = 1
		}
		END {
			printf "\ncopy of %d MiB + 1234 bytes, %s target, medians of %d rounds\n", int(bytes / 1048576), name, length(rounds)
			printf "  %-8s %8s %14s %18s\n", "engine", "MB/s", "CPU ms/MiB", "page cache MiB"
			split("dcopy cp dd gocopy", engines, " ")
			for (i = 1; i <= 4; i++) { e = engines[i]
				printf "  %-8s %8.0f %14.2f %+18.1f\n", e, median(rate[e]), median(cpus[e]), median(caches[e]) }
			printf "\n  ratio: median (min–max) over rounds   MB/s                 CPU per MiB\n"
			for (i = 2; i <= 4; i++) { e = engines[i]; rl = ""; cl = ""
				for (k in rounds) { rl = rl " " r[k, "dcopy"] / r[k, e]; cl = cl " " c[k, "dcopy"] / c[k, e] }
				printf "  dcopy/%-30s %.2f× (%s)    %.2f× (%s)\n", e, median(rl), minmax(rl), median(cl), minmax(cl) }
		}' "$results"
}

# run_target runs every row in dir, a directory on the target called name.
run_target() {
	local dir=$1 name=$2
	echo
	echo "=== $name: $dir"
	head -c $((size + extra)) /dev/urandom >"$dir/src"
	sync
	echo
	echo "read: the Reader (aio-stream) against fio --rw=read, 1 MiB"
	"$tmp/aiobench" -file "$dir/src" -rw read -bs 1m -qd 2,4,8 -engine aio-stream,fio -goals -rounds "$rounds" -runtime 3s
	echo
	echo "write: the Writer (aio-stream) against fio --rw=write, 1 MiB"
	"$tmp/aiobench" -file "$dir/wfile" -size $((size >> 20))m -rw write -bs 1m -qd 2,4,8 -engine aio-stream,fio -goals -rounds "$rounds" -runtime 3s
	rm -f "$dir/wfile"
	copy_row "$dir" "$name"
	rm -f "$dir/src" "$dir/dst"
}

truncate -s 4G /dev/shm/aio-streams.$$.img
loop_dev=$(losetup --find --show --direct-io=on /dev/shm/aio-streams.$$.img)
mkfs.ext4 -q "$loop_dev"
loop_mnt=$tmp/loop
mkdir -p "$loop_mnt"
mount "$loop_dev" "$loop_mnt"
run_target "$loop_mnt" loop

mkdir -p "$disk_dir/aio-streams.$$"
run_target "$disk_dir/aio-streams.$$" disk

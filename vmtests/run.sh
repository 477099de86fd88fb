#!/usr/bin/env bash
# run.sh [ARCH...]
#
# Runs the VM tests (see vm_test.go) for each ARCH (a GOARCH: amd64, arm64,
# 386 or arm; amd64 and arm64 by default): installs QEMU from Debian if it is
# missing, fetches a Debian kernel for the architecture (kernels/fetch.sh),
# and runs the host half TestVM with vmtest pointed at them. QEMU emulates
# every architecture (no KVM).
#
# Prints per architecture the kernel, the guest tests that ran, and a verdict.
# Fails if an architecture fails or if any test, on the host or in the guest,
# was skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
arches=("$@")
((${#arches[@]})) || arches=(amd64 arm64)

log() { printf 'run.sh: %s\n' "$*" >&2; }

# retry runs a command up to five times: mirrors are occasionally briefly
# inconsistent.
retry() {
	local n
	for n in 1 2 3 4 5; do
		"$@" && return 0
		log "attempt $n of: $* failed"
		sleep $((n * 5))
	done
	return 1
}

# install_tools installs QEMU and the tools that fetch.sh and TestVM use from
# Debian, if any of them is missing.
install_tools() {
	local tool missing=()
	for tool in qemu-system-x86_64 qemu-system-i386 qemu-system-aarch64 qemu-system-arm qemu-img qemu-io \
		depmod modprobe xz mkfs.ext4; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	((${#missing[@]})) || return 0
	log "installing QEMU and tools (missing: ${missing[*]})"
	local sudo=()
	((EUID == 0)) || sudo=(sudo)
	retry "${sudo[@]}" apt-get update -q
	retry "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		qemu-system-x86 qemu-system-arm qemu-utils kmod xz-utils e2fsprogs
}

# qemu_for prints vmtest's name of an architecture (VMTEST_ARCH), the QEMU
# command line and the kernel arguments for it, separated by tabs. The 32-bit
# guests get 768 MiB, which the i386 kernel maps whole (no highmem), and
# QEMU's most capable CPU, which has what their kernel flavours use (PAE and
# NX, LPAE; see kernels/fetch.sh) and the CRC instructions of their optional
# modules.
qemu_for() {
	case $1 in
	amd64) printf '%s\t%s\t%s\n' amd64 "qemu-system-x86_64 -m 1G" "console=ttyS0" ;;
	arm64) printf '%s\t%s\t%s\n' arm64 "qemu-system-aarch64 -machine virt -cpu max -m 1G" "console=ttyAMA0" ;;
	386) printf '%s\t%s\t%s\n' i386 "qemu-system-i386 -cpu max -m 768M" "console=ttyS0" ;;
	arm) printf '%s\t%s\t%s\n' arm "qemu-system-arm -machine virt -cpu max -m 768M" "console=ttyAMA0" ;;
	*) return 1 ;;
	esac
}

for arch in "${arches[@]}"; do
	qemu_for "$arch" >/dev/null || { log "unsupported architecture $arch (want amd64, arm64, 386 or arm)"; exit 2; }
done
install_tools

logs=$(mktemp -d "${TMPDIR:-/tmp}/aio-vmtest.XXXXXX")
declare -A verdict kernel guests seconds
failed=0
for arch in "${arches[@]}"; do
	start=$(date +%s)
	kdir=$("$here/kernels/fetch.sh" "$arch")
	kernel[$arch]=$(basename "$kdir")
	IFS=$'\t' read -r vmarch qemu append < <(qemu_for "$arch")
	out=$logs/$arch.log
	log "$arch: kernel ${kernel[$arch]}, log $out"

	set +e
	(cd "$here" && VMTEST_ARCH=$vmarch VMTEST_QEMU=$qemu VMTEST_KERNEL=$kdir/vmlinuz \
		VMTEST_KERNEL_APPEND=$append go test -v -count=1 -timeout 40m -run '^TestVM$' .) 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	set -e
	seconds[$arch]=$(($(date +%s) - start))

	# The guest's `go test -v` output reaches the host log through the serial
	# console as "vm: [time] line"; TestPackage relays the root package's
	# as "vm: [time]     package_test.go:N: line".
	guests[$arch]=$(awk '
		function add(group,   i) {
			for (i = 1; $i != "---"; i++);
			names[group] = names[group] " " $(i+2) ($(i+1) == "PASS:" ? "" : "(" substr($(i+1), 1, length($(i+1)) - 1) ")")
		}
		/vm: \[[0-9.]+s\] +package_test\.go:[0-9]+: --- [A-Z]+: Test[^ \/]+ / { add("aio"); next }
		/vm: \[[0-9.]+s\] --- [A-Z]+: Test[^ \/]+ / { add("guesttest") }
		END { printf "      aio (root package):%s\n      guesttest:%s\n", names["aio"], names["guesttest"] }' "$out")
	skips=$(grep -oE -- '--- SKIP: [^ ]+|Test [^ ]+ skipped' "$out" | sort -u | tr '\n' ' ' || true)
	if ((rc != 0)); then
		verdict[$arch]="FAIL (go test exit status $rc)"
	elif [[ -n $skips ]]; then
		verdict[$arch]="FAIL (skipped: ${skips% })"
	elif ! grep -q 'package_test\.go:[0-9]*: --- PASS' "$out"; then
		verdict[$arch]="FAIL (no test of the root package ran in the guest)"
	else
		verdict[$arch]=PASS
	fi
	[[ ${verdict[$arch]} == PASS ]] || failed=1
done

echo
echo "VM test summary (logs in $logs):"
for arch in "${arches[@]}"; do
	echo "  $arch: ${verdict[$arch]} in ${seconds[$arch]} s, kernel ${kernel[$arch]}"
	echo "    guest tests:"
	echo "${guests[$arch]}"
done
exit $failed

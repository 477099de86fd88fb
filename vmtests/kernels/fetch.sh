#!/usr/bin/env bash
# fetch.sh ARCH [--refresh]
#
# Prepares a Debian bookworm kernel for the VM tests on ARCH (a Go architecture
# name: amd64, arm64, 386 or arm) and prints the directory that holds it:
#
#   cache/<arch>/<kernel-version>/vmlinuz
#   cache/<arch>/<kernel-version>/modules/NN-<name>.ko
#
# The kernel package is whatever the metapackage of the architecture's kernel
# flavour (see below) currently names. u-root's init insmods /lib/modules/*.ko
# in lexical order without resolving dependencies, so the modules the tests
# need are numbered in the order modprobe would load them.
#
# A cached kernel is used as is and nothing is downloaded; --refresh resolves
# the metapackage again. Package downloads go through a private apt state
# directory, so the machine's apt configuration never sees a foreign
# architecture. Its mirrors are the Debian bookworm entries of the machine's
# own apt sources.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
arch=${1:?usage: fetch.sh ARCH [--refresh]}
refresh=${2:-}
cache=$here/cache/$arch
current=$cache/current

# The Debian architecture and the kernel flavour (its metapackage is
# linux-image-<flavour>) for each Go architecture. The 32-bit flavours are
# the ones for the CPUs that run.sh has QEMU emulate, which have PAE and NX
# (x86) or LPAE (ARM); the plain 686 and armmp flavours would boot there too.
case $arch in
amd64 | arm64) deb_arch=$arch flavour=$arch ;;
386) deb_arch=i386 flavour=686-pae ;;
arm) deb_arch=armhf flavour=armmp-lpae ;;
*) printf 'fetch.sh: unsupported architecture %s (want amd64, arm64, 386 or arm)\n' "$arch" >&2; exit 2 ;;
esac

# The modules the guest needs: PCI virtio transport, the test disks, and 9p
# for vmtest's shared directory. Built-in ones are skipped. On 32-bit ARM,
# vmtest attaches its 9p directories through virtio-mmio.
wanted=(virtio_pci virtio_blk nvme 9pnet_virtio 9p ext4)
[[ $arch != arm ]] || wanted=(virtio_mmio "${wanted[@]}")

log() { printf 'fetch.sh(%s): %s\n' "$arch" "$*" >&2; }

if [[ -z $refresh && -s $current ]]; then
	kdir=$cache/$(cat "$current")
	if [[ -f $kdir/vmlinuz ]]; then
		echo "$kdir"
		exit 0
	fi
fi

for tool in apt-get apt-cache dpkg-deb depmod modprobe xz; do
	command -v "$tool" >/dev/null || { log "missing $tool (apt-get install kmod xz-utils)"; exit 1; }
done

# retry runs a command up to five times: a mirror index can be briefly
# inconsistent while it is being updated.
retry() {
	local n
	for n in 1 2 3 4 5; do
		"$@" && return 0
		log "attempt $n of: $* failed"
		sleep $((n * 5))
	done
	return 1
}

# debian_sources prints one-line apt sources for the Debian bookworm suites
# found in the machine's sources.list and sources.list.d (one-line and deb822
# formats), restricted to ARCH.
debian_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		awk -v arch="$deb_arch" '
			$1 == "deb" {
				opts = ""; i = 2
				if ($2 ~ /^\[/) {
					while ($i !~ /\]$/) { opts = opts " " $i; i++ }
					opts = opts " " $i; i++
					gsub(/[\[\]]/, "", opts)
					gsub(/ arch=[^ ]*/, "", opts)
				}
				if ($(i+1) !~ /^bookworm/) next
				line = "deb [arch=" arch opts "] " $i " " $(i+1)
				for (j = i + 2; j <= NF; j++) line = line " " $j
				print line
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v arch="$deb_arch" '
			function flush(   n, u, s, uris, suites, opts, a, b) {
				if (types ~ /(^| )deb( |$)/ && enabled != "no") {
					opts = "arch=" arch
					if (signed != "") opts = opts " signed-by=" signed
					n = split(uri, uris, " "); split(suite, a, " ")
					for (u = 1; u <= n; u++)
						for (s in a)
							if (a[s] ~ /^bookworm/)
								print "deb [" opts "] " uris[u] " " a[s] " " comps
				}
				types = uri = suite = comps = signed = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uri = val
				else if (key == "suites") suite = val
				else if (key == "components") comps = val
				else if (key == "signed-by") signed = val
				else if (key == "enabled") enabled = tolower(val)
			}
			END { flush() }' "$f"
	done
}

mkdir -p "$cache"
work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
state=$work/apt
mkdir -p "$state/lists/partial" "$state/archives/partial"
debian_sources >"$state/sources.list"
if [[ ! -s $state/sources.list ]]; then
	log "no Debian bookworm entries in /etc/apt/sources.list or /etc/apt/sources.list.d"
	exit 1
fi
: >"$state/status"

apt_opts=(
	-o "Dir::Etc::SourceList=$state/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$state/lists"
	-o "Dir::State::status=$state/status"
	-o "Dir::Cache=$state"
	-o "Dir::Cache::pkgcache="
	-o "Dir::Cache::srcpkgcache="
	-o "APT::Architecture=$deb_arch"
	-o "APT::Architectures::=$deb_arch"
	-o "APT::Sandbox::User=root"
	-o "Acquire::Languages=none"
	-o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
	-o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
	-o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
	-o "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false"
	-o "Debug::NoLocking=1"
)

# A mirror can serve an index that disagrees with its Release file for a
# while (bookworm-security's i386 and armhf indexes did when the 32-bit
# architectures were added: the older bookworm kernel was used). If some
# index still fails after three attempts, the others still name a kernel:
# the newest one that they know.
log "updating the package index"
for attempt in 1 2 3; do
	apt-get -q "${apt_opts[@]}" update >&2 && break
	if ((attempt == 3)); then
		log "warning: some package indexes failed to download; resolving linux-image-$flavour without them"
		break
	fi
	log "attempt $attempt of apt-get update failed"
	sleep $((attempt * 5))
done

pkg=$(apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests "linux-image-$flavour:$deb_arch" |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }')
if [[ -z $pkg ]]; then
	log "linux-image-$flavour names no kernel package"
	exit 1
fi
kver=${pkg#linux-image-}
kdir=$cache/$kver
log "linux-image-$flavour is $pkg"

if [[ -f $kdir/vmlinuz ]]; then
	echo "$kver" >"$current"
	echo "$kdir"
	exit 0
fi

(cd "$work" && retry apt-get -q "${apt_opts[@]}" download "$pkg:$deb_arch" >&2)
log "unpacking $(basename "$work"/*.deb)"
dpkg-deb -x "$work"/*.deb "$work/root"

# Debian ships no modules.dep: build it so that modprobe can print the load
# order, including the soft dependencies (ext4 needs crc32c, for example).
depmod -b "$work/root" "$kver"
mapfile -t order < <(modprobe -d "$work/root" -S "$kver" --show-depends -a "${wanted[@]}" |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }')

mkdir -p "$work/out/modules"
n=10
for ko in "${order[@]}"; do
	name=$(basename "$ko")
	name=${name%.xz}
	name=${name%.zst}
	case $ko in
	*.ko.xz) xz -dc "$ko" >"$work/out/modules/$n-$name" ;;
	*.ko) cp "$ko" "$work/out/modules/$n-$name" ;;
	*) log "cannot unpack $ko"; exit 1 ;;
	esac
	n=$((n + 1))
done
cp "$work/root/boot/vmlinuz-$kver" "$work/out/vmlinuz"

# Every wanted module must be a file above or built in.
for m in "${wanted[@]}"; do
	if ! modprobe -d "$work/root" -S "$kver" --show-depends "$m" >/dev/null 2>&1; then
		log "$m is neither built in nor a module of $kver"
		exit 1
	fi
done

rm -rf "$kdir"
mv "$work/out" "$kdir"
echo "$kver" >"$current"
log "modules in load order: $(cd "$kdir/modules" && echo *)"
echo "$kdir"

#!/usr/bin/env bash
# fetch.sh SUITE DEBIAN_ARCH FLAVOUR MODULE... [--refresh]
#
# Prepares the kernel of Debian SUITE (bullseye, bookworm, trixie, unstable)
# for DEBIAN_ARCH, the one that the metapackage linux-image-FLAVOUR currently
# names, for the VM tests, and prints the directory that holds it:
#
#   cache/<suite>/<debian-arch>-<flavour>/<kernel-version>/vmlinuz
#   cache/<suite>/<debian-arch>-<flavour>/<kernel-version>/modules/NN-<name>.ko
#
# The VM tests (vmtests/kernel_test.go) call it with the values of the
# architecture's row in internal/platform. MODULE... are the modules the
# guest needs; those built into the kernel are left out. u-root's init insmods
# /lib/modules/*.ko in lexical order without resolving dependencies, so the
# modules are numbered in the order modprobe would load them, dependencies
# included.
#
# A cached kernel is used as is and nothing is downloaded; --refresh resolves
# the metapackage again. Package downloads go through a private apt state
# directory, so the machine's apt configuration never sees a foreign
# architecture. Its mirrors are those of the machine's own apt sources for
# its Debian release, with SUITE in place of the release's name (and no
# -updates or -security suites for unstable, which has none).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage='usage: fetch.sh SUITE DEBIAN_ARCH FLAVOUR MODULE... [--refresh]'
suite=${1:?$usage}
deb_arch=${2:?$usage}
flavour=${3:?$usage}
shift 3
refresh=
wanted=()
for m in "$@"; do
	if [[ $m == --refresh ]]; then refresh=1; else wanted+=("$m"); fi
done
((${#wanted[@]})) || { echo "$usage" >&2; exit 2; }
arch=$suite/$deb_arch-$flavour
cache=$here/cache/$arch
current=$cache/current
host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")

log() { printf 'fetch.sh(%s): %s\n' "$arch" "$*" >&2; }

# A kernel directory records the modules it was prepared with, so that asking
# for others prepares it again.
modlist="${wanted[*]}"
prepared() { [[ -f $1/vmlinuz && $(cat "$1/wanted" 2>/dev/null) == "$modlist" ]]; }

if [[ -z $refresh && -s $current ]]; then
	kdir=$cache/$(cat "$current")
	if prepared "$kdir"; then
		echo "$kdir"
		exit 0
	fi
fi

for tool in apt-get apt-cache dpkg-deb depmod modprobe xz zstd; do
	command -v "$tool" >/dev/null || { log "missing $tool (apt-get install kmod xz-utils zstd)"; exit 1; }
done

# debian_sources prints one-line apt sources for SUITE, made from the entries
# of the machine's release in its sources.list and sources.list.d (one-line
# and deb822 formats), restricted to DEBIAN_ARCH.
debian_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		awk -v arch="$deb_arch" -v host="$host_suite" -v want="$suite" '
			$1 == "deb" {
				opts = ""; i = 2
				if ($2 ~ /^\[/) {
					while ($i !~ /\]$/) { opts = opts " " $i; i++ }
					opts = opts " " $i; i++
					gsub(/[\[\]]/, "", opts)
					gsub(/ arch=[^ ]*/, "", opts)
				}
				if (index($(i+1), host) != 1) next
				s = want substr($(i+1), length(host) + 1)
				if (want == "unstable" && s != want) next
				line = "deb [arch=" arch opts "] " $i " " s
				for (j = i + 2; j <= NF; j++) line = line " " $j
				print line
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v arch="$deb_arch" -v host="$host_suite" -v want="$suite" '
			function flush(   n, u, s, uris, suites, opts, a, b) {
				if (types ~ /(^| )deb( |$)/ && enabled != "no") {
					opts = "arch=" arch
					if (signed != "") opts = opts " signed-by=" signed
					n = split(uri, uris, " "); split(suite, a, " ")
					for (u = 1; u <= n; u++)
						for (s in a) {
							if (index(a[s], host) != 1) continue
							b = want substr(a[s], length(host) + 1)
							if (want == "unstable" && b != want) continue
							print "deb [" opts "] " uris[u] " " b " " comps
						}
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
	log "no entries for Debian $host_suite in /etc/apt/sources.list or /etc/apt/sources.list.d"
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

# kernel_of prints the kernel package that version $1 of the metapackage
# depends on.
kernel_of() {
	apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests "linux-image-$flavour:$deb_arch=$1" |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }'
}

# download fetches kernel package $1 into $work. From Linux 7 on, Debian's
# linux-image-<version> holds neither the kernel nor its modules, but depends
# on linux-binary-<version>, linux-modules-<version> and linux-base-<version>
# (modules.builtin), which have them.
download() {
	local pkg=$1 kver=${1#linux-image-} debs n
	mapfile -t debs < <(apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests "$pkg:$deb_arch" |
		awk -v v="$kver" -v a="$deb_arch" '$1 == "Depends:" { sub(/:.*/, "", $2) }
			$1 == "Depends:" && ($2 == "linux-binary-" v || $2 == "linux-modules-" v || $2 == "linux-base-" v) { print $2 ":" a }')
	for n in 1 2; do
		(cd "$work" && apt-get -q "${apt_opts[@]}" download "$pkg:$deb_arch" "${debs[@]}" >&2) && return 0
		rm -f "$work"/*.deb
		sleep $((n * 5))
	done
	return 1
}

# The metapackage's versions, newest first: its newest kernel is used, or,
# when a mirror lists a package that its pool lacks (bullseye-security's
# arm64 kernel did), the newest one that downloads.
mapfile -t metas < <(apt-cache "${apt_opts[@]}" madison "linux-image-$flavour:$deb_arch" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
((${#metas[@]})) || { log "no linux-image-$flavour for $deb_arch in $suite"; exit 1; }
pkg=
for meta in "${metas[@]}"; do
	candidate=$(kernel_of "$meta")
	[[ -n $candidate ]] || continue
	kver=${candidate#linux-image-}
	kdir=$cache/$kver
	log "linux-image-$flavour $meta is $candidate"
	if prepared "$kdir"; then
		echo "$kver" >"$current"
		echo "$kdir"
		exit 0
	fi
	if download "$candidate"; then
		pkg=$candidate
		break
	fi
	log "could not download $candidate; trying an older one"
done
[[ -n $pkg ]] || { log "no kernel of linux-image-$flavour downloads"; exit 1; }
for deb in "$work"/*.deb; do
	log "unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$work/root"
done

# From trixie on the modules are in /usr/lib/modules, where the machine's
# kmod does not look.
if [[ -d $work/root/usr/lib/modules && ! -e $work/root/lib/modules ]]; then
	mkdir -p "$work/root/lib"
	ln -s ../usr/lib/modules "$work/root/lib/modules"
fi

# Debian ships no modules.dep: build it so that modprobe can print the load
# order, including the soft dependencies (ext4 needs crc32c, for example).
# (Newer packages ship it, with modules.builtin.bin but not the
# modules.builtin that depmod would rebuild that from: keep theirs.)
[[ -f $work/root/lib/modules/$kver/modules.dep ]] || depmod -b "$work/root" "$kver"
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
	*.ko.zst) zstd -q -dc "$ko" >"$work/out/modules/$n-$name" ;;
	*.ko) cp "$ko" "$work/out/modules/$n-$name" ;;
	*) log "cannot unpack $ko"; exit 1 ;;
	esac
	n=$((n + 1))
done
# The kernel is in /boot (vmlinux, uncompressed, on some architectures), or
# from Linux 7 on next to its modules.
vmlinuz=
for f in "$work/root/boot/vmlinuz-$kver" "$work/root/boot/vmlinux-$kver" "$work/root/lib/modules/$kver/vmlinuz" "$work/root/lib/modules/$kver/vmlinux"; do
	[[ -f $f ]] && { vmlinuz=$f; break; }
done
[[ -n $vmlinuz ]] || { log "$pkg holds no kernel image"; exit 1; }
cp "$vmlinuz" "$work/out/vmlinuz"

# Every wanted module must be a file above or built in.
for m in "${wanted[@]}"; do
	if ! modprobe -d "$work/root" -S "$kver" --show-depends "$m" >/dev/null 2>&1; then
		log "$m is neither built in nor a module of $kver"
		exit 1
	fi
done

echo "$modlist" >"$work/out/wanted"
rm -rf "$kdir"
mv "$work/out" "$kdir"
echo "$kver" >"$current"
log "modules in load order: $(cd "$kdir/modules" && echo *)"
echo "$kdir"

package platform

import (
	"fmt"
	"slices"
	"strings"
)

// A VM is how the VM tests boot an architecture under QEMU (TCG: no KVM).
type VM struct {
	QEMU        string   // qemu-system-* binary
	QEMUPackage string   // the Debian package that provides it
	Args        []string // machine, CPU and memory
	Console     string   // the serial console's kernel name (console=)

	// DebianArch and Flavour name the kernel: the metapackage
	// linux-image-<Flavour> of Debian architecture DebianArch.
	DebianArch string
	Flavour    string
	// Kernels are the Kernels (by suite) that Debian has for the
	// architecture; the first is the one it boots by default.
	Kernels []string

	// Bus is the transport of the virtio disks: "pci" (virtio-blk-pci) or
	// "ccw" (virtio-blk-ccw, s390x's channel I/O). P9Bus is that of the
	// 9p directories, which may also be "mmio" (virtio-9p-device).
	Bus   string
	P9Bus string
	// NVMe tells whether QEMU has its NVMe controller for the machine:
	// Debian's qemu-system-s390x 7.2 does not ("'nvme' is not a valid
	// device model name").
	NVMe bool

	// Broken lists kernels (by suite) that Debian has for the
	// architecture but that cannot run the tests under the QEMU that the
	// VM tests use, with the reason. Their runs are reported, not made.
	Broken map[string]string
}

// VirtioDevice returns the QEMU device of the virtio kind ("blk", "9p") on
// bus.
func VirtioDevice(kind, bus string) string {
	switch bus {
	case "mmio":
		return "virtio-" + kind + "-device"
	default:
		return "virtio-" + kind + "-" + bus
	}
}

// Modules returns the kernel modules the guest needs, in no particular
// order: those that are built in are left out when the kernel is fetched.
func (vm *VM) Modules() []string {
	mods := []string{"virtio_blk", "9pnet_virtio", "9p", "ext4"}
	if vm.Bus == "pci" || vm.P9Bus == "pci" {
		mods = append(mods, "virtio_pci")
	}
	if vm.P9Bus == "mmio" {
		mods = append(mods, "virtio_mmio")
	}
	if vm.NVMe {
		mods = append(mods, "nvme")
	}
	return mods
}

// A Kernel is a Debian release whose kernel packages the VM tests boot.
type Kernel struct {
	Suite   string // Debian suite
	Release string // the Linux release it ships, for people; the package names the exact one
}

// Kernels lists the kernel axis, oldest first. Unstable's moves on.
var Kernels = []Kernel{
	{"bullseye", "5.10"},
	{"bookworm", "6.1"},
	{"trixie", "6.12"},
	{"unstable", "newest"},
}

// A Run is one VM test: an architecture booting one kernel.
type Run struct {
	Arch   Arch
	Kernel Kernel
	// Broken, if not empty, says why the run cannot be made (VM.Broken).
	Broken string
}

// Name returns "arch/suite".
func (r Run) Name() string { return r.Arch.GOARCH + "/" + r.Kernel.Suite }

// DefaultRuns are what make vmtest runs: amd64 on every kernel, and arm64,
// 386, arm, riscv64, s390x and ppc64le on their default kernel.
func DefaultRuns() []Run {
	runs, err := SelectRuns("amd64", "all")
	if err != nil {
		panic(err)
	}
	for _, goarch := range []string{"arm64", "386", "arm", "riscv64", "s390x", "ppc64le"} {
		a, _ := Find(goarch)
		k, _ := findKernel(a.VM.Kernels[0])
		runs = append(runs, Run{a, k, a.VM.Broken[k.Suite]})
	}
	return runs
}

// SelectRuns returns the runs of the architectures in arches and the
// kernels in kernels, each a space-separated list or "all"; an empty
// kernels means each architecture's default kernel. A kernel that an
// architecture lacks is left out for it, but every name must be known.
func SelectRuns(arches, kernels string) ([]Run, error) {
	var selected []Arch
	if arches == "all" {
		for _, a := range Arches {
			if a.VM != nil {
				selected = append(selected, a)
			}
		}
	} else {
		for _, name := range strings.Fields(arches) {
			a, ok := Find(name)
			if !ok {
				return nil, fmt.Errorf("unknown architecture %q: want a GOARCH from internal/platform", name)
			}
			if a.VM == nil {
				return nil, fmt.Errorf("%s has no VM guest in internal/platform (the VM tests run on %s)", name, strings.Join(vmArches(), ", "))
			}
			selected = append(selected, a)
		}
	}
	var suites []string
	if kernels == "all" {
		for _, k := range Kernels {
			suites = append(suites, k.Suite)
		}
	} else {
		suites = strings.Fields(kernels)
		for _, s := range suites {
			if _, ok := findKernel(s); !ok {
				return nil, fmt.Errorf("unknown kernel %q: want one of %s, or all", s, strings.Join(kernelSuites(), ", "))
			}
		}
	}
	var runs []Run
	for _, a := range selected {
		want := suites
		if len(want) == 0 {
			want = a.VM.Kernels[:1]
		}
		for _, k := range Kernels {
			if slices.Contains(want, k.Suite) && slices.Contains(a.VM.Kernels, k.Suite) {
				runs = append(runs, Run{a, k, a.VM.Broken[k.Suite]})
			}
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no architecture of %q has a kernel of %q", arches, kernels)
	}
	return runs, nil
}

func findKernel(suite string) (Kernel, bool) {
	for _, k := range Kernels {
		if k.Suite == suite {
			return k, true
		}
	}
	return Kernel{}, false
}

func kernelSuites() []string {
	var s []string
	for _, k := range Kernels {
		s = append(s, k.Suite)
	}
	return s
}

func vmArches() []string {
	var s []string
	for _, a := range Arches {
		if a.VM != nil {
			s = append(s, a.GOARCH)
		}
	}
	return s
}

// Package platform is the one table of the architectures and kernels that
// package aio is generated for and tested on. The generator (gen), the cross
// checks of the Makefile (through go run ./gen -arches) and the VM tests
// (vmtests) all read it; adding an architecture or a kernel is adding a row
// here.
package platform

// An Arch is one GOOS=linux GOARCH.
type Arch struct {
	GOARCH     string
	KernelArch string // the kernel's name for it (arch/<name>)
	Triple     string // GNU triple of its C compiler and of /usr/<triple>/include
	BigEndian  bool
	WordSize   int // bits in a C long

	// CC is the C compiler command that gen runs. Empty means
	// <Triple>-gcc.
	CC []string
	// Packages are the Debian packages of the build machine's release
	// that provide the compiler and the C library headers.
	Packages []string
	// Headers are the packages of Debian unstable that gen unpacks for
	// the UAPI headers (and for a C library that the machine's release
	// lacks) under /usr/<Triple>/include.
	Headers []string

	// QEMUUser is the QEMU user-mode emulator (qemu-<name>-static) that
	// runs the layout tests, or "" where it cannot: QEMU 7.2's user mode
	// crashes on Go's 386 binaries.
	QEMUUser string

	// VM describes the guest that the VM tests boot, or is nil for an
	// architecture that is only generated and cross-checked.
	VM *VM
}

// Compiler returns the command and arguments of a's C compiler.
func (a Arch) Compiler() []string {
	if len(a.CC) > 0 {
		return a.CC
	}
	return []string{a.Triple + "-gcc"}
}

// Arches lists every GOOS=linux GOARCH that Go supports.
//
// Debian's release has a cross gcc for every one but loong64; its layout
// comes from clang 16 for loongarch64 with unstable's C library and UAPI
// headers, and is checked like the others': gen compares the word size and
// byte order with the row, and TestLayout runs under qemu-loongarch64.
var Arches = []Arch{
	{
		GOARCH: "amd64", KernelArch: "x86", Triple: "x86_64-linux-gnu", WordSize: 64,
		Packages: []string{"gcc", "linux-libc-dev"},
		Headers:  []string{"linux-libc-dev-amd64-cross"},
		QEMUUser: "x86_64",
		VM: &VM{
			QEMU: "qemu-system-x86_64", QEMUPackage: "qemu-system-x86",
			Args: []string{"-m", "1G"}, Console: "ttyS0",
			DebianArch: "amd64", Flavour: "amd64",
			Kernels: []string{"bullseye", "bookworm", "trixie", "unstable"},
			Bus:     "pci", P9Bus: "pci", NVMe: true,
		},
	},
	{
		GOARCH: "arm64", KernelArch: "arm64", Triple: "aarch64-linux-gnu", WordSize: 64,
		Packages: cross("aarch64-linux-gnu", "arm64"),
		Headers:  []string{"linux-libc-dev-arm64-cross"},
		QEMUUser: "aarch64",
		VM: &VM{
			QEMU: "qemu-system-aarch64", QEMUPackage: "qemu-system-arm",
			Args: []string{"-machine", "virt", "-cpu", "max", "-m", "1G"}, Console: "ttyAMA0",
			DebianArch: "arm64", Flavour: "arm64",
			Kernels: []string{"bookworm", "bullseye", "trixie", "unstable"},
			Bus:     "pci", P9Bus: "pci", NVMe: true,
		},
	},
	{
		GOARCH: "386", KernelArch: "x86", Triple: "i686-linux-gnu", WordSize: 32,
		Packages: cross("i686-linux-gnu", "i386"),
		Headers:  []string{"linux-libc-dev-i386-cross"},
		VM: &VM{
			// 768 MiB, which the kernel maps whole (no highmem), and the
			// most capable CPU, which has PAE and NX for the 686-pae
			// flavour and the CRC instructions of its optional modules.
			QEMU: "qemu-system-i386", QEMUPackage: "qemu-system-x86",
			Args: []string{"-cpu", "max", "-m", "768M"}, Console: "ttyS0",
			// Debian has no i386 kernel after bookworm.
			DebianArch: "i386", Flavour: "686-pae",
			Kernels: []string{"bookworm", "bullseye"},
			Bus:     "pci", P9Bus: "pci", NVMe: true,
		},
	},
	{
		GOARCH: "arm", KernelArch: "arm", Triple: "arm-linux-gnueabihf", WordSize: 32,
		Packages: cross("arm-linux-gnueabihf", "armhf"),
		Headers:  []string{"linux-libc-dev-armhf-cross"},
		QEMUUser: "arm",
		VM: &VM{
			// The armmp-lpae flavour needs LPAE, which -cpu max has.
			QEMU: "qemu-system-arm", QEMUPackage: "qemu-system-arm",
			Args: []string{"-machine", "virt", "-cpu", "max", "-m", "768M"}, Console: "ttyAMA0",
			DebianArch: "armhf", Flavour: "armmp-lpae",
			Kernels: []string{"bookworm", "bullseye", "trixie"},
			Bus:     "pci", P9Bus: "mmio", NVMe: true,
		},
	},
	{
		GOARCH: "loong64", KernelArch: "loongarch", Triple: "loongarch64-linux-gnu", WordSize: 64,
		CC:       []string{"clang-16", "--target=loongarch64-linux-gnu"},
		Packages: []string{"clang-16"},
		Headers:  []string{"linux-libc-dev-loong64-cross", "libc6-dev-loong64-cross"},
		QEMUUser: "loongarch64",
	},
	{
		GOARCH: "mips", KernelArch: "mips", Triple: "mips-linux-gnu", BigEndian: true, WordSize: 32,
		Packages: cross("mips-linux-gnu", "mips"),
		Headers:  []string{"linux-libc-dev-mips-cross"},
		QEMUUser: "mips",
	},
	{
		GOARCH: "mipsle", KernelArch: "mips", Triple: "mipsel-linux-gnu", WordSize: 32,
		Packages: cross("mipsel-linux-gnu", "mipsel"),
		Headers:  []string{"linux-libc-dev-mipsel-cross"},
		QEMUUser: "mipsel",
	},
	{
		GOARCH: "mips64", KernelArch: "mips", Triple: "mips64-linux-gnuabi64", BigEndian: true, WordSize: 64,
		Packages: cross("mips64-linux-gnuabi64", "mips64"),
		Headers:  []string{"linux-libc-dev-mips64-cross"},
		QEMUUser: "mips64",
	},
	{
		GOARCH: "mips64le", KernelArch: "mips", Triple: "mips64el-linux-gnuabi64", WordSize: 64,
		Packages: cross("mips64el-linux-gnuabi64", "mips64el"),
		Headers:  []string{"linux-libc-dev-mips64el-cross"},
		QEMUUser: "mips64el",
	},
	{
		GOARCH: "ppc64", KernelArch: "powerpc", Triple: "powerpc64-linux-gnu", BigEndian: true, WordSize: 64,
		Packages: cross("powerpc64-linux-gnu", "ppc64"),
		Headers:  []string{"linux-libc-dev-ppc64-cross"},
		QEMUUser: "ppc64",
	},
	{
		GOARCH: "ppc64le", KernelArch: "powerpc", Triple: "powerpc64le-linux-gnu", WordSize: 64,
		Packages: cross("powerpc64le-linux-gnu", "ppc64el"),
		Headers:  []string{"linux-libc-dev-ppc64el-cross"},
		QEMUUser: "ppc64le",
		VM: &VM{
			QEMU: "qemu-system-ppc64", QEMUPackage: "qemu-system-ppc",
			Args: []string{"-machine", "pseries", "-cpu", "power9", "-m", "1G"}, Console: "hvc0",
			// The mirror no longer has bullseye for the architectures
			// that its long-term support left out.
			DebianArch: "ppc64el", Flavour: "powerpc64le",
			Kernels: []string{"bookworm", "trixie", "unstable"},
			Bus:     "pci", P9Bus: "pci", NVMe: true,
		},
	},
	{
		GOARCH: "riscv64", KernelArch: "riscv", Triple: "riscv64-linux-gnu", WordSize: 64,
		Packages: cross("riscv64-linux-gnu", "riscv64"),
		Headers:  []string{"linux-libc-dev-riscv64-cross"},
		QEMUUser: "riscv64",
		VM: &VM{
			// QEMU's default firmware for virt is OpenSBI, which loads the
			// kernel. Debian has riscv64 kernels from trixie on.
			QEMU: "qemu-system-riscv64", QEMUPackage: "qemu-system-misc",
			Args: []string{"-machine", "virt", "-m", "1G"}, Console: "ttyS0",
			DebianArch: "riscv64", Flavour: "riscv64",
			Kernels: []string{"trixie", "unstable"},
			Bus:     "pci", P9Bus: "pci", NVMe: true,
		},
	},
	{
		GOARCH: "s390x", KernelArch: "s390", Triple: "s390x-linux-gnu", BigEndian: true, WordSize: 64,
		Packages: cross("s390x-linux-gnu", "s390x"),
		Headers:  []string{"linux-libc-dev-s390x-cross"},
		QEMUUser: "s390x",
		VM: &VM{
			// Channel I/O, not PCI: the disks and 9p directories are
			// virtio-ccw devices, and the console is the SCLP line mode
			// console.
			QEMU: "qemu-system-s390x", QEMUPackage: "qemu-system-misc",
			Args: []string{"-machine", "s390-ccw-virtio", "-cpu", "max", "-m", "1G"}, Console: "ttysclp0",
			DebianArch: "s390x", Flavour: "s390x",
			Kernels: []string{"bookworm", "trixie", "unstable"},
			Bus:     "ccw", P9Bus: "ccw",
			Broken: map[string]string{
				"unstable": "Linux 7.2 oopses in ext4_mb_new_blocks (a bad per-CPU address) under QEMU 7.2's emulation of s390x, with -cpu max and -cpu qemu alike",
			},
		},
	},
}

// cross returns the Debian packages of the cross gcc for triple and of the
// C library and kernel headers of the Debian architecture debArch.
func cross(triple, debArch string) []string {
	return []string{"gcc-" + triple, "libc6-dev-" + debArch + "-cross", "linux-libc-dev-" + debArch + "-cross"}
}

// Find returns the row of goarch.
func Find(goarch string) (Arch, bool) {
	for _, a := range Arches {
		if a.GOARCH == goarch {
			return a, true
		}
	}
	return Arch{}, false
}

package main

// A target is one architecture the package supports. Adding an architecture
// is adding a row to targets; everything else follows from it.
type target struct {
	goArch     string   // GOARCH
	kernelArch string   // the kernel's name for it (arch/<name>)
	triple     string   // GNU triple of its C compiler: <triple>-gcc
	bigEndian  bool     // byte order, checked against the compiler's layout
	wordSize   int      // bits in a C long, checked likewise
	packages   []string // Debian packages, installed on the machine, that provide the compiler and C library
	headers    string   // Debian package of headerSuite with its UAPI headers in /usr/<triple>/include
}

var targets = []target{
	{
		goArch:     "amd64",
		kernelArch: "x86",
		triple:     "x86_64-linux-gnu",
		wordSize:   64,
		packages:   []string{"gcc", "linux-libc-dev"},
		headers:    "linux-libc-dev-amd64-cross",
	},
	{
		goArch:     "arm64",
		kernelArch: "arm64",
		triple:     "aarch64-linux-gnu",
		wordSize:   64,
		packages:   []string{"gcc-aarch64-linux-gnu", "linux-libc-dev-arm64-cross", "libc6-dev-arm64-cross"},
		headers:    "linux-libc-dev-arm64-cross",
	},
	{
		goArch:     "386",
		kernelArch: "x86",
		triple:     "i686-linux-gnu",
		wordSize:   32,
		packages:   []string{"gcc-i686-linux-gnu", "linux-libc-dev-i386-cross", "libc6-dev-i386-cross"},
		headers:    "linux-libc-dev-i386-cross",
	},
	{
		goArch:     "arm",
		kernelArch: "arm",
		triple:     "arm-linux-gnueabihf",
		wordSize:   32,
		packages:   []string{"gcc-arm-linux-gnueabihf", "linux-libc-dev-armhf-cross", "libc6-dev-armhf-cross"},
		headers:    "linux-libc-dev-armhf-cross",
	},
	{
		goArch:     "ppc64le",
		kernelArch: "powerpc",
		triple:     "powerpc64le-linux-gnu",
		wordSize:   64,
		packages:   []string{"gcc-powerpc64le-linux-gnu", "linux-libc-dev-ppc64el-cross", "libc6-dev-ppc64el-cross"},
		headers:    "linux-libc-dev-ppc64el-cross",
	},
	{
		goArch:     "riscv64",
		kernelArch: "riscv",
		triple:     "riscv64-linux-gnu",
		wordSize:   64,
		packages:   []string{"gcc-riscv64-linux-gnu", "linux-libc-dev-riscv64-cross", "libc6-dev-riscv64-cross"},
		headers:    "linux-libc-dev-riscv64-cross",
	},
	{
		goArch:     "s390x",
		kernelArch: "s390",
		triple:     "s390x-linux-gnu",
		bigEndian:  true,
		wordSize:   64,
		packages:   []string{"gcc-s390x-linux-gnu", "linux-libc-dev-s390x-cross", "libc6-dev-s390x-cross"},
		headers:    "linux-libc-dev-s390x-cross",
	},
}

func findTarget(goArch string) (target, bool) {
	for _, t := range targets {
		if t.goArch == goArch {
			return t, true
		}
	}
	return target{}, false
}

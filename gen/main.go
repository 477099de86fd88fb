// Command gen writes the architecture-dependent files of package aio: for
// each target, zsyscall_linux_<arch>.go (system call numbers and stubs) and
// ziocb_linux_<arch>.go (struct iocb, struct io_event and their constants).
//
// Layouts and numbers come from the kernel's UAPI headers through the
// target's C compiler (go tool cgo -godefs); the stubs come from the //sys
// prototypes in the package's syscall_linux.go.
//
// The UAPI headers are not the machine's (bookworm's are Linux 6.1) but Debian
// unstable's linux-libc-dev and linux-libc-dev-<arch>-cross, which gen
// downloads with apt-get, in an apt directory of its own, and unpacks into
// gen/.headers (ignored by git). They must be Linux 6.14 or later, the
// release of the newest constant in gen/defs, and take precedence over the
// toolchains' own (-isystem). A cached tree that meets that floor is used
// without downloading; remove gen/.headers to fetch the current ones. The
// generated files depend only on the values, not on which release provided
// them. gen/headers.go has the mirror, suite and floor.
//
// Usage, from the repository root:
//
//	go run ./gen                 # every target
//	go run ./gen -arch arm64     # one target
//	go run ./gen -packages       # the Debian packages to install: compilers, C libraries
//	go run ./gen -arches         # each GOARCH and its QEMU user-mode emulator ("-" if none)
//
// The targets are the rows of internal/platform.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	arch := flag.String("arch", "", "generate only for this GOARCH (default: every target)")
	dir := flag.String("dir", ".", "directory of package aio")
	listPackages := flag.Bool("packages", false, "print the Debian packages that generation needs installed and exit")
	listArches := flag.Bool("arches", false, "print a line per target, its GOARCH and its QEMU user-mode emulator (- if none), and exit")
	flag.Parse()

	if *listArches {
		for _, t := range targets {
			emulator := "-"
			if t.QEMUUser != "" {
				emulator = "qemu-" + t.QEMUUser + "-static"
			}
			fmt.Println(t.GOARCH, emulator)
		}
		return
	}

	if *listPackages {
		var all []string
		for _, t := range targets {
			all = append(all, t.Packages...)
		}
		fmt.Println(strings.Join(all, " "))
		return
	}

	selected := targets
	if *arch != "" {
		t, ok := findTarget(*arch)
		if !ok {
			fatalf("no target for GOARCH %q; add a row to the table in internal/platform", *arch)
		}
		selected = []target{t}
	}

	protos, err := parsePrototypes(filepath.Join(*dir, "syscall_linux.go"))
	if err != nil {
		fatalf("%v", err)
	}
	headers, err := uapiHeaders(*dir)
	if err != nil {
		fatalf("%v", err)
	}
	for _, t := range selected {
		if err := generate(t, *dir, includeDir(headers, t), protos); err != nil {
			fatalf("%s: %v", t.GOARCH, err)
		}
	}
}

func generate(t target, dir, inc string, protos []prototype) error {
	if err := checkIncludeOrder(t, inc); err != nil {
		return err
	}
	layouts, err := godefs(t, inc, filepath.Join(dir, "gen", "defs", "iocb.go"))
	if err != nil {
		return err
	}
	if err := checkLayout(t, layouts); err != nil {
		return err
	}
	numbers, err := godefs(t, inc, filepath.Join(dir, "gen", "defs", "sysnum.go"))
	if err != nil {
		return err
	}

	iocbFile, err := render(t, "", layouts)
	if err != nil {
		return err
	}
	stubs, imports := renderStubs(protos)
	syscallFile, err := render(t, imports, numbers+"\n"+stubs)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ziocb_linux_"+t.GOARCH+".go"), iocbFile, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "zsyscall_linux_"+t.GOARCH+".go"), syscallFile, 0o644)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}

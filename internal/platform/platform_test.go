package platform

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestEveryLinuxArch checks that the table has a row for every GOOS=linux
// GOARCH that this Go supports, and no other.
func TestEveryLinuxArch(t *testing.T) {
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	if err != nil {
		t.Fatalf("go tool dist list: %v", err)
	}
	var want []string
	for _, p := range strings.Fields(string(out)) {
		if goarch, ok := strings.CutPrefix(p, "linux/"); ok {
			want = append(want, goarch)
		}
	}
	var got []string
	for _, a := range Arches {
		if slices.Contains(got, a.GOARCH) {
			t.Errorf("%s has two rows", a.GOARCH)
		}
		got = append(got, a.GOARCH)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the table has %v, Go supports linux/%v", got, want)
	}
}

func TestRows(t *testing.T) {
	for _, a := range Arches {
		if a.WordSize != 32 && a.WordSize != 64 {
			t.Errorf("%s: word size %d", a.GOARCH, a.WordSize)
		}
		if len(a.Packages) == 0 || len(a.Headers) == 0 {
			t.Errorf("%s: no Debian packages for its compiler or headers", a.GOARCH)
		}
		if a.VM == nil {
			continue
		}
		if len(a.VM.Kernels) == 0 {
			t.Errorf("%s: a VM without kernels", a.GOARCH)
		}
		for _, k := range a.VM.Kernels {
			if _, ok := findKernel(k); !ok {
				t.Errorf("%s: kernel %q is not in Kernels", a.GOARCH, k)
			}
		}
		for _, bus := range []string{a.VM.Bus, a.VM.P9Bus} {
			if !slices.Contains([]string{"pci", "ccw", "mmio"}, bus) {
				t.Errorf("%s: unknown virtio transport %q", a.GOARCH, bus)
			}
		}
	}
}

func runNames(runs []Run) []string {
	var names []string
	for _, r := range runs {
		names = append(names, r.Name())
	}
	return names
}

func TestDefaultRuns(t *testing.T) {
	for _, r := range DefaultRuns() {
		if r.Broken != "" {
			t.Errorf("%s is a default run, but broken: %s", r.Name(), r.Broken)
		}
	}
	got := runNames(DefaultRuns())
	want := []string{"amd64/bullseye", "amd64/bookworm", "amd64/trixie", "amd64/unstable",
		"arm64/bookworm", "386/bookworm", "arm/bookworm", "riscv64/trixie", "s390x/bookworm", "ppc64le/bookworm"}
	if !slices.Equal(got, want) {
		t.Errorf("DefaultRuns: %v, want %v", got, want)
	}
}

func TestSelectRuns(t *testing.T) {
	for _, tc := range []struct {
		arches, kernels string
		want            []string
	}{
		{"arm64", "", []string{"arm64/bookworm"}},
		{"amd64 s390x", "bullseye trixie", []string{"amd64/bullseye", "amd64/trixie", "s390x/trixie"}},
		{"riscv64", "all", []string{"riscv64/trixie", "riscv64/unstable"}},
		{"s390x", "unstable", []string{"s390x/unstable"}},
	} {
		runs, err := SelectRuns(tc.arches, tc.kernels)
		if err != nil {
			t.Errorf("SelectRuns(%q, %q): %v", tc.arches, tc.kernels, err)
			continue
		}
		if got := runNames(runs); !slices.Equal(got, tc.want) {
			t.Errorf("SelectRuns(%q, %q) = %v, want %v", tc.arches, tc.kernels, got, tc.want)
		}
	}
	all, err := SelectRuns("all", "all")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range Arches {
		if a.VM != nil {
			n += len(a.VM.Kernels)
		}
	}
	if len(all) != n {
		t.Errorf("SelectRuns(all, all) has %d runs, want %d", len(all), n)
	}

	for _, tc := range []struct{ arches, kernels, want string }{
		{"sparc", "", `unknown architecture "sparc"`},
		{"mips", "", "mips has no VM guest"},
		{"amd64", "buster", `unknown kernel "buster"`},
		{"riscv64", "bullseye", "no architecture"},
	} {
		if _, err := SelectRuns(tc.arches, tc.kernels); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SelectRuns(%q, %q): %v, want an error with %q", tc.arches, tc.kernels, err, tc.want)
		}
	}
}

package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSync(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig(nil, io.Discard)
	if err != nil || cfg.sync != syncNone {
		t.Fatalf("default -sync = %q, %v; want none", cfg.sync, err)
	}
	for _, pattern := range []string{"write", "randwrite", "randrw"} {
		cfg, err := parseConfig([]string{"-rw", pattern, "-sync", "dsync", "-engine", "aio,pwrite+fdatasync"}, io.Discard)
		if err != nil {
			t.Errorf("-rw %s -sync dsync: %v", pattern, err)
			continue
		}
		if cfg.sync != syncDSync || !slices.Equal(cfg.engines, []string{"aio", fdatasyncEngine}) {
			t.Errorf("-rw %s -sync dsync: sync %q, engines %v", pattern, cfg.sync, cfg.engines)
		}
	}
}

// TestSyncErrors gives -sync and pwrite+fdatasync settings that make no
// sense: each must fail with one line that names the flag and says what to
// do instead.
func TestSyncErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-sync", "fsync", "-rw", "randwrite"}, []string{`-sync "fsync"`, "none or dsync"}},
		{[]string{"-sync", ""}, []string{`-sync ""`, "none or dsync"}},
		{[]string{"-sync", "dsync"}, []string{"-sync dsync", "-rw randread does no writes", "use -rw write, randwrite or randrw"}},
		{[]string{"-sync", "dsync", "-rw", "read"}, []string{"-sync dsync", "-rw read does no writes"}},
		{[]string{"-engine", "pwrite+fdatasync", "-rw", "randwrite"}, []string{"-engine pwrite+fdatasync", "with -sync dsync"}},
		{[]string{"-engine", "pwrite+fdatasync", "-sync", "dsync", "-rw", "randread"}, []string{"-sync dsync", "-engine pwrite+fdatasync"}},
	} {
		var out strings.Builder
		_, err := parseConfig(tc.args, &out)
		if err == nil {
			t.Errorf("parseConfig(%q) succeeded", tc.args)
			continue
		}
		if strings.Contains(err.Error(), "\n") || out.Len() > 0 {
			t.Errorf("parseConfig(%q): %q and printed %q; want one line, nothing printed", tc.args, err, out.String())
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("parseConfig(%q) = %v; want it to say %q", tc.args, err, want)
			}
		}
	}
	// -compare without -sync dsync leaves pwrite+fdatasync out rather than
	// refusing.
	if _, err := parseConfig([]string{"-compare", "-rw", "randwrite"}, io.Discard); err != nil {
		t.Errorf("-compare -rw randwrite: %v", err)
	}
}

func TestCompareEnginesBySync(t *testing.T) {
	t.Parallel()
	plain, err := parseConfig([]string{"-compare", "-rw", "randwrite"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	durable, err := parseConfig([]string{"-compare", "-rw", "randwrite", "-sync", "dsync"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(plain.engines, fdatasyncEngine) {
		t.Errorf("-compare without -sync dsync runs %s: %v", fdatasyncEngine, plain.engines)
	}
	want := slices.DeleteFunc(slices.Clone(engineNames), func(e string) bool { return e == "aio-stream" })
	if !slices.Equal(durable.engines, want) {
		t.Errorf("-compare -sync dsync runs %v, want every engine but aio-stream, which runs when named: %v", durable.engines, want)
	}
}

// TestChildArgumentsCarrySync checks that a child run gets the parent's
// -sync, by parsing the child's command line back.
func TestChildArgumentsCarrySync(t *testing.T) {
	t.Parallel()
	for _, sync := range syncModes {
		cfg, err := parseConfig([]string{"-rw", "randwrite", "-sync", sync, "-bs", "1m"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		args := childArguments(cfg, target{Path: "/dev/loop9", Size: 1 << 30}, plannedRun{engine: "aio-batch", queueDepth: 8, round: 1})
		child, err := parseConfig(args, io.Discard)
		if err != nil {
			t.Fatalf("the child's arguments %q do not parse: %v", args, err)
		}
		if child.sync != sync || child.blockSize != 1<<20 || child.pattern != "randwrite" || child.file != "/dev/loop9" {
			t.Errorf("child of -sync %s got %+v", sync, child)
		}
	}
}

func TestFioArgumentsForWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern string
		bs      int
		dsync   bool
		want    []string
	}{
		{"randwrite", 4096, true, []string{"--rw=randwrite", "--bs=4096", "--sync=dsync", "--direct=1"}},
		{"randwrite", 4096, false, []string{"--rw=randwrite", "--bs=4096", "--direct=1"}},
		{"write", 1 << 20, false, []string{"--rw=write", "--bs=1048576", "--size=16777216"}},
		{"read", 1 << 20, false, []string{"--rw=read", "--bs=1048576"}},
		{"randrw", 4096, true, []string{"--rw=randrw", "--sync=dsync", "--rwmixread=50"}},
	} {
		w, err := newWorkload(tc.pattern, tc.bs, 16<<20, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, engine := range []string{"fio", "fio-best"} {
			args := fioArguments(job{engine: engine, path: "/dev/loop0", workload: w, queueDepth: 4, runtime: time.Second, dsync: tc.dsync})
			for _, want := range tc.want {
				if !slices.Contains(args, want) {
					t.Errorf("%s %s bs %d dsync %v: %q lacks %q", engine, tc.pattern, tc.bs, tc.dsync, args, want)
				}
			}
			hasSync := slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--sync") })
			if hasSync != tc.dsync {
				t.Errorf("%s %s dsync %v: --sync in %q is %v", engine, tc.pattern, tc.dsync, args, hasSync)
			}
		}
	}
}

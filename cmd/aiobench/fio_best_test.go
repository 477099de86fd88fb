package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFioBestArgumentsPerDepth(t *testing.T) {
	t.Parallel()
	w, err := newWorkload("randread", 4096, 1<<20, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		qd   int
		want []string
	}{
		{1, []string{"--iodepth=1", "--iodepth_batch_submit=1", "--iodepth_batch_complete_min=1", "--iodepth_batch_complete_max=1"}},
		{32, []string{"--iodepth=32", "--iodepth_batch_submit=32", "--iodepth_batch_complete_min=1", "--iodepth_batch_complete_max=32"}},
		{128, []string{"--iodepth=128", "--iodepth_batch_submit=128", "--iodepth_batch_complete_min=1", "--iodepth_batch_complete_max=128"}},
	} {
		best := fioArguments(job{engine: "fio-best", path: "/dev/loop0", workload: w, queueDepth: tc.qd, runtime: time.Second})
		for _, want := range tc.want {
			if !slices.Contains(best, want) {
				t.Errorf("fio-best at QD%d: %q missing from %q", tc.qd, want, best)
			}
		}
		if slices.Contains(best, "--userspace_reap") {
			t.Errorf("fio-best at QD%d reaps in user space, which fio does only with complete_min=0", tc.qd)
		}
		plain := fioArguments(job{engine: "fio", path: "/dev/loop0", workload: w, queueDepth: tc.qd, runtime: time.Second})
		if !slices.Equal(plain, best[:len(plain)]) {
			t.Errorf("fio-best at QD%d does not extend fio's arguments:\n%q\n%q", tc.qd, plain, best)
		}
		for _, arg := range plain {
			if strings.HasPrefix(arg, "--iodepth_batch") || arg == "--userspace_reap" {
				t.Errorf("plain fio at QD%d has %q; it runs with fio's defaults", tc.qd, arg)
			}
		}
	}
}

func TestFioBatchingUserspaceReap(t *testing.T) {
	t.Parallel()
	got := fioBatching{submit: 8, completeMin: 0, completeMax: 8, userspaceReap: true}.arguments()
	want := []string{"--iodepth_batch_submit=8", "--iodepth_batch_complete_min=0", "--iodepth_batch_complete_max=8", "--userspace_reap"}
	if !slices.Equal(got, want) {
		t.Errorf("arguments = %q, want %q", got, want)
	}
}

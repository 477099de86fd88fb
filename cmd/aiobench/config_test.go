package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.pattern != "randread" || cfg.blockSize != 4096 || !slices.Equal(cfg.queueDepths, []int{32}) ||
		cfg.runtime != 3*time.Second || !slices.Equal(cfg.engines, []string{"aio"}) || cfg.rounds != 1 ||
		cfg.dir != "." || cfg.file != "" || cfg.size != 0 {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestParseConfigValid(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{
		"-file", "/dev/loop0", "-size", "1g", "-rw", "randrw", "-rwmix", "70", "-bs", "8k",
		"-qd", "128, 1,32,1", "-runtime", "5s", "-engine", "pread,aio", "-rounds", "3", "-json", "-plot", "out.PNG",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.size != 1<<30 || cfg.blockSize != 8192 || cfg.readMix != 70 || cfg.rounds != 3 || !cfg.jsonOutput {
		t.Errorf("parsed %+v", cfg)
	}
	if !slices.Equal(cfg.queueDepths, []int{128, 1, 32}) {
		t.Errorf("queue depths = %v, want [128 1 32]: in order given, without repeats", cfg.queueDepths)
	}
	if !slices.Equal(cfg.engines, []string{"aio", "pread"}) {
		t.Errorf("engines = %v, want [aio pread]: in report order", cfg.engines)
	}
}

func TestParseConfigCompareRunsEveryEngine(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"-compare", "-engine", "pread"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.engines, engineNames) {
		t.Errorf("engines = %v, want all of %v", cfg.engines, engineNames)
	}
}

func TestParseConfigRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"-rw", "randomread"}, "-rw"},
		{[]string{"-rwmix", "101"}, "-rwmix"},
		{[]string{"-bs", "1000"}, "multiple of 512"},
		{[]string{"-bs", "0"}, "-bs"},
		{[]string{"-bs", "128m"}, "-bs"},
		{[]string{"-size", "1k", "-bs", "4k"}, "smaller than one block"},
		{[]string{"-qd", "0"}, "-qd"},
		{[]string{"-qd", "8,x"}, "-qd"},
		{[]string{"-qd", "5000"}, "-qd"},
		{[]string{"-runtime", "0s"}, "-runtime"},
		{[]string{"-engine", "io_uring"}, "-engine"},
		{[]string{"-rounds", "0"}, "-rounds"},
		{[]string{"-plot", "out.svg"}, "PNG"},
		{[]string{"-strict"}, "-goals"},
		{[]string{"randread"}, "unexpected argument"},
		{[]string{"-size", "lots"}, "invalid size"},
	} {
		_, err := parseConfig(tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseConfig(%q) = %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

func TestParseConfigHelp(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	_, err := parseConfig([]string{"-help"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"-compare", "aio-batch", "O_DIRECT", "getevents", "fio-best",
		"--iodepth_batch_submit", "-goals", "aio-batch QD128 IOPS ≥ 1.0× getevents"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help text lacks %q", want)
		}
	}
}

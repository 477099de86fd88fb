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
		cfg.runtime != 4*time.Second || cfg.rounds != 1 || cfg.dir != "." || cfg.file != "" || cfg.size != 0 {
		t.Errorf("defaults = %+v", cfg)
	}
}

// TestParseConfigDefaultComparison checks which engines run, and whether
// the text report explains itself, for each way of choosing engines.
func TestParseConfigDefaultComparison(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		engines []string
		dflt    bool // the default comparison, whose fio may be left out
		explain bool
	}{
		{nil, []string{"aio", "aio-batch", "pread", "fio"}, true, true},
		{[]string{"-qd", "1,32", "-rw", "randwrite"}, []string{"aio", "aio-batch", "pread", "fio"}, true, true},
		{[]string{"-explain=false"}, []string{"aio", "aio-batch", "pread", "fio"}, true, false},
		{[]string{"-engine", "aio"}, []string{"aio"}, false, false},
		{[]string{"-engine", "pread,aio", "-explain"}, []string{"aio", "pread"}, false, true},
		{[]string{"-compare"}, comparedEngines(syncNone), false, false},
		{[]string{"-compare", "-explain"}, comparedEngines(syncNone), false, true},
	} {
		cfg, err := parseConfig(tc.args, io.Discard)
		if err != nil {
			t.Errorf("parseConfig(%q): %v", tc.args, err)
			continue
		}
		if !slices.Equal(cfg.engines, tc.engines) || cfg.defaultComparison != tc.dflt || cfg.explain != tc.explain {
			t.Errorf("parseConfig(%q): engines %v, default comparison %v, explain %v; want %v, %v, %v",
				tc.args, cfg.engines, cfg.defaultComparison, cfg.explain, tc.engines, tc.dflt, tc.explain)
		}
	}
	if _, err := parseConfig([]string{"-log", "-explain"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-explain") {
		t.Errorf("-log -explain = %v; want an error naming -explain", err)
	}
}

func TestParseConfigValid(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{
		"-file", "/dev/loop0", "-size", "1g", "-rw", "randrw", "-rwmix", "70", "-bs", "8k",
		"-qd", "128, 1,32,1", "-runtime", "5s", "-engine", "pread,aio", "-rounds", "3", "-json", "-save", "out.json",
		"-compare=false", "-goals=true",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.size != 1<<30 || cfg.blockSize != 8192 || cfg.readMix != 70 || cfg.rounds != 3 || !cfg.jsonOutput ||
		cfg.runtime != 5*time.Second || cfg.compare || !cfg.goals || cfg.savePath != "out.json" || cfg.explain {
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
	want := slices.DeleteFunc(slices.Clone(engineNames), func(e string) bool { return e == fdatasyncEngine || e == "aio-stream" })
	if !slices.Equal(cfg.engines, want) || len(want) != len(engineNames)-2 {
		t.Errorf("engines = %v, want all of %v but %s, which needs -sync dsync, and aio-stream, which runs when named", cfg.engines, engineNames, fdatasyncEngine)
	}
}

// TestBadFlagValues gives each flag values it must refuse. Each must give
// an error of one line that names the flag (or the stray argument), and
// print nothing: no usage.
func TestBadFlagValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		name string // in the error
	}{
		{[]string{"-size", "1x"}, "-size"},
		{[]string{"-size", "lots"}, "-size"},
		{[]string{"-size", "-5"}, "-size"},
		{[]string{"-size", "99999999t"}, "-size"},
		{[]string{"-size", "1k", "-bs", "4k"}, "-size"},
		{[]string{"-size"}, "-size"},
		{[]string{"-bs", "1000"}, "-bs"},
		{[]string{"-bs", "0"}, "-bs"},
		{[]string{"-bs", "128m"}, "-bs"},
		{[]string{"-bs", "4q"}, "-bs"},
		{[]string{"-qd", "0"}, "-qd"},
		{[]string{"-qd", "8,x"}, "-qd"},
		{[]string{"-qd", "5000"}, "-qd"},
		{[]string{"-qd", "1,,8"}, "-qd"},
		{[]string{"-qd", ""}, "-qd"},
		{[]string{"-runtime", "0s"}, "-runtime"},
		{[]string{"-runtime", "-1s"}, "-runtime"},
		{[]string{"-runtime", "3"}, "-runtime"},
		{[]string{"-runtime", "soon"}, "-runtime"},
		{[]string{"-rw", "randomread"}, "-rw"},
		{[]string{"-rw", ""}, "-rw"},
		{[]string{"-rwmix", "101"}, "-rwmix"},
		{[]string{"-rwmix", "-1"}, "-rwmix"},
		{[]string{"-rwmix", "half"}, "-rwmix"},
		{[]string{"-engine", "io_uring"}, "-engine"},
		{[]string{"-engine", "aio,"}, "-engine"},
		{[]string{"-rounds", "0"}, "-rounds"},
		{[]string{"-rounds", "1001"}, "-rounds"},
		{[]string{"-rounds", "many"}, "-rounds"},
		{[]string{"-plot", "out.pdf"}, "-plot"},
		{[]string{"-plot", "out"}, "-plot"},
		{[]string{"-strict"}, "-strict"},
		{[]string{"-json=maybe"}, "-json"},
		{[]string{"-compare=2"}, "-compare"},
		{[]string{"-goals=yes please"}, "-goals"},
		{[]string{"-strict=x", "-goals"}, "-strict"},
		{[]string{"-nosuchflag"}, "-nosuchflag"},
		{[]string{"randread"}, "randread"},
		{[]string{"-probe", ""}, "-probe"},
		{[]string{"-probe", ".", "-qd", "4"}, "-probe"},
		{[]string{"-probe"}, "-probe"},
	} {
		var out strings.Builder
		_, err := parseConfig(tc.args, &out)
		switch {
		case err == nil:
			t.Errorf("parseConfig(%q) succeeded, want an error naming %s", tc.args, tc.name)
		case strings.Contains(err.Error(), "\n"):
			t.Errorf("parseConfig(%q): the error has more than one line:\n%v", tc.args, err)
		case !strings.Contains(err.Error(), tc.name):
			t.Errorf("parseConfig(%q) = %v; want it to name %s", tc.args, err, tc.name)
		}
		if out.Len() > 0 {
			t.Errorf("parseConfig(%q) printed %q; a bad value must print nothing", tc.args, out.String())
		}
	}
}

// TestBadValuesSayWhatTheyWant checks a few errors for the hint on how to
// put the value right.
func TestBadValuesSayWhatTheyWant(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-size", "1x"}, "such as 4096, 4k, 64m or 1g"},
		{[]string{"-bs", "1000"}, "multiple of 512"},
		{[]string{"-runtime", "3"}, "such as 3s"},
		{[]string{"-rounds", "0"}, "from 1 to 1000"},
		{[]string{"-rwmix", "101"}, "from 0 to 100"},
		{[]string{"-plot", "out.pdf"}, ".png or a .svg"},
		{[]string{"-strict"}, "add -goals"},
		{[]string{"-json=maybe"}, "=true or =false"},
	} {
		if _, err := parseConfig(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseConfig(%q) = %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

func TestPlotFormat(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"sweep.png": "png", "out.PNG": "png", "dir.d/sweep.svg": "svg", "a.Svg": "svg",
		"sweep.pdf": "", "sweep": "", "png": "", "sweep.png.txt": "",
	} {
		if got := plotFormat(path); got != want {
			t.Errorf("plotFormat(%q) = %q, want %q", path, got, want)
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
		"--iodepth_batch_submit", "-goals", "aio-batch IOPS ≥ 1.0× getevents at every depth", "-sync", "O_DSYNC",
		"RWF_DSYNC", "pwrite+fdatasync", "aio QD64 IOPS ≥ 2.0× pwrite+fdatasync", "aio MB/s ≥ 0.98× fio"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help text lacks %q", want)
		}
	}
}

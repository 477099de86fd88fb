package main

import (
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// noFio and someFio stand in for exec.LookPath on machines without and
// with fio.
func noFio(string) (string, error)   { return "", exec.ErrNotFound }
func someFio(string) (string, error) { return "/usr/bin/fio", nil }

// TestSelectEnginesWithoutFio checks that the default comparison and
// -compare leave fio out with a note that says why, and that naming fio
// fails instead.
func TestSelectEnginesWithoutFio(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"aio", "aio-batch", "pread"}},
		{[]string{"-compare"}, []string{"aio", "aio-batch", "getevents", "pread"}},
	} {
		cfg, err := parseConfig(tc.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		sel, err := selectEngines(cfg, noFio, true)
		if err != nil {
			t.Errorf("%q without fio: %v", tc.args, err)
			continue
		}
		if !slices.Equal(sel.engines, tc.want) || sel.fioPath != "" {
			t.Errorf("%q without fio: engines %v, fio %q; want %v and no fio", tc.args, sel.engines, sel.fioPath, tc.want)
		}
		if len(sel.notes) != 1 || !strings.Contains(sel.notes[0], "fio is not installed") || !strings.Contains(sel.notes[0], "apt-get install fio") {
			t.Errorf("%q without fio: notes %q; want one saying fio is not installed and how to install it", tc.args, sel.notes)
		}
	}
	cfg, err := parseConfig([]string{"-engine", "aio,fio"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := selectEngines(cfg, noFio, true); !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "apt-get install fio") {
		t.Errorf("-engine aio,fio without fio = %v; want the lookup's error with how to install fio", err)
	}
}

func TestSelectEnginesWithFio(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := selectEngines(cfg, someFio, true)
	if err != nil || !slices.Equal(sel.engines, defaultEngines) || sel.fioPath != "/usr/bin/fio" || len(sel.notes) != 0 {
		t.Errorf("default comparison with fio: %+v, %v; want every default engine, fio's path and no note", sel, err)
	}
}

// TestSelectEnginesWithoutGetevents checks the architectures whose iocb
// layout getevents does not know: -compare leaves it out with a note,
// naming it fails.
func TestSelectEnginesWithoutGetevents(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"-compare"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := selectEngines(cfg, someFio, false)
	if err != nil || slices.Contains(sel.engines, "getevents") || len(sel.notes) != 1 || !strings.HasPrefix(sel.notes[0], "getevents skipped") {
		t.Errorf("-compare without getevents: %+v, %v; want getevents left out with a note", sel, err)
	}
	cfg, err = parseConfig([]string{"-engine", "getevents"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := selectEngines(cfg, someFio, false); !errors.Is(err, errGeteventsUnavailable) {
		t.Errorf("-engine getevents where it cannot run = %v, want errGeteventsUnavailable", err)
	}
}

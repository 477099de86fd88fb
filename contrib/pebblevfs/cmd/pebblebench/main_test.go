package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsRejectsBadValues(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-dir", "x", "-readers", "0"},
		{"-dir", "x", "-readers", "a,b"},
		{"-dir", "x", "-rounds", "0"},
		{"-dir", "x", "-scan", "1.5"},
		{"-dir", "x", "-size", "10"},
		{"-dir", "x", "extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
	cfg, err := parseFlags([]string{"-dir", "x", "-readers", "2, 3"})
	if err != nil || len(cfg.readers) != 2 || cfg.readers[1] != 3 {
		t.Fatalf("parseFlags with -readers \"2, 3\" = %+v, %v", cfg, err)
	}
}

// TestRunsBothFS builds a small DB, reuses it on a second load, and
// measures both FSes on it: each must complete operations.
func TestRunsBothFS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	cfg := &config{dir: dir, size: 2 << 20, readers: []int{4}, rounds: 1, runtime: 200 * time.Millisecond, cache: 1 << 20, scan: 0.5, scanLen: 3, value: 512}
	keys, err := loadDB(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if keys != 4096 {
		t.Fatalf("built %d keys, want 4096", keys)
	}
	if again, err := loadDB(cfg); err != nil || again != keys {
		t.Fatalf("loading the built DB again = %d, %v", again, err)
	}
	var results []result
	for _, kind := range fsKinds {
		r, err := measure(cfg, kind, 4, keys)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if r.ops == 0 || r.p50 <= 0 || r.threads == 0 {
			t.Fatalf("%s: %+v", kind, r)
		}
		results = append(results, r)
	}
	var out strings.Builder
	printReport(&out, cfg, keys, results)
	if !strings.Contains(out.String(), "pebblevfs / vfs.Default") || !strings.Contains(out.String(), "ops/s") {
		t.Fatalf("report:\n%s", out.String())
	}
}

//go:build plot

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotDrawsTheReport draws a report with the plot tag: -plot is
// accepted, and the image has the report's heading.
func TestPlotDrawsTheReport(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sweep.svg")
	if _, err := parseConfig([]string{"-qd", "1,32", "-plot", path}, io.Discard); err != nil {
		t.Errorf("-plot with the plot tag: %v", err)
	}
	if err := writePlot(path, sweepReport(3)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "/dev/shm/sweep.img") {
		t.Error("the plot lacks its heading")
	}
	if err := writePlot(filepath.Join(t.TempDir(), "sweep.pdf"), sweepReport(3)); err == nil || !strings.Contains(err.Error(), ".svg") {
		t.Errorf("a .pdf plot gave %v, want an error naming the formats", err)
	}
}

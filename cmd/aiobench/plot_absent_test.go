//go:build !plot

package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotRefusedWithoutTheTag asks for a plot from an aiobench built
// without the plot tag: the command line must be refused before anything
// is measured, with one line that says how to get the plot.
func TestPlotRefusedWithoutTheTag(t *testing.T) {
	t.Parallel()
	_, err := parseConfig([]string{"-qd", "1,32", "-plot", "sweep.png"}, io.Discard)
	want := "go run -tags plot . -qd 1,32 -plot sweep.png"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("-plot without the plot tag: %v; want one line saying %s", err, want)
	}
	if err := writePlot(filepath.Join(t.TempDir(), "sweep.png"), sweepReport(1)); err == nil || !strings.Contains(err.Error(), "-tags plot") {
		t.Errorf("writePlot without the plot tag = %v; want an error naming -tags plot", err)
	}
}

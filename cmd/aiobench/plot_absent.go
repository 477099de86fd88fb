//go:build !plot

package main

import "github.com/linuxaio/aio/cmd/aiobench/internal/sweep"

// plotBuilt reports whether this aiobench can draw -plot. Without the plot
// build tag it cannot: the plotting code needs gonum.org/v1/plot and its
// fonts, which every build would otherwise download and compile.
const plotBuilt = false

// drawPlot fails: validate refuses -plot in this build before anything is
// measured, so it is not reached from the command line.
func drawPlot(path, _ string, _ sweep.Sweep) error {
	return plotNotBuilt(path, nil)
}

//go:build plot

package main

import (
	"github.com/linuxaio/aio/cmd/aiobench/internal/plot"
	"github.com/linuxaio/aio/cmd/aiobench/internal/sweep"
)

// plotBuilt reports whether this aiobench can draw -plot: built with the
// plot tag, it can.
const plotBuilt = true

// drawPlot draws s into the file at path in format, "png" or "svg".
func drawPlot(path, format string, s sweep.Sweep) error {
	return plot.WriteFile(path, format, s)
}

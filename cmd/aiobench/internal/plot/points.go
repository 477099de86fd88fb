package plot

import "github.com/linuxaio/aio/cmd/aiobench/internal/sweep"

// A medianPoint is one value of a line at one queue depth: the median over
// rounds, with the smallest and the largest round.
type medianPoint struct {
	queueDepth float64
	value      sweep.Value
}

// medianPoints are the points of one line; they are a plotter.XYer, and a
// plotter.YErrorer that gives the distances from each median down to the
// smallest round and up to the largest.
type medianPoints []medianPoint

func (p medianPoints) Len() int                { return len(p) }
func (p medianPoints) XY(i int) (x, y float64) { return p[i].queueDepth, p[i].value.Median }
func (p medianPoints) YError(i int) (low, high float64) {
	return p[i].value.Median - p[i].value.Min, p[i].value.Max - p[i].value.Median
}

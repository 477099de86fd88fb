// Package sweep holds what a plot of a queue-depth sweep shows: one line
// per engine, each point the median of a measure over rounds with the
// smallest and the largest round. It imports nothing, so that aiobench can
// prepare a plot without building the plotting code, which only the plot
// build tag brings in.
package sweep

// A Sweep is the content of one plot: a rate chart (IOPS or MB/s) and a
// p99 latency chart, both against queue depth, under a heading.
type Sweep struct {
	// Heading is printed above both charts; it may have several lines.
	Heading string
	// RateTitle and RateUnit name the first chart and its vertical axis,
	// such as "IOPS" and "IOPS", or "throughput" and "MB/s".
	RateTitle string
	RateUnit  string
	// Whiskers asks for a bar from the smallest to the largest round at
	// every point, which makes sense with more than one round.
	Whiskers bool
	Lines    []Line
}

// A Line is one engine's points, in order of queue depth.
type Line struct {
	Name string
	// Style picks the colour and the marker shape, so that an engine
	// looks the same in every plot: the engine's place among all engines.
	Style  int
	Points []Point
}

// A Point is one engine's rate and p99 latency at one queue depth.
type Point struct {
	QueueDepth float64
	Rate       Value // in the unit of Sweep.RateUnit
	P99        Value // in microseconds
}

// A Value is the median of a measure over rounds, with the smallest and the
// largest of the rounds.
type Value struct {
	Median, Min, Max float64
}

package main

import (
	"slices"
)

// A summaryRow sums up all rounds of one engine at one queue depth: the
// median of each measure, and the largest thread count seen.
type summaryRow struct {
	Engine      string  `json:"engine"`
	QueueDepth  int     `json:"queue_depth"`
	Rounds      int     `json:"rounds"`
	figures             // the medians of the whole runs, reads and writes together
	CPUPerIO    float64 `json:"cpu_per_io_us"`
	PeakThreads int     `json:"peak_os_threads"`
	// The smallest and largest over rounds, for the whiskers of -plot.
	IOPSRange       spread `json:"iops_range"`
	LatencyP99Range spread `json:"lat_p99_range"`
	// Read and Write split the medians by direction, for -rw randrw only.
	Read        *figures `json:"read,omitempty"`
	Write       *figures `json:"write,omitempty"`
	VsFio       *ratios  `json:"vs_fio,omitempty"`
	VsFioBest   *ratios  `json:"vs_fio_best,omitempty"`
	VsPread     *ratios  `json:"vs_pread,omitempty"`
	VsGetevents *ratios  `json:"vs_getevents,omitempty"`
}

// versus returns the row's ratios to the baseline engine, or nil if there
// are none.
func (row *summaryRow) versus(baseline string) *ratios {
	switch baseline {
	case "fio":
		return row.VsFio
	case "fio-best":
		return row.VsFioBest
	case "pread":
		return row.VsPread
	case "getevents":
		return row.VsGetevents
	}
	return nil
}

// ratios compare an engine with a baseline engine. Each is the median over
// the rounds of the engine's value divided by the baseline's in the same
// round: runs next to each other share the machine's mood, so their ratio is
// steadier than the ratio of two medians. The ranges give the smallest and
// the largest of the per-round ratios, to show how far a median can be
// trusted.
type ratios struct {
	IOPS          float64 `json:"iops"`
	IOPSRange     spread  `json:"iops_range"`
	CPUPerIO      float64 `json:"cpu_per_io"`
	CPUPerIORange spread  `json:"cpu_per_io_range"`
	LatencyP99    float64 `json:"lat_p99"`
}

// A spread is the smallest and the largest of a set of values.
type spread struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// spreadOf returns the smallest and largest of values; zeros for none.
func spreadOf(values []float64) spread {
	if len(values) == 0 {
		return spread{}
	}
	return spread{Min: slices.Min(values), Max: slices.Max(values)}
}

// runKey identifies a run within a plan.
type runKey struct {
	engine     string
	queueDepth int
	round      int
}

// summarize groups runs by queue depth and engine, in the order that
// engineNames gives, and sums up each group.
func summarize(runs []result) []summaryRow {
	byKey := make(map[runKey]result, len(runs))
	var depths []int
	for _, r := range runs {
		byKey[runKey{r.Engine, r.QueueDepth, r.Round}] = r
		if !slices.Contains(depths, r.QueueDepth) {
			depths = append(depths, r.QueueDepth)
		}
	}
	var rows []summaryRow
	for _, qd := range depths {
		for _, engine := range engineNames {
			var group []result
			for _, r := range runs {
				if r.Engine == engine && r.QueueDepth == qd {
					group = append(group, r)
				}
			}
			if len(group) == 0 {
				continue
			}
			row := summarizeGroup(group)
			row.VsFio = compareRounds(group, byKey, "fio")
			row.VsFioBest = compareRounds(group, byKey, "fio-best")
			row.VsPread = compareRounds(group, byKey, "pread")
			row.VsGetevents = compareRounds(group, byKey, "getevents")
			rows = append(rows, row)
		}
	}
	return rows
}

// summarizeGroup sums up the rounds of one engine at one queue depth.
func summarizeGroup(group []result) summaryRow {
	row := summaryRow{Engine: group[0].Engine, QueueDepth: group[0].QueueDepth, Rounds: len(group)}
	row.figures = medianFigures(group, result.overall)
	row.CPUPerIO = medianOf(group, func(r result) float64 { return r.CPUPerIO })
	iops := make([]float64, len(group))
	p99 := make([]float64, len(group))
	for i, r := range group {
		row.PeakThreads = max(row.PeakThreads, r.PeakThreads)
		iops[i], p99[i] = r.IOPS, r.LatencyP99
	}
	row.IOPSRange, row.LatencyP99Range = spreadOf(iops), spreadOf(p99)
	row.Read = summarizeDirection(group, readsOf)
	row.Write = summarizeDirection(group, writesOf)
	return row
}

// compareRounds returns the ratios of group's runs to the baseline engine's
// runs in the same rounds, or nil if the baseline ran in none of them.
func compareRounds(group []result, byKey map[runKey]result, baseline string) *ratios {
	var iops, cpu, p99 []float64
	for _, r := range group {
		base, ok := byKey[runKey{baseline, r.QueueDepth, r.Round}]
		if !ok {
			continue
		}
		iops = appendRatio(iops, r.IOPS, base.IOPS)
		cpu = appendRatio(cpu, r.CPUPerIO, base.CPUPerIO)
		p99 = appendRatio(p99, r.LatencyP99, base.LatencyP99)
	}
	if len(iops) == 0 {
		return nil
	}
	return &ratios{
		IOPSRange:     spreadOf(iops),
		IOPS:          median(iops),
		CPUPerIORange: spreadOf(cpu),
		CPUPerIO:      median(cpu),
		LatencyP99:    median(p99),
	}
}

// appendRatio appends a/b to list when b is not zero.
func appendRatio(list []float64, a, b float64) []float64 {
	if b == 0 {
		return list
	}
	return append(list, a/b)
}

// medianOf returns the median of measure over group.
func medianOf(group []result, measure func(result) float64) float64 {
	values := make([]float64, len(group))
	for i, r := range group {
		values[i] = measure(r)
	}
	return median(values)
}

// median returns the middle value of values, or the mean of the two middle
// ones; 0 for none. It sorts values.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	mid := len(values) / 2
	if len(values)%2 == 1 {
		return values[mid]
	}
	return (values[mid-1] + values[mid]) / 2
}

package main

import (
	"slices"
)

// A summaryRow sums up all rounds of one engine at one queue depth: the
// median of each measure, and the largest thread count seen.
type summaryRow struct {
	Engine     string `json:"engine"`
	QueueDepth int    `json:"queue_depth"` // with -log, the number of writers
	// RecordSize is the bytes of each record of a -log run; 0 otherwise.
	RecordSize int     `json:"record_size,omitempty"`
	Rounds     int     `json:"rounds"`
	figures            // the medians of the whole runs, reads and writes together
	CPUPerIO   float64 `json:"cpu_per_io_us"`
	// MachineCPUPerIO is the median busy time of the whole machine per I/O.
	MachineCPUPerIO float64 `json:"machine_cpu_per_io_us"`
	PeakThreads     int     `json:"peak_os_threads"`
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
	// VsFdatasync compares with pwrite+fdatasync, with -sync dsync.
	VsFdatasync *ratios `json:"vs_pwrite_fdatasync,omitempty"`
	// VsGroupCommit compares with groupcommit-log, with -log.
	VsGroupCommit *ratios `json:"vs_groupcommit_log,omitempty"`
}

// baselines lists the engines that summary rows are compared with, each
// with the field its ratios go into.
var baselines = []struct {
	engine string
	field  func(*summaryRow) **ratios
}{
	{"fio", func(r *summaryRow) **ratios { return &r.VsFio }},
	{"fio-best", func(r *summaryRow) **ratios { return &r.VsFioBest }},
	{"pread", func(r *summaryRow) **ratios { return &r.VsPread }},
	{"getevents", func(r *summaryRow) **ratios { return &r.VsGetevents }},
	{fdatasyncEngine, func(r *summaryRow) **ratios { return &r.VsFdatasync }},
	{groupCommitEngine, func(r *summaryRow) **ratios { return &r.VsGroupCommit }},
}

// versus returns the row's ratios to the baseline engine, or nil if there
// are none.
func (row *summaryRow) versus(baseline string) *ratios {
	for _, b := range baselines {
		if b.engine == baseline {
			return *b.field(row)
		}
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
	IOPS             float64 `json:"iops"`
	IOPSRange        spread  `json:"iops_range"`
	MBPerSecond      float64 `json:"mb_per_s"`
	MBPerSecondRange spread  `json:"mb_per_s_range"`
	CPUPerIO         float64 `json:"cpu_per_io"`
	CPUPerIORange    spread  `json:"cpu_per_io_range"`
	// MachineCPUPerIO compares the busy time of the whole machine per I/O.
	MachineCPUPerIO      float64 `json:"machine_cpu_per_io"`
	MachineCPUPerIORange spread  `json:"machine_cpu_per_io_range"`
	LatencyP99           float64 `json:"lat_p99"`
	LatencyP99Range      spread  `json:"lat_p99_range"`
	// PeakThreads compares the peak OS threads of the runs of a round.
	PeakThreads      float64 `json:"peak_os_threads"`
	PeakThreadsRange spread  `json:"peak_os_threads_range"`
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

// A point is where engines are compared: a queue depth or, with -log, a
// number of writers and a record size.
type point struct {
	queueDepth int
	recordSize int
}

// pointOf returns where r ran.
func pointOf(r result) point { return point{r.QueueDepth, r.RecordSize} }

// runKey identifies a run within a plan.
type runKey struct {
	engine string
	point
	round int
}

// reportOrder lists every engine in the order that reports show them.
var reportOrder = slices.Concat(engineNames, logEngineNames)

// summarize groups runs by point and engine, in the order that reportOrder
// gives, and sums up each group.
func summarize(runs []result) []summaryRow {
	byKey := make(map[runKey]result, len(runs))
	var points []point
	for _, r := range runs {
		byKey[runKey{r.Engine, pointOf(r), r.Round}] = r
		if !slices.Contains(points, pointOf(r)) {
			points = append(points, pointOf(r))
		}
	}
	var rows []summaryRow
	for _, p := range points {
		for _, engine := range reportOrder {
			var group []result
			for _, r := range runs {
				if r.Engine == engine && pointOf(r) == p {
					group = append(group, r)
				}
			}
			if len(group) == 0 {
				continue
			}
			row := summarizeGroup(group)
			for _, b := range baselines {
				*b.field(&row) = compareRounds(group, byKey, b.engine)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// summarizeGroup sums up the rounds of one engine at one point.
func summarizeGroup(group []result) summaryRow {
	row := summaryRow{Engine: group[0].Engine, QueueDepth: group[0].QueueDepth, RecordSize: group[0].RecordSize, Rounds: len(group)}
	row.figures = medianFigures(group, result.overall)
	row.CPUPerIO = medianOf(group, func(r result) float64 { return r.CPUPerIO })
	row.MachineCPUPerIO = medianOf(group, func(r result) float64 { return r.MachineCPUPerIO })
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
	var iops, mbps, cpu, machine, p99, threads []float64
	for _, r := range group {
		base, ok := byKey[runKey{baseline, pointOf(r), r.Round}]
		if !ok {
			continue
		}
		iops = appendRatio(iops, r.IOPS, base.IOPS)
		mbps = appendRatio(mbps, r.MBPerSecond, base.MBPerSecond)
		cpu = appendRatio(cpu, r.CPUPerIO, base.CPUPerIO)
		machine = appendRatio(machine, r.MachineCPUPerIO, base.MachineCPUPerIO)
		p99 = appendRatio(p99, r.LatencyP99, base.LatencyP99)
		threads = appendRatio(threads, float64(r.PeakThreads), float64(base.PeakThreads))
	}
	if len(iops) == 0 {
		return nil
	}
	return &ratios{
		IOPSRange:            spreadOf(iops),
		IOPS:                 median(iops),
		MBPerSecondRange:     spreadOf(mbps),
		MBPerSecond:          median(mbps),
		CPUPerIORange:        spreadOf(cpu),
		CPUPerIO:             median(cpu),
		MachineCPUPerIO:      median(machine),
		MachineCPUPerIORange: spreadOf(machine),
		LatencyP99Range:      spreadOf(p99),
		LatencyP99:           median(p99),
		PeakThreadsRange:     spreadOf(threads),
		PeakThreads:          median(threads),
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

package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"
)

func (r result) line() string {
	if r.Died != "" {
		return fmt.Sprintf("%-11s %3d readers: died: %s", r.FS, r.Readers, r.Died)
	}
	if r.Fill {
		return fmt.Sprintf("%-11s %3d writers: %8.0f batches/s  p50 %s  p99 %s  p99.9 %s  CPU %s/batch  %d threads  %.2f device bytes per byte committed  page cache %.0f MiB",
			r.FS, r.Readers, r.opsPerSec(), µs(r.P50), µs(r.P99), µs(r.P999), µs(r.CPUPerOp), r.Threads, r.DeviceBytesPerUserByte, r.PageCacheMiB)
	}
	return fmt.Sprintf("%-11s %3d readers: %8.0f ops/s  p50 %s  p99 %s  p99.9 %s  CPU %s/op  %d threads  %.2f block reads/op  page cache %.0f MiB",
		r.FS, r.Readers, r.opsPerSec(), µs(r.P50), µs(r.P99), µs(r.P999), µs(r.CPUPerOp), r.Threads, r.MissesPerOp, r.PageCacheMiB)
}

func µs(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond)) }

// printReport prints the medians of each FS and reader count over the
// rounds, then the ratios of the aio FS to vfs.Default, each taken within a
// round, as median (min–max).
func printReport(w io.Writer, cfg *config, keys int, results []result) {
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	fmt.Fprintf(w, "pebble random reads: %d keys, %d-byte values, in %s\n", keys, cfg.value, cfg.dir)
	order := "a random key"
	if cfg.ordered {
		order = "each reader's keys in order"
	}
	readahead := ""
	if cfg.noReadahead {
		readahead = "; pebblevfs without read-ahead"
	}
	if cfg.buffered != "" {
		readahead += "; pebblevfs with " + cfg.buffered + " through the page cache"
	}
	if cfg.ycsb != "" {
		fmt.Fprintf(w, "workload: YCSB %s: %.0f%% Gets, %.0f%% updates without Sync, Zipf-distributed keys; block cache %d MiB; %d rounds of %v%s\n",
			strings.ToUpper(cfg.ycsb), 100*ycsbReads[cfg.ycsb], 100*(1-ycsbReads[cfg.ycsb]), cfg.cache>>20, cfg.rounds, cfg.runtime, readahead)
	} else if cfg.fill {
		fmt.Fprintf(w, "workload: fill: writers commit batches of %d keys of %d-byte values, each with Sync, into a new DB; an op is a batch; block cache %d MiB; %d rounds of %v%s\n",
			fillBatch, cfg.value, cfg.cache>>20, cfg.rounds, cfg.runtime, readahead)
	} else {
		fmt.Fprintf(w, "workload: %.0f%% Gets of %s, %.0f%% scans of %d keys from one; block cache %d MiB; %d rounds of %v%s\n",
			100*(1-cfg.scan), order, 100*cfg.scan, cfg.scanLen, cfg.cache>>20, cfg.rounds, cfg.runtime, readahead)
	}
	fmt.Fprintf(w, "machine: Linux %s, %d CPUs, GOMAXPROCS %d, %s\n\n", unix.ByteSliceToString(uts.Release[:]), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	goroutines, last := "readers", "block reads/op"
	lastOf := func(r result) float64 { return r.MissesPerOp }
	if cfg.fill {
		goroutines, last = "writers", "device B/user B"
		lastOf = func(r result) float64 { return r.DeviceBytesPerUserByte }
	}
	fmt.Fprintf(tw, "fs\t%s\tops/s\tp50 µs\tp99 µs\tp99.9 µs\tCPU µs/op\tthreads\t%s\tpage cache MiB\t\n", goroutines, last)
	for _, readers := range cfg.readers {
		for _, kind := range fsKinds {
			rs, deaths := survivors(pick(results, kind, readers))
			if len(rs) == 0 && len(deaths) > 0 {
				fmt.Fprintf(tw, "%s\t%d\tdied in every round\t\t\t\t\t\t\t\t\n", kind, readers)
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.0f\t%.2f\t%.0f\t\n", kind, readers,
				median(rs, func(r result) float64 { return r.opsPerSec() }),
				median(rs, func(r result) float64 { return float64(r.P50) / 1e3 }),
				median(rs, func(r result) float64 { return float64(r.P99) / 1e3 }),
				median(rs, func(r result) float64 { return float64(r.P999) / 1e3 }),
				median(rs, func(r result) float64 { return float64(r.CPUPerOp) / 1e3 }),
				median(rs, func(r result) float64 { return float64(r.Threads) }),
				median(rs, lastOf),
				median(rs, func(r result) float64 { return r.PageCacheMiB }))
		}
	}
	tw.Flush()
	for _, r := range results {
		if r.Died != "" {
			fmt.Fprintf(w, "round %d: %s with %d readers died: %s\n", r.Round+1, r.FS, r.Readers, r.Died)
		}
	}

	fmt.Fprintf(w, "\n%s / %s, median (min–max) over the rounds where both lived\n", aioFS, defaultFS)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"ratio"}
	for _, readers := range cfg.readers {
		header = append(header, fmt.Sprintf("%d %s", readers, goroutines))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, m := range []struct {
		name string
		get  func(result) float64
	}{
		{"ops/s", result.opsPerSec},
		{"p99", func(r result) float64 { return float64(r.P99) }},
		{"CPU/op", func(r result) float64 { return float64(r.CPUPerOp) }},
		{"peak threads", func(r result) float64 { return float64(r.Threads) }},
		{last, lastOf},
	} {
		row := []string{m.name}
		for _, readers := range cfg.readers {
			row = append(row, ratioCell(pick(results, aioFS, readers), pick(results, defaultFS, readers), m.get))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

// pick returns the results of one FS and reader count, in round order.
func pick(results []result, kind string, readers int) []result {
	var out []result
	for _, r := range results {
		if r.FS == kind && r.Readers == readers {
			out = append(out, r)
		}
	}
	return out
}

func median(rs []result, get func(result) float64) float64 {
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = get(r)
	}
	return medianOf(vs)
}

func medianOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}

// survivors returns the runs of rs that lived, and the reasons of those
// that died.
func survivors(rs []result) (lived []result, deaths []string) {
	for _, r := range rs {
		if r.Died != "" {
			deaths = append(deaths, r.Died)
		} else {
			lived = append(lived, r)
		}
	}
	return lived, deaths
}

// ratioCell is the ratio of a to b in each round where both lived, as
// median (min–max).
func ratioCell(a, b []result, get func(result) float64) string {
	var ratios []float64
	for i := range min(len(a), len(b)) {
		if a[i].Died != "" || b[i].Died != "" {
			continue
		}
		if d := get(b[i]); d > 0 {
			ratios = append(ratios, get(a[i])/d)
		}
	}
	if len(ratios) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", medianOf(ratios), slices.Min(ratios), slices.Max(ratios))
}

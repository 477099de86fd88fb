package main

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The files in testdata are fio 3.33's own output for the arguments that
// fioArguments builds, on a 16 MiB file.

func TestFioRandReadReport(t *testing.T) {
	t.Parallel()
	res := fioResultFromFile(t, "testdata/fio-3.33-randread-qd32.json", 32)
	want := result{
		Engine:      "fio",
		QueueDepth:  32,
		IOs:         11095,
		Bytes:       45445120,
		Seconds:     0.5,
		LatencyMean: 1437.692954214,
		LatencyP50:  839.680,
		LatencyP99:  15269.888,
		LatencyP999: 20578.304,
		// usr_cpu 13.0% + sys_cpu 51.2% of one CPU for 500 ms.
		CPUSeconds: 0.321,
	}
	want.IOPS = 11095 / 0.5
	want.MBPerSecond = 45445120 / 0.5 / 1e6
	want.CPUPerIO = 0.321 / 11095 * 1e6
	assertResultsClose(t, res, want)
}

func TestFioMixedReport(t *testing.T) {
	t.Parallel()
	res := fioResultFromFile(t, "testdata/fio-3.33-randrw-qd8.json", 8)
	if res.IOs != 10494 || res.Bytes != 42983424 || res.Seconds != 0.502 {
		t.Errorf("counts = %d I/Os, %d bytes, %v s; want fio's mixed totals 10494, 42983424, 0.502", res.IOs, res.Bytes, res.Seconds)
	}
	if cpu := (8.366534 + 51.195219) / 100 * 0.502; math.Abs(res.CPUSeconds-cpu) > 1e-9 {
		t.Errorf("CPU = %v s, want %v", res.CPUSeconds, cpu)
	}
	if res.LatencyP50 != 230.4 || res.LatencyP99 != 4227.072 || res.LatencyP999 != 14745.6 {
		t.Errorf("percentiles = %v %v %v", res.LatencyP50, res.LatencyP99, res.LatencyP999)
	}
}

// TestFioBothReport reads what fio prints for randrw with
// --unified_rw_reporting=both: reads and writes together, and each apart.
func TestFioBothReport(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/fio-3.33-randrw-both-qd8.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := parseFioOutput(data)
	if err != nil {
		t.Fatal(err)
	}
	job := &out.Jobs[0]
	res, err := job.result(8)
	if err != nil {
		t.Fatal(err)
	}
	if res.IOs != 36826 || res.Bytes != 150839296 || res.LatencyP99 != 387.072 {
		t.Errorf("whole run = %d I/Os, %d bytes, p99 %v µs; want fio's mixed section: 36826, 150839296, 387.072",
			res.IOs, res.Bytes, res.LatencyP99)
	}
	read, write := job.directions(res.Seconds)
	wantRead := directionResult{IOs: 25747, Bytes: 105459712, figures: figures{IOPS: 25747 / 0.5, MBPerSecond: 105459712 / 0.5 / 1e6,
		LatencyMean: 102.708180798, LatencyP50: 91.648, LatencyP99: 382.976, LatencyP999: 552.96}}
	wantWrite := directionResult{IOs: 11079, Bytes: 45379584, figures: figures{IOPS: 11079 / 0.5, MBPerSecond: 45379584 / 0.5 / 1e6,
		LatencyMean: 111.563649427, LatencyP50: 99.84, LatencyP99: 403.456, LatencyP999: 593.92}}
	for _, tc := range []struct {
		name      string
		got, want *directionResult
	}{{"read", read, &wantRead}, {"write", write, &wantWrite}} {
		if tc.got == nil || tc.got.IOs != tc.want.IOs || tc.got.Bytes != tc.want.Bytes ||
			!closeTo(tc.got.IOPS, tc.want.IOPS) || !closeTo(tc.got.MBPerSecond, tc.want.MBPerSecond) ||
			!closeTo(tc.got.LatencyMean, tc.want.LatencyMean) || !closeTo(tc.got.LatencyP50, tc.want.LatencyP50) ||
			!closeTo(tc.got.LatencyP99, tc.want.LatencyP99) || !closeTo(tc.got.LatencyP999, tc.want.LatencyP999) {
			t.Errorf("%s = %+v\nwant %+v", tc.name, tc.got, tc.want)
		}
	}
}

func TestFioSeparateDirections(t *testing.T) {
	t.Parallel()
	// What fio prints without --unified_rw_reporting, after a warning line.
	out, err := parseFioOutput([]byte(`fio: this platform does not support process shared mutexes
{
  "fio version" : "fio-3.1",
  "jobs" : [ {
      "jobname" : "j", "error" : 0, "job_runtime" : 2000, "usr_cpu" : 10.0, "sys_cpu" : 40.0,
      "read" : { "io_bytes" : 4096000, "total_ios" : 1000, "iops" : 500.0, "bw_bytes" : 2048000,
        "lat_ns" : { "N" : 1000, "mean" : 3000.0, "percentile" : { "50.000000" : 2000, "99.000000" : 9000, "99.900000" : 9900 } } },
      "write" : { "io_bytes" : 12288000, "total_ios" : 3000, "iops" : 1500.0, "bw_bytes" : 6144000,
        "lat_ns" : { "N" : 3000, "mean" : 5000.0, "percentile" : { "50.000000" : 4000, "99.000000" : 19000, "99.900000" : 19900 } } }
  } ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != "fio-3.1" {
		t.Errorf("version = %q", out.Version)
	}
	res, err := out.Jobs[0].result(4)
	if err != nil {
		t.Fatal(err)
	}
	want := result{Engine: "fio", QueueDepth: 4, IOs: 4000, Bytes: 16384000, Seconds: 2,
		IOPS: 2000, MBPerSecond: 8.192, CPUSeconds: 1, CPUPerIO: 250,
		// Latency from the writes, the direction with more I/O.
		LatencyMean: 5, LatencyP50: 4, LatencyP99: 19, LatencyP999: 19.9}
	assertResultsClose(t, res, want)
}

func TestFioReportErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "fio: failed to open file", `{"jobs": []}`, `{"jobs": [`} {
		if _, err := parseFioOutput([]byte(bad)); err == nil {
			t.Errorf("parseFioOutput(%q) succeeded, want an error", bad)
		}
	}
	out, err := parseFioOutput([]byte(`{"jobs": [{"jobname": "j", "error": 5}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Jobs[0].result(1); err == nil || !strings.Contains(err.Error(), "error 5") {
		t.Errorf("a failed job gave %v, want its error", err)
	}
}

func TestFioArguments(t *testing.T) {
	t.Parallel()
	w, err := newWorkload("randrw", 8192, 1<<30, 70)
	if err != nil {
		t.Fatal(err)
	}
	args := fioArguments(job{engine: "fio", path: "/srv/a:b", workload: w, queueDepth: 128, runtime: 5 * time.Second})
	for _, want := range []string{
		"--filename=/srv/a\\:b", "--ioengine=libaio", "--direct=1", "--rw=randrw", "--rwmixread=70",
		"--bs=8192", "--iodepth=128", "--size=1073741824", "--runtime=5000ms", "--time_based",
		"--output-format=json", "--thread", "--lat_percentiles=1", "--unified_rw_reporting=both",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("fio arguments %q lack %q", args, want)
		}
	}
	read, err := newWorkload("randread", 4096, 1<<30, 70)
	if err != nil {
		t.Fatal(err)
	}
	args = fioArguments(job{engine: "fio", path: "/srv/a", workload: read, queueDepth: 1, runtime: time.Second})
	if !slices.Contains(args, "--unified_rw_reporting=mixed") || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--rwmixread") }) {
		t.Errorf("fio arguments for randread %q: want reads reported as mixed, and no read mix", args)
	}
}

// closeTo reports whether got is within a relative 1e-9 of want.
func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func fioResultFromFile(t *testing.T, path string, qd int) result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := parseFioOutput(data)
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != "fio-3.33" {
		t.Errorf("version = %q, want fio-3.33", out.Version)
	}
	res, err := out.Jobs[0].result(qd)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// assertResultsClose compares results field by field, the floating-point
// ones to within a relative 1e-9.
func assertResultsClose(t *testing.T, got, want result) {
	t.Helper()
	if got.Engine != want.Engine || got.QueueDepth != want.QueueDepth || got.IOs != want.IOs ||
		got.Bytes != want.Bytes || got.PeakThreads != want.PeakThreads {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"Seconds", got.Seconds, want.Seconds},
		{"IOPS", got.IOPS, want.IOPS},
		{"MBPerSecond", got.MBPerSecond, want.MBPerSecond},
		{"LatencyMean", got.LatencyMean, want.LatencyMean},
		{"LatencyP50", got.LatencyP50, want.LatencyP50},
		{"LatencyP99", got.LatencyP99, want.LatencyP99},
		{"LatencyP999", got.LatencyP999, want.LatencyP999},
		{"CPUSeconds", got.CPUSeconds, want.CPUSeconds},
		{"CPUPerIO", got.CPUPerIO, want.CPUPerIO},
	} {
		if math.Abs(f.got-f.want) > 1e-9*math.Max(1, math.Abs(f.want)) {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
}

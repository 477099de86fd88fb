package plot

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linuxaio/aio/cmd/aiobench/internal/sweep"
)

// testSweep is a sweep of two engines over three queue depths, whose p99
// latency grows from tens of microseconds to milliseconds.
func testSweep(whiskers bool) sweep.Sweep {
	s := sweep.Sweep{Heading: "randread, 4 KiB blocks, on /dev/shm/sweep.img\n2026-11-30 14:02 UTC, 3 rounds",
		RateTitle: "IOPS", RateUnit: "IOPS", Whiskers: whiskers}
	for i, engine := range []string{"aio", "fio"} {
		line := sweep.Line{Name: engine, Style: i}
		for j, qd := range []float64{1, 32, 128} {
			iops := float64(100_000 * (j + 1))
			p99 := []float64{20, 400, 3000}[j] * float64(i+1)
			line.Points = append(line.Points, sweep.Point{QueueDepth: qd,
				Rate: sweep.Value{Median: iops, Min: iops * 0.9, Max: iops * 1.1},
				P99:  sweep.Value{Median: p99, Min: p99 * 0.8, Max: p99 * 1.5}})
		}
		s.Lines = append(s.Lines, line)
	}
	return s
}

// writeSVG draws s as SVG and returns the file's text.
func writeSVG(t *testing.T, s sweep.Sweep) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.svg")
	if err := WriteFile(path, "svg", s); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestWriteFileFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for format, magic := range map[string]string{"png": "\x89PNG", "svg": "<?xml"} {
		path := filepath.Join(dir, "sweep."+format)
		if err := WriteFile(path, format, testSweep(true)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(magic)) {
			t.Errorf("%s begins with %q, want %q", format, data[:min(len(data), 8)], magic)
		}
	}
	pdf := filepath.Join(dir, "sweep.pdf")
	if err := WriteFile(pdf, "pdf", testSweep(true)); err == nil || !strings.Contains(err.Error(), "png or svg") {
		t.Errorf("format pdf gave %v, want an error naming the formats", err)
	}
	if _, err := os.Stat(pdf); err == nil {
		t.Error("a refused format left a file behind")
	}
}

func TestWriteFileRefusesAnEmptySweep(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "empty.svg")
	if err := WriteFile(path, "svg", sweep.Sweep{Lines: []sweep.Line{{Name: "aio"}}}); err == nil {
		t.Error("a sweep without points was drawn")
	}
}

func TestHeadingAndLegendAreDrawn(t *testing.T) {
	t.Parallel()
	svg := writeSVG(t, testSweep(true))
	for _, want := range []string{"/dev/shm/sweep.img", "randread, 4 KiB blocks", "2026-11-30 14:02", "3 rounds",
		">aio</text>", ">fio</text>", ">p99 latency</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot does not say %q", want)
		}
	}
}

// TestLatencyAxisIsLogarithmic checks the labels of the latency axis, from
// 20 µs to 6 ms: powers of ten, where a linear axis would have had 2000,
// 4000 and so on.
func TestLatencyAxisIsLogarithmic(t *testing.T) {
	t.Parallel()
	svg := writeSVG(t, testSweep(false))
	for _, want := range []string{">100</text>", ">1000</text>", ">10000</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the latency axis lacks the label %s", want)
		}
	}
	for _, linear := range []string{">2000</text>", ">4000</text>"} {
		if strings.Contains(svg, linear) {
			t.Errorf("the latency axis has the label %s of a linear scale", linear)
		}
	}
}

// TestWhiskers counts the strokes of the drawing: one whisker per point and
// chart, each with two caps, comes with Whiskers.
func TestWhiskers(t *testing.T) {
	t.Parallel()
	without := strings.Count(writeSVG(t, testSweep(false)), "<path")
	with := strings.Count(writeSVG(t, testSweep(true)), "<path")
	points := 2 * 3 * 2 // engines × depths × charts
	if with-without < points {
		t.Errorf("%d strokes with whiskers, %d without; want at least %d more", with, without, points)
	}
}

func TestMedianPointsWhiskers(t *testing.T) {
	t.Parallel()
	points := medianPoints{{queueDepth: 8, value: sweep.Value{Median: 100, Min: 90, Max: 130}}}
	if x, y := points.XY(0); x != 8 || y != 100 {
		t.Errorf("XY = %v, %v; want 8, 100", x, y)
	}
	if low, high := points.YError(0); low != 10 || high != 30 {
		t.Errorf("YError = %v, %v; want 10 down to the smallest round, 30 up to the largest", low, high)
	}
}

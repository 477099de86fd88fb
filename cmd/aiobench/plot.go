package main

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The size of the drawing, and the share of each chart's height kept free
// above the highest point for the legend.
const (
	plotWidth      = 28 * vg.Centimeter
	plotHeight     = 13 * vg.Centimeter
	legendHeadroom = 0.3
)

// plotFormat returns the image format that -plot writes for the file at
// path, after its extension: "png" or "svg", or "" for any other.
func plotFormat(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "png"
	case ".svg":
		return "svg"
	}
	return ""
}

// writePlot draws two charts side by side into the file at path, as PNG or
// SVG after its extension: IOPS (MB/s for blocks of 1 MiB or more) and p99
// latency against queue depth, one line per engine, under a heading that
// gives the workload, the target, the date and the rounds. Queue depths are
// on a logarithmic axis, since sweeps usually double them, and so are
// latencies, which grow with the depth from a few microseconds to
// milliseconds. With more than one round, each
// point, a median, has a whisker from the smallest to the largest round.
func writePlot(path string, rep *report) error {
	format := plotFormat(path)
	if format == "" {
		return fmt.Errorf("-plot %q: name a .png or a .svg file", path)
	}
	rate, unit, scale := rateChart(rep)
	iops := newQueueDepthChart(rate, unit)
	p99 := newQueueDepthChart("p99 latency", "µs")
	whiskers := rep.Rounds > 1
	var depths []float64
	for i, engine := range reportOrder {
		var iopsPoints, p99Points medianPoints
		for _, row := range rep.Summary {
			if row.Engine != engine {
				continue
			}
			qd := float64(row.QueueDepth)
			iopsPoints = append(iopsPoints, medianPoint{queueDepth: qd, median: row.IOPS * scale,
				spread: spread{Min: row.IOPSRange.Min * scale, Max: row.IOPSRange.Max * scale}})
			p99Points = append(p99Points, medianPoint{queueDepth: qd, median: row.LatencyP99, spread: row.LatencyP99Range})
			if !slices.Contains(depths, qd) {
				depths = append(depths, qd)
			}
		}
		if len(iopsPoints) == 0 {
			continue
		}
		if err := addEngineLine(iops, engine, i, iopsPoints, whiskers); err != nil {
			return err
		}
		if err := addEngineLine(p99, engine, i, p99Points, whiskers); err != nil {
			return err
		}
	}
	if len(depths) == 0 {
		return errors.New("nothing to plot")
	}
	slices.Sort(depths)
	for _, chart := range []*plot.Plot{iops, p99} {
		chart.X.Tick.Marker = queueDepthTicks(depths)
		if depths[0] > 0 && len(depths) > 1 {
			chart.X.Scale = plot.LogScale{}
		}
	}
	iops.Y.Min, iops.Y.Max = 0, iops.Y.Max/(1-legendHeadroom)
	useLogScale(&p99.Y)

	img := newImage(format, plotWidth, plotHeight)
	canvas := draw.New(img)
	canvas.SetColor(color.White)
	canvas.Fill(canvas.Rectangle.Path())
	headingHeight := drawHeading(canvas, plotHeading(rep), iops.Title.TextStyle)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	charts := [][]*plot.Plot{{iops, p99}}
	body := draw.Crop(canvas, 0, 0, 0, -headingHeight)
	for col, c := range plot.Align(charts, tiles, body)[0] {
		charts[0][col].Draw(c)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = img.WriteTo(f)
	return errors.Join(err, f.Close())
}

// rateChart returns the title and unit of the first chart of rep's plot,
// and what its IOPS are multiplied by for it. Large blocks are judged by
// throughput, so their chart shows MB/s, to which the medians and spreads
// of IOPS scale by the block size.
func rateChart(rep *report) (title, unit string, scale float64) {
	if rep.kind() == largeBlockRows {
		return "throughput", "MB/s", float64(rep.BlockSize) / 1e6
	}
	return "IOPS", "IOPS", 1
}

// newImage returns an empty canvas that writes itself in format.
func newImage(format string, width, height vg.Length) vg.CanvasWriterTo {
	if format == "svg" {
		return vgsvg.New(width, height)
	}
	return vgimg.PngCanvas{Canvas: vgimg.New(width, height)}
}

// plotHeading says what the charts show, on two lines: the workload and
// the target, then the date and how the points sum up the rounds.
func plotHeading(rep *report) string {
	pattern := rep.Pattern
	if pattern == "randrw" {
		pattern = fmt.Sprintf("randrw (%d%% reads, both together)", rep.ReadPercent)
	}
	if rep.Sync == syncDSync {
		pattern += ", durable writes (-sync dsync)"
	}
	date := rep.Date
	if t, err := time.Parse(time.RFC3339, rep.Date); err == nil {
		date = t.Format("2006-01-02 15:04 MST")
	}
	rounds := "1 round"
	if rep.Rounds > 1 {
		rounds = fmt.Sprintf("%d rounds: medians, whiskers from the smallest to the largest", rep.Rounds)
	}
	return fmt.Sprintf("%s, %s blocks, on %s (%s)\n%s, %s", pattern, formatSize(int64(rep.BlockSize)),
		rep.Target.Path, rep.Target.kind(), date, rounds)
}

// drawHeading writes text centred at the top of c, in style made smaller if
// the text would not fit across, and returns the height it took.
func drawHeading(c draw.Canvas, text string, style draw.TextStyle) vg.Length {
	margin := 3 * vg.Millimeter
	if width, room := style.Width(text), c.Max.X-c.Min.X-2*margin; width > room {
		style.Font.Size = style.Font.Size * room / width
	}
	style.XAlign, style.YAlign = draw.XCenter, draw.YTop
	c.FillText(style, vg.Point{X: c.Center().X, Y: c.Max.Y - margin}, text)
	return style.Height(text) + margin
}

// newQueueDepthChart makes an empty chart with queue depth across.
func newQueueDepthChart(title, unit string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "queue depth"
	p.Y.Label.Text = unit
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// A medianPoint is the median of a measure over rounds at one queue depth,
// with the smallest and the largest value of the rounds.
type medianPoint struct {
	queueDepth float64
	median     float64
	spread     spread
}

// medianPoints are the points of one line; they are a plotter.XYer, and a
// plotter.YErrorer that gives the distances from each median down to the
// smallest round and up to the largest.
type medianPoints []medianPoint

func (p medianPoints) Len() int                { return len(p) }
func (p medianPoints) XY(i int) (x, y float64) { return p[i].queueDepth, p[i].median }
func (p medianPoints) YError(i int) (low, high float64) {
	return p[i].median - p[i].spread.Min, p[i].spread.Max - p[i].median
}

// addEngineLine draws one engine's points, in the colour and marker shape
// that the engine has on every chart, with their whiskers if asked.
func addEngineLine(p *plot.Plot, engine string, index int, points medianPoints, whiskers bool) error {
	line, marks, err := plotter.NewLinePoints(points)
	if err != nil {
		return err
	}
	line.Color = plotutil.Color(index)
	marks.Color = plotutil.Color(index)
	marks.Shape = plotutil.Shape(index)
	p.Add(line, marks)
	p.Legend.Add(engine, line, marks)
	if !whiskers {
		return nil
	}
	bars, err := plotter.NewYErrorBars(points)
	if err != nil {
		return err
	}
	bars.Color = plotutil.Color(index)
	p.Add(bars)
	return nil
}

// useLogScale puts an axis whose data are all above zero on a logarithmic
// scale that starts at a labelled tick, with room above the data for the
// legend; an axis that reaches zero stays linear, from zero.
func useLogScale(axis *plot.Axis) {
	low, high := axis.Min, axis.Max
	if low <= 0 {
		axis.Min, axis.Max = 0, high/(1-legendHeadroom)
		return
	}
	low = roundDownLog(low/1.25, high/low >= 10)
	axis.Min = low
	axis.Max = low * math.Pow(high/low, 1/(1-legendHeadroom))
	axis.Scale = plot.LogScale{}
	axis.Tick.Marker = logTicks{}
}

// roundDownLog returns the power of ten at or below v if wide, or else the
// largest of 1, 2 and 5 times a power of ten at or below v: values that
// logTicks labels.
func roundDownLog(v float64, wide bool) float64 {
	exponent, mantissa := decompose(v)
	switch {
	case wide || mantissa < 2:
		mantissa = 1
	case mantissa < 5:
		mantissa = 2
	default:
		mantissa = 5
	}
	return mantissa * math.Pow(10, exponent)
}

// decompose splits v > 0 into a power of ten and a factor from 1 to 10.
func decompose(v float64) (exponent, mantissa float64) {
	// The small addend keeps a power of ten whose logarithm comes out a
	// hair short from counting as ten times the power below.
	exponent = math.Floor(math.Log10(v) + 1e-9)
	return exponent, v / math.Pow(10, exponent)
}

// logTicks marks a logarithmic axis where plot.LogTicks does, and labels
// the ticks in plain numbers (1000000, not 1e+06). plot.LogTicks labels
// only the powers of ten, which leaves a range of less than a hundredfold
// with one label or none; there, the ticks at 2 and 5 times a power of ten
// are labelled as well.
type logTicks struct{}

func (logTicks) Ticks(low, high float64) []plot.Tick {
	ticks := plot.LogTicks{}.Ticks(low, high)
	narrow := high/low < 100
	for i, t := range ticks {
		exponent, mantissa := decompose(t.Value)
		mantissa = math.Round(mantissa)
		if t.Label != "" || narrow && (mantissa == 2 || mantissa == 5) {
			ticks[i].Label = strconv.FormatFloat(mantissa*math.Pow(10, exponent), 'f', -1, 64)
		}
	}
	return ticks
}

// queueDepthTicks labels exactly the queue depths that were measured.
func queueDepthTicks(depths []float64) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(depths))
	for i, qd := range depths {
		ticks[i] = plot.Tick{Value: qd, Label: strconv.FormatFloat(qd, 'f', -1, 64)}
	}
	return ticks
}

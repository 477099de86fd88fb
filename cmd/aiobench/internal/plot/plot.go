// Package plot draws a sweep.Sweep with gonum.org/v1/plot: IOPS (or MB/s)
// and p99 latency against queue depth, side by side under a heading. It is
// the only package of aiobench that needs gonum and its fonts, and
// aiobench imports it only when built with the plot tag.
package plot

import (
	"errors"
	"fmt"
	"image/color"
	"os"
	"slices"

	"github.com/linuxaio/aio/cmd/aiobench/internal/sweep"
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
	width          = 28 * vg.Centimeter
	height         = 13 * vg.Centimeter
	legendHeadroom = 0.3
)

// WriteFile draws s into the file at path in format, "png" or "svg": two
// charts side by side, the rate and p99 latency against queue depth, one
// line per engine. Queue depths are on a logarithmic axis, since sweeps
// usually double them, and so are latencies, which grow with the depth
// from a few microseconds to milliseconds. With s.Whiskers, each point has
// a whisker from the smallest to the largest round.
func WriteFile(path, format string, s sweep.Sweep) error {
	if format != "png" && format != "svg" {
		return fmt.Errorf("plot %s: format %q, want png or svg", path, format)
	}
	rate := newQueueDepthChart(s.RateTitle, s.RateUnit)
	p99 := newQueueDepthChart("p99 latency", "µs")
	var depths []float64
	for _, line := range s.Lines {
		if len(line.Points) == 0 {
			continue
		}
		ratePoints := make(medianPoints, len(line.Points))
		p99Points := make(medianPoints, len(line.Points))
		for i, p := range line.Points {
			ratePoints[i] = medianPoint{queueDepth: p.QueueDepth, value: p.Rate}
			p99Points[i] = medianPoint{queueDepth: p.QueueDepth, value: p.P99}
			if !slices.Contains(depths, p.QueueDepth) {
				depths = append(depths, p.QueueDepth)
			}
		}
		if err := addEngineLine(rate, line, ratePoints, s.Whiskers); err != nil {
			return err
		}
		if err := addEngineLine(p99, line, p99Points, s.Whiskers); err != nil {
			return err
		}
	}
	if len(depths) == 0 {
		return errors.New("nothing to plot")
	}
	slices.Sort(depths)
	for _, chart := range []*plot.Plot{rate, p99} {
		chart.X.Tick.Marker = queueDepthTicks(depths)
		if depths[0] > 0 && len(depths) > 1 {
			chart.X.Scale = plot.LogScale{}
		}
	}
	rate.Y.Min, rate.Y.Max = 0, rate.Y.Max/(1-legendHeadroom)
	useLogScale(&p99.Y)

	img := newImage(format, width, height)
	canvas := draw.New(img)
	canvas.SetColor(color.White)
	canvas.Fill(canvas.Rectangle.Path())
	headingHeight := drawHeading(canvas, s.Heading, rate.Title.TextStyle)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	charts := [][]*plot.Plot{{rate, p99}}
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

// newImage returns an empty canvas that writes itself in format.
func newImage(format string, width, height vg.Length) vg.CanvasWriterTo {
	if format == "svg" {
		return vgsvg.New(width, height)
	}
	return vgimg.PngCanvas{Canvas: vgimg.New(width, height)}
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

// addEngineLine draws one engine's points, in the colour and marker shape
// of its style, with their whiskers if asked.
func addEngineLine(p *plot.Plot, line sweep.Line, points medianPoints, whiskers bool) error {
	l, marks, err := plotter.NewLinePoints(points)
	if err != nil {
		return err
	}
	l.Color = plotutil.Color(line.Style)
	marks.Color = plotutil.Color(line.Style)
	marks.Shape = plotutil.Shape(line.Style)
	p.Add(l, marks)
	p.Legend.Add(line.Name, l, marks)
	if !whiskers {
		return nil
	}
	bars, err := plotter.NewYErrorBars(points)
	if err != nil {
		return err
	}
	bars.Color = plotutil.Color(line.Style)
	p.Add(bars)
	return nil
}

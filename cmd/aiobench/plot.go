package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writePlot draws two charts side by side into a PNG file at path: IOPS and
// p99 latency against queue depth, one line per engine. Queue depths are on
// a logarithmic axis, since sweeps usually double them.
func writePlot(path string, rep *report) error {
	iops := newQueueDepthChart("IOPS")
	p99 := newQueueDepthChart("µs")
	var depths []float64
	for i, engine := range engineNames {
		var iopsPoints, p99Points plotter.XYs
		for _, row := range rep.Summary {
			if row.Engine != engine {
				continue
			}
			qd := float64(row.QueueDepth)
			iopsPoints = append(iopsPoints, plotter.XY{X: qd, Y: row.IOPS})
			p99Points = append(p99Points, plotter.XY{X: qd, Y: row.LatencyP99})
			if !slices.Contains(depths, qd) {
				depths = append(depths, qd)
			}
		}
		if len(iopsPoints) == 0 {
			continue
		}
		if err := addEngineLine(iops, engine, i, iopsPoints); err != nil {
			return err
		}
		if err := addEngineLine(p99, engine, i, p99Points); err != nil {
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
		// Room above the highest point keeps the legend off the lines.
		chart.Y.Min, chart.Y.Max = 0, chart.Y.Max*1.3
	}
	workload := fmt.Sprintf("%s %s", rep.Pattern, formatSize(int64(rep.BlockSize)))
	iops.Title.Text = "IOPS, " + workload
	p99.Title.Text = "p99 latency, " + workload

	img := vgimg.New(28*vg.Centimeter, 12*vg.Centimeter)
	canvas := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	charts := [][]*plot.Plot{{iops, p99}}
	for col, c := range plot.Align(charts, tiles, canvas)[0] {
		charts[0][col].Draw(c)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(f)
	return errors.Join(err, f.Close())
}

// newQueueDepthChart makes an empty chart with queue depth across.
func newQueueDepthChart(unit string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = "queue depth"
	p.Y.Label.Text = unit
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// addEngineLine draws one engine's points, in the colour and marker shape
// that the engine has on every chart.
func addEngineLine(p *plot.Plot, engine string, index int, points plotter.XYs) error {
	line, marks, err := plotter.NewLinePoints(points)
	if err != nil {
		return err
	}
	line.Color = plotutil.Color(index)
	marks.Color = plotutil.Color(index)
	marks.Shape = plotutil.Shape(index)
	p.Add(line, marks)
	p.Legend.Add(engine, line, marks)
	return nil
}

// queueDepthTicks labels exactly the queue depths that were measured.
func queueDepthTicks(depths []float64) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(depths))
	for i, qd := range depths {
		ticks[i] = plot.Tick{Value: qd, Label: strconv.FormatFloat(qd, 'f', -1, 64)}
	}
	return ticks
}

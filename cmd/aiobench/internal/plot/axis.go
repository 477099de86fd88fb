package plot

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

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

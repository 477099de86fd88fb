package aio

import (
	"fmt"
	"strings"
)

// String returns the capabilities as a table of two aligned columns, what
// was probed and what was found, one line each. Without AIO the table ends
// at the line that says why.
func (c *Capabilities) String() string {
	rows := c.rows()
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %s\n", width, r[0], r[1])
	}
	return b.String()
}

// rows returns the lines of the table: what, then the result.
func (c *Capabilities) rows() [][2]string {
	rows := [][2]string{
		{"path", c.Path},
		{"kernel", c.Kernel},
		{"filesystem", c.Filesystem},
	}
	if c.AIO != nil {
		return append(rows, [2]string{"AIO (io_setup)", "no: " + c.AIO.Error()})
	}
	alignment, units := "-", "none"
	if c.DirectIO {
		alignment = fmt.Sprintf("memory %d, offsets and lengths %d bytes", c.DirectMemAlign, c.DirectOffsetAlign)
	}
	if c.AtomicWriteMax > 0 {
		units = fmt.Sprintf("%d to %d bytes", c.AtomicWriteMin, c.AtomicWriteMax)
	}
	return append(rows, [][2]string{
		{"AIO (io_setup)", "yes"},
		{"io_pgetevents", yesNo(c.Pgetevents)},
		{"IOCB_CMD_POLL on a pipe", yesNo(c.Poll)},
		{"O_DIRECT", yesNo(c.DirectIO)},
		{"O_DIRECT alignment", alignment},
		{"atomic write units", units},
		{"RWF_NOWAIT", yesNo(c.NoWait)},
		{"RWF_APPEND", yesNo(c.Append)},
		{"RWF_DSYNC", yesNo(c.DSync)},
		{"RWF_NOAPPEND", yesNo(c.NoAppend)},
		{"RWF_ATOMIC", yesNo(c.Atomic)},
		{"RWF_DONTCACHE", yesNo(c.DontCache)},
		{"io_submit, O_DIRECT reads", c.DirectRead.String()},
		{"io_submit, O_DIRECT overwrites", c.DirectOverwrite.String()},
		{"io_submit, O_DIRECT appends", c.DirectAppend.String()},
		{"io_submit, buffered writes", c.BufferedWrite.String()},
	}...)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// String says whether io_submit was asynchronous, and the measurement: for
// example "async: 0.000 context switches per request, 0% done on return
// (256 requests)".
func (s SubmitCost) String() string {
	if s.Err != nil {
		return "not measured: " + s.Err.Error()
	}
	verdict := "async"
	if !s.Async {
		verdict = "blocks"
	}
	return fmt.Sprintf("%s: %.3f context switches per request, %.0f%% done on return (%d requests)",
		verdict, s.SwitchesPerRequest, 100*s.DoneOnReturn, s.Requests)
}

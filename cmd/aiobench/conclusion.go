package main

import (
	"fmt"
	"strings"
)

// conclusionWidth is the width at which the closing sentence is wrapped.
const conclusionWidth = 100

// The aio package's APIs, as the closing sentence names them.
var conclusionSubjects = []struct{ engine, name string }{
	{"aio", "the goroutine API (aio)"},
	{"aio-batch", "the batch API (aio-batch)"},
}

// conclusion sums up a comparison in a sentence made only of measured
// numbers: at the deepest queue depth where the aio package's APIs ran
// next to the os.File pool (pread) or fio, the IOPS of each API as a
// multiple of theirs (the median of the per-round ratios), with the peak
// OS threads of each side. It returns "" if there was nothing to compare.
func conclusion(rows []summaryRow) string {
	qd := 0
	for _, row := range rows {
		if isConclusionSubject(row.Engine) && (row.VsPread != nil || row.VsFio != nil) {
			qd = max(qd, row.QueueDepth)
		}
	}
	if qd == 0 {
		return ""
	}
	pool := findRow(rows, "pread", qd)
	var clauses []string
	for _, subject := range conclusionSubjects {
		row := findRow(rows, subject.engine, qd)
		if row == nil {
			continue
		}
		var parts []string
		if row.VsPread != nil && pool != nil {
			parts = append(parts, fmt.Sprintf("%.2f× the IOPS of the os.File pool (pread) with %s against %d",
				row.VsPread.IOPS, threads(row.PeakThreads), pool.PeakThreads))
		}
		if row.VsFio != nil {
			parts = append(parts, fmt.Sprintf("%.2f× the IOPS of fio", row.VsFio.IOPS))
		}
		if len(parts) > 0 {
			clauses = append(clauses, subject.name+" gave "+strings.Join(parts, ", and "))
		}
	}
	if len(clauses) == 0 {
		return ""
	}
	return fmt.Sprintf("At qd %d %s.", qd, strings.Join(clauses, "; "))
}

// isConclusionSubject reports whether engine is one of the aio package's
// APIs that the closing sentence speaks of.
func isConclusionSubject(engine string) bool {
	for _, subject := range conclusionSubjects {
		if subject.engine == engine {
			return true
		}
	}
	return false
}

// findRow returns the summary row of engine at queue depth qd, or nil.
func findRow(rows []summaryRow, engine string, qd int) *summaryRow {
	for i := range rows {
		if rows[i].Engine == engine && rows[i].QueueDepth == qd && rows[i].RecordSize == 0 {
			return &rows[i]
		}
	}
	return nil
}

// threads counts OS threads in words.
func threads(n int) string {
	if n == 1 {
		return "1 OS thread"
	}
	return fmt.Sprintf("%d OS threads", n)
}

// wrapText breaks text into lines of at most width characters between
// words; a word longer than width gets a line of its own.
func wrapText(text string, width int) string {
	var b strings.Builder
	lineLen := 0
	for _, word := range strings.Fields(text) {
		n := len([]rune(word))
		switch {
		case lineLen == 0:
		case lineLen+1+n > width:
			b.WriteByte('\n')
			lineLen = 0
		default:
			b.WriteByte(' ')
			lineLen++
		}
		b.WriteString(word)
		lineLen += n
	}
	return b.String()
}

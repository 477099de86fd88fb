package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The defaults and limits of -log's lists.
const (
	defaultLogWriters = "1,8,64,256"
	defaultLogRecords = "128,1k,4k"
	maxLogWriters     = 4096
	// maxLogRecord is the largest record that the logs take by default
	// (wal.Options.MaxRecordSize).
	maxLogRecord = 1 << 20
)

// ioOnlyFlags are the flags that set up engines doing I/O on a target, and
// say nothing about logs: -log refuses them rather than ignore them.
var ioOnlyFlags = []string{"file", "size", "rw", "rwmix", "sync", "bs", "qd", "compare", "explain", "plot"}

// logOnlyFlags are the flags that only -log reads.
var logOnlyFlags = []string{"writers", "record"}

// parseLog finishes reading a -log command line, whose flags set names.
// engines, writers and records are the values of -engine, -writers and
// -record; an -engine that is not set means both logs.
func (cfg *config) parseLog(set map[string]bool, engines, writers, records string) error {
	var problems, refused []string
	for _, name := range ioOnlyFlags {
		if set[name] {
			refused = append(refused, "-"+name)
		}
	}
	if len(refused) > 0 {
		verb := "does"
		if len(refused) > 1 {
			verb = "do"
		}
		problems = append(problems, fmt.Sprintf("%s %s not apply to -log, which appends records to new log files in -dir "+
			"(its settings are -writers and -record): leave %s out", strings.Join(refused, " and "), verb, strings.Join(refused, " and ")))
	}
	var err error
	if cfg.writers, err = parseCounts("-writers", writers, maxLogWriters); err != nil {
		problems = append(problems, err.Error())
	}
	if cfg.recordSizes, err = parseRecordSizes(records); err != nil {
		problems = append(problems, err.Error())
	}
	cfg.engines = slices.Clone(logEngineNames)
	if set["engine"] {
		if cfg.engines, err = parseLogEngines(engines); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if cfg.strict && !cfg.goals {
		problems = append(problems, "-strict judges the goals: add -goals")
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

// logOnlyProblem refuses -log's own flags on a command line without -log.
func logOnlyProblem(set map[string]bool) error {
	for _, name := range logOnlyFlags {
		if set[name] {
			return fmt.Errorf("-%s applies to -log only: add -log to compare the logs, or leave -%s out", name, name)
		}
	}
	return nil
}

// parseCounts reads a comma list of whole numbers from 1 to max, for the
// flag name, in the order given and without repeats.
func parseCounts(name, s string, max int) ([]int, error) {
	var counts []int
	for field := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 || n > max {
			return nil, fmt.Errorf("%s %q: want whole numbers from 1 to %d, separated by commas", name, s, max)
		}
		if !slices.Contains(counts, n) {
			counts = append(counts, n)
		}
	}
	return counts, nil
}

// parseRecordSizes reads -record: a comma list of byte counts.
func parseRecordSizes(s string) ([]int, error) {
	var sizes []int
	for field := range strings.SplitSeq(s, ",") {
		n, err := parseSize(field)
		if err != nil || n < 1 || n > maxLogRecord {
			return nil, fmt.Errorf("-record %q: want record sizes from 1 byte to %s, such as 128,1k,4k", s, formatSize(maxLogRecord))
		}
		if !slices.Contains(sizes, int(n)) {
			sizes = append(sizes, int(n))
		}
	}
	return sizes, nil
}

// parseLogEngines reads -engine with -log, reordered as logEngineNames
// lists them.
func parseLogEngines(s string) ([]string, error) {
	var engines []string
	for field := range strings.SplitSeq(s, ",") {
		field = strings.TrimSpace(field)
		if !slices.Contains(logEngineNames, field) {
			return nil, fmt.Errorf("-engine %q: with -log, want %s, or both separated by a comma", field, strings.Join(logEngineNames, " or "))
		}
		engines = append(engines, field)
	}
	return slices.DeleteFunc(slices.Clone(logEngineNames), func(e string) bool { return !slices.Contains(engines, e) }), nil
}

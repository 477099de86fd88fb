package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// explainedReport is a default comparison at the given depths, of the
// given engines, with made-up numbers.
func explainedReport(pattern string, readPercent int, depths []int, engines ...string) *report {
	rep := &report{Pattern: pattern, ReadPercent: readPercent, BlockSize: 4096, RunSeconds: 4, Rounds: 1,
		FioVersion: "fio-3.33", Explain: true, Target: target{Path: "/tmp/aiobench-1.tmp", Size: 64 << 20, Temporary: true}}
	for _, qd := range depths {
		for _, engine := range engines {
			row := summaryRow{Engine: engine, QueueDepth: qd, Rounds: 1, figures: figures{IOPS: 1000}}
			if slices.Contains(engines, "fio") {
				row.VsFio = &ratios{IOPS: 1}
			}
			if slices.Contains(engines, "pread") {
				row.VsPread = &ratios{IOPS: 1}
			}
			rep.Summary = append(rep.Summary, row)
		}
	}
	return rep
}

// legendTerms returns the terms of rep's legend, and its text by term.
func legendTerms(rep *report) ([]string, map[string]string) {
	var terms []string
	text := map[string]string{}
	for _, line := range rep.legend() {
		terms = append(terms, line.term)
		text[line.term] = line.text
	}
	return terms, text
}

func TestLegendOfTheDefaultComparison(t *testing.T) {
	t.Parallel()
	terms, text := legendTerms(explainedReport("randread", 100, []int{32}, "aio", "aio-batch", "pread", "fio"))
	if want := []string{"aio", "aio-batch", "pread", "fio", "qd", "µs", "CPU µs/IO", "X/fio"}; !slices.Equal(terms, want) {
		t.Errorf("legend terms %q, want %q: a line per engine of the table, then qd and the columns", terms, want)
	}
	for term, wants := range map[string][]string{
		"aio":       {"goroutine API", "32 goroutines", "aio.File.ReadAt", "no OS thread"},
		"aio-batch": {"batch API", "32 aio.Requests", "Context.Submit"},
		"pread":     {"os.File pool", "32 goroutines", "os.File.ReadAt", "each pread holds an OS thread"},
		"fio":       {"fio-3.33", "--ioengine=libaio"},
		"qd":        {"in flight", "4 KiB read at a random offset", "64 MiB temporary file"},
		"X/fio":     {"divided by fio's or pread's"},
	} {
		for _, want := range wants {
			if !strings.Contains(text[term], want) {
				t.Errorf("the legend's %s line %q does not say %q", term, text[term], want)
			}
		}
	}
}

// TestLegendFollowsTheReport checks the legend of other reports: without
// fio (not installed), over several depths, and of writes.
func TestLegendFollowsTheReport(t *testing.T) {
	t.Parallel()
	terms, text := legendTerms(explainedReport("write", 0, []int{1, 32}, "aio", "pread"))
	if want := []string{"aio", "pread", "qd", "µs", "CPU µs/IO", "X/pread"}; !slices.Equal(terms, want) {
		t.Errorf("legend terms %q, want %q", terms, want)
	}
	if !strings.Contains(text["aio"], "qd goroutines") || !strings.Contains(text["aio"], "aio.File.WriteAt") {
		t.Errorf("aio over two depths, writing: %q; want qd goroutines calling aio.File.WriteAt", text["aio"])
	}
	if !strings.Contains(text["pread"], "each pwrite holds") || !strings.Contains(text["qd"], "write in order") {
		t.Errorf("pread %q and qd %q; want pwrites, and writes in order", text["pread"], text["qd"])
	}
	if !strings.Contains(text["X/pread"], "divided by pread's at") {
		t.Errorf("ratio line %q; want it to name pread alone", text["X/pread"])
	}
	terms, _ = legendTerms(explainedReport("randread", 100, []int{32}, "aio"))
	if slices.ContainsFunc(terms, func(term string) bool { return strings.HasPrefix(term, "X/") }) {
		t.Errorf("legend terms %q explain ratio columns that the table does not have", terms)
	}
}

// TestTextReportExplainsOnlyWhenAsked prints the same report with and
// without Explain.
func TestTextReportExplainsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	rep := explainedReport("randread", 100, []int{32}, "aio", "aio-batch", "pread", "fio")
	var explained, plain bytes.Buffer
	if err := rep.writeText(&explained); err != nil {
		t.Fatal(err)
	}
	rep.Explain = false
	if err := rep.writeText(&plain); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"goroutine API", "os.File pool", "queue depth", "At qd 32 "} {
		if !strings.Contains(explained.String(), want) {
			t.Errorf("the explained report lacks %q:\n%s", want, explained.String())
		}
		if strings.Contains(plain.String(), want) {
			t.Errorf("the report without Explain says %q:\n%s", want, plain.String())
		}
	}
	if !strings.HasPrefix(explained.String(), plain.String()) {
		t.Errorf("the explanation is not added after the table:\n%s", explained.String())
	}
}

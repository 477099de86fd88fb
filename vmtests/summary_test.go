package vmtests

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/linuxaio/aio/internal/platform"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// A summary is what one run of TestVM found.
type summary struct {
	run        platform.Run
	kernel     string // the kernel's release
	passed     bool
	elapsed    time.Duration
	guest, pkg results
	probe      testvm.ProbeReport
	failure    string // the first thing that failed, on one line
	retried    string // why the run was booted a second time, if it was
}

// summarize returns the table of the runs, then what aio.Probe found on
// each kernel.
func summarize(summaries []*summary) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "  run\tverdict\ttime\tkernel\tguest tests\tpackage tests\tunsupported here (skipped)")
	for _, s := range summaries {
		if s.run.Broken != "" {
			fmt.Fprintf(w, "  %s\tnot run\t\t\t\t\t%s\n", s.run.Name(), s.run.Broken)
			continue
		}
		verdict := "PASS"
		if !s.passed {
			verdict = "FAIL"
		}
		unsupported := "-"
		if u := append(s.guest.unsupported, s.pkg.unsupported...); len(u) > 0 {
			unsupported = strings.Join(u, "; ")
		}
		fmt.Fprintf(w, "  %s\t%s\t%.0f s\t%s\t%d passed\t%d passed\t%s\n",
			s.run.Name(), verdict, s.elapsed.Seconds(), s.kernel, s.guest.passed, s.pkg.passed, unsupported)
	}
	w.Flush()
	for _, s := range summaries {
		if s.failure != "" {
			fmt.Fprintf(&b, "  %s failed first with: %s\n", s.run.Name(), s.failure)
		}
		if s.retried != "" {
			fmt.Fprintf(&b, "  %s was booted twice: no guest test ran in the first boot: %s\n", s.run.Name(), s.retried)
		}
	}

	var features []string
	for _, s := range summaries {
		for f := range s.probe.Features {
			if !slices.Contains(features, f) {
				features = append(features, f)
			}
		}
	}
	if len(features) == 0 {
		return b.String()
	}
	slices.Sort(features)
	b.WriteString("\naio.Probe on the guest's ext4 disk:\n")
	w = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "  run\tkernel\t%s\n", strings.Join(features, "\t"))
	for _, s := range summaries {
		if s.probe.Kernel == "" {
			continue
		}
		row := []string{s.run.Name(), s.probe.Kernel}
		for _, f := range features {
			found, ok := s.probe.Features[f]
			switch {
			case !ok:
				row = append(row, "?")
			case found:
				row = append(row, "yes")
			default:
				row = append(row, "no")
			}
		}
		fmt.Fprintf(w, "  %s\n", strings.Join(row, "\t"))
	}
	w.Flush()
	return b.String()
}

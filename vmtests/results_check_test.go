package vmtests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestCheckEvents checks the verdicts that checkEvents gives test2json
// streams: what passes, what is accepted as unsupported, and what fails.
func TestCheckEvents(t *testing.T) {
	events := func(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
	for _, tc := range []struct {
		name        string
		stream      string
		passed      int
		unsupported string // substring of the single unsupported entry
		failure     string // substring of the single failure
	}{
		{
			name: "pass",
			stream: events(`{"Action":"run","Test":"TestA"}`, `{"Action":"output","Test":"TestA","Output":"ok\n"}`,
				`{"Action":"pass","Test":"TestA"}`, `{"Action":"pass"}`),
			passed: 1,
		},
		{
			name: "unsupported",
			stream: events(`{"Action":"run","Test":"TestB"}`,
				`{"Action":"output","Test":"TestB","Output":"    b_test.go:3: `+testvm.Unsupported+`RWF_X: the kernel refuses it\n"}`,
				`{"Action":"skip","Test":"TestB"}`),
			unsupported: "TestB: RWF_X: the kernel refuses it",
		},
		{
			name: "other skip",
			stream: events(`{"Action":"run","Test":"TestC"}`, `{"Action":"output","Test":"TestC","Output":"    c_test.go:3: needs root\n"}`,
				`{"Action":"skip","Test":"TestC"}`),
			failure: "TestC skipped, and not as unsupported here",
		},
		{
			name:    "fail",
			stream:  events(`{"Action":"run","Test":"TestD"}`, `{"Action":"fail","Test":"TestD"}`),
			failure: "TestD failed",
		},
		{
			name:    "unfinished",
			stream:  events(`{"Action":"run","Test":"TestE"}`, `{"Action":"output","Test":"TestE","Output":"panic\n"}`),
			failure: "TestE did not finish",
		},
		{
			name:    "nothing ran",
			stream:  events(`{"Action":"output","Output":"no tests\n"}`),
			failure: "no test ran",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(file, []byte(tc.stream), 0o644); err != nil {
				t.Fatal(err)
			}
			r := checkEvents(file, readTest2JSON)
			if r.passed != tc.passed {
				t.Errorf("passed %d, want %d", r.passed, tc.passed)
			}
			checkOne(t, "unsupported", r.unsupported, tc.unsupported)
			checkOne(t, "failures", r.failures, tc.failure)
		})
	}
	if r := checkEvents(filepath.Join(t.TempDir(), "missing.json"), readTest2JSON); len(r.failures) != 1 {
		t.Errorf("a missing file gives failures %q, want one", r.failures)
	}
}

// checkOne checks that list has one entry containing want, or none if want
// is empty.
func checkOne(t *testing.T, what string, list []string, want string) {
	t.Helper()
	switch {
	case want == "" && len(list) != 0:
		t.Errorf("%s %q, want none", what, list)
	case want != "" && (len(list) != 1 || !strings.Contains(list[0], want)):
		t.Errorf("%s %q, want one with %q", what, list, want)
	}
}

package vmtests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hugelgupf/vmtest/qemu/qevent"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// testEvent is the part of a test2json event that the checks read.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// binaryError is gouinit's report of a test binary that could not be
// started or did not exit with status 0.
type binaryError struct {
	Binary string
	Error  string
}

// results are what one set of test2json events says.
type results struct {
	passed      int
	unsupported []string // "Test: why", for tests that skipped as unsupported here
	failures    []string // a message for each test that failed, did not finish, or skipped otherwise
	tests       int      // how many tests reported anything
}

// ran reports whether any test reported anything.
func (r results) ran() bool { return r.tests > 0 }

// readGuestEvents reads the events that gouinit wrote to file: test2json
// events wrapped in vmtest's event format.
func readGuestEvents(file string) ([]testEvent, error) {
	return qevent.ReadFile[testEvent](file)
}

// readTest2JSON reads the plain test2json stream in file.
func readTest2JSON(file string) ([]testEvent, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var events []testEvent
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e testEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return events, fmt.Errorf("line %d: %v", i+1, err)
		}
		events = append(events, e)
	}
	return events, nil
}

// checkEvents reads the test2json events in file with read and sorts every
// test by its outcome. A test passes, or skips with a message that begins with
// testvm.Unsupported (the kernel or the machine lacks what it tests, as a
// probe found); failing, not finishing and skipping for any other reason
// are failures. A file without a single test is a failure too.
func checkEvents(file string, read func(string) ([]testEvent, error)) results {
	var r results
	events, err := read(file)
	if err != nil {
		r.failures = append(r.failures, fmt.Sprintf("reading %s: %v", filepath.Base(file), err))
		return r
	}
	type outcome struct {
		action string
		output strings.Builder
	}
	outcomes := map[string]*outcome{}
	var names []string
	for _, e := range events {
		if e.Test == "" {
			continue
		}
		name := e.Package + "." + e.Test
		o := outcomes[name]
		if o == nil {
			o = &outcome{}
			outcomes[name] = o
			names = append(names, name)
		}
		o.output.WriteString(e.Output)
		if e.Action != "output" {
			o.action = e.Action
		}
	}
	r.tests = len(names)
	if len(names) == 0 {
		r.failures = append(r.failures, fmt.Sprintf("%s: no test ran", filepath.Base(file)))
	}
	for _, name := range names {
		o := outcomes[name]
		output := o.output.String()
		switch o.action {
		case "pass", "bench":
			r.passed++
		case "skip":
			if _, why, ok := strings.Cut(output, testvm.Unsupported); ok {
				why, _, _ = strings.Cut(why, "\n")
				r.unsupported = append(r.unsupported, shortName(name)+": "+why)
				continue
			}
			r.failures = append(r.failures, fmt.Sprintf("%s skipped, and not as unsupported here:\n%s", name, output))
		case "fail":
			r.failures = append(r.failures, fmt.Sprintf("%s failed:\n%s", name, output))
		default:
			r.failures = append(r.failures, fmt.Sprintf("%s did not finish (last event %q):\n%s", name, o.action, output))
		}
	}
	return r
}

// checkBinaryErrors returns a failure for each test binary that gouinit
// reported in the file errors.json.
func checkBinaryErrors(file string) []string {
	errs, err := qevent.ReadFile[binaryError](file)
	if err != nil {
		return []string{fmt.Sprintf("reading the guest's errors: %v", err)}
	}
	var failures []string
	for _, e := range errs {
		failures = append(failures, fmt.Sprintf("guest test binary %s: %s", e.Binary, e.Error))
	}
	return failures
}

// shortName drops the package path from a test's name.
func shortName(name string) string {
	if i := strings.LastIndex(name, "."); i >= 0 {
		return name[i+1:]
	}
	return name
}

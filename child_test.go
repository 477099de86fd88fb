package aio_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Some tests change what the whole process may do (a seccomp filter, a lower
// RLIMIT_MEMLOCK) and cannot undo it. They run their scenario in a child
// process: the test binary again, running only TestChildProcess, with
// childScenarioEnv naming the scenario.
const (
	childScenarioEnv = "AIO_TEST_CHILD_SCENARIO"
	// childDirEnv passes the child a directory that supports O_DIRECT,
	// which the parent found with testDir.
	childDirEnv = "AIO_TEST_CHILD_DIR"
)

// childScenarios are the scenarios a child process can run, by name. A
// scenario fails the child's test, with t.Fatal and the like, when what it
// checks does not hold.
var childScenarios = map[string]func(t *testing.T){}

// childTimeout bounds a child's run. The VM tests run the suite under
// software emulation, where starting a race-enabled binary alone takes
// seconds.
const childTimeout = 3 * time.Minute

// childOK is the line a child prints once its scenario has passed. The
// parent requires it, besides a zero exit status, so that a child that ran no
// scenario (a misspelt name, a -test.run that matched nothing) or skipped it
// cannot pass.
func childOK(scenario string) string { return "aio-child: " + scenario + ": ok" }

// runInChild runs the named scenario in a child process, with the extra
// environment variables env ("NAME=value"), and fails t, showing the child's
// output, unless the scenario passed.
func runInChild(t *testing.T, scenario string, env ...string) {
	t.Helper()
	if _, ok := childScenarios[scenario]; !ok {
		t.Fatalf("no child scenario %q", scenario)
	}
	ctx, cancel := context.WithTimeout(t.Context(), childTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0],
		"-test.run=^TestChildProcess$", "-test.v", "-test.count=1",
		fmt.Sprintf("-test.timeout=%v", childTimeout-10*time.Second))
	cmd.Env = append(os.Environ(), childScenarioEnv+"="+scenario)
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	passed := err == nil && hasLine(out.String(), childOK(scenario))
	if !passed {
		if err == nil {
			err = fmt.Errorf("exit status 0 without the line %q", childOK(scenario))
		}
		t.Fatalf("child process for %s: %v; its output:\n%s", scenario, err, out.String())
	}
	t.Logf("child process for %s:\n%s", scenario, out.String())
}

func hasLine(s, line string) bool {
	for l := range strings.Lines(s) {
		if strings.TrimRight(l, "\n") == line {
			return true
		}
	}
	return false
}

// TestChildProcess is where a child process started by runInChild runs its
// scenario. In any other process it has nothing to do.
func TestChildProcess(t *testing.T) {
	scenario := os.Getenv(childScenarioEnv)
	if scenario == "" {
		t.Log("not a child process: the scenarios run only in children started by other tests")
		return
	}
	run, ok := childScenarios[scenario]
	if !ok {
		t.Fatalf("no child scenario %q", scenario)
	}
	run(t)
	// t.Fatal and t.Skip end the goroutine before this point; t.Error
	// leaves it running but marks the test failed.
	if !t.Failed() && !t.Skipped() {
		fmt.Println(childOK(scenario))
	}
}

package vmtests

// TestCrash is the crash test of examples/wal: a guest (package crashguest)
// appends to the log from many goroutines and reports each acknowledged
// record to the host; the host kills QEMU with SIGKILL at a random moment,
// boots the guest again on the same disk image, and checks that every
// record the guest had reported is in the recovered log, intact, and that
// no record that does not check was taken into it. Its replay run
// (replay_test.go) checks the log at each flush of the disk instead.
//
// The crash VM's devices:
//
//	virtio-blk serial aio-ext4  64 MiB ext4 file system, as TestVM's; the
//	                            log is its file wal.log. QEMU's cache mode
//	                            of the drive is the configuration's.
//	virtio-9p  tag gotestdata   the crashguest test binary, and what the
//	                            guest reports (internal/crashlog's files).
//
// Killing QEMU loses what the guest had not handed to the virtual device
// (and, with cache=writeback, what QEMU had not written to the image file
// yet, which the host's page cache keeps); it does not drop a device's
// volatile cache, which only a power cut of real hardware would.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linuxaio/aio/internal/platform"
	"github.com/linuxaio/aio/vmtests/internal/crashlog"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// A crashConfig is one series of kills.
type crashConfig struct {
	name   string
	goarch string
	cache  string // QEMU's cache mode of the log's disk
	kills  int    // or, in a replay run, boots
	replay bool   // a replay run (replay_test.go) rather than kills
}

var crashConfigs = []crashConfig{
	{"amd64-cache-none", "amd64", "none", 10, false},
	{"amd64-cache-writeback", "amd64", "writeback", 10, false},
	{"386", "386", "none", 4, false},     // 32-bit
	{"s390x", "s390x", "none", 4, false}, // big-endian
	{"amd64-replay", "amd64", "writeback", 2, true},
}

// envCrashConfigs selects configurations by name, comma-separated, and
// envCrashKills sets the number of kills of each, for shorter runs.
const (
	envCrashConfigs = "AIO_CRASH_CONFIGS"
	envCrashKills   = "AIO_CRASH_KILLS"
)

const (
	crashGuestPackage = "github.com/linuxaio/aio/vmtests/crashguest"
	crashBootTimeout  = 4 * time.Minute
)

func TestCrash(t *testing.T) {
	if os.Getenv(envEnable) == "" {
		t.Skipf("the crash test boots QEMU for many minutes: run it with make vmtest, which sets %s=1", envEnable)
	}
	runCrashConfigs(t, "crash test", "records", selectCrashConfigs(t, crashConfigs), buildCrash)
}

// runCrashConfigs runs each of configs as a subtest, a series of kills or a
// replay run, on what build makes for its architecture (once each, in a
// directory of its own), and logs a summary line per configuration; title
// names the test and unit what its guest acknowledges.
func runCrashConfigs(t *testing.T, title, unit string, configs []crashConfig, build func(t *testing.T, goarch, dir string) *crashBuild) {
	logs, err := os.MkdirTemp("", "aio-crash-")
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	built := map[string]*crashBuild{}
	builds := t.TempDir() // outlives the subtests, which share the builds
	for _, c := range configs {
		start := time.Now()
		var st crashStats
		t.Run(c.name, func(t *testing.T) {
			b := built[c.goarch]
			if b == nil {
				b = build(t, c.goarch, filepath.Join(builds, c.goarch))
				built[c.goarch] = b
			}
			if c.replay {
				st = replaySeries(t, c, b, logs)
			} else {
				st = crashSeries(t, c, b, logs)
			}
		})
		took := time.Since(start).Round(time.Second)
		if c.replay {
			summary = append(summary, fmt.Sprintf("%-30s %-24s %5d boots %8d %s acknowledged %6d flushes, %d crash states replayed and recovered, %d %s missing  %v",
				c.name, st.kernel, st.kills, st.acked, unit, st.flushes, st.checked, st.lost, unit, took))
			continue
		}
		summary = append(summary, fmt.Sprintf("%-30s %-24s %5d kills %8d %s acknowledged %8d recovered at the last boot %5d lost %2d boots again  %v",
			c.name, st.kernel, st.kills, st.acked, unit, st.recovered, st.lost, st.retries, took))
	}
	t.Logf("%s summary (console logs in %s):\n%s", title, logs, strings.Join(summary, "\n"))
}

// selectCrashConfigs returns those of configs, a test's configurations,
// that envCrashConfigs names (all if it is unset), each with
// envCrashKills kills if that is set. It skips the test if the names are
// all of another crash test's configurations, and fails it if some name
// is of none.
func selectCrashConfigs(t *testing.T, configs []crashConfig) []crashConfig {
	t.Helper()
	configs = slices.Clone(configs)
	if k := os.Getenv(envCrashKills); k != "" {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of kills, 1 or more", envCrashKills, k)
		}
		for i := range configs {
			configs[i].kills = n
		}
	}
	names := os.Getenv(envCrashConfigs)
	if names == "" {
		return configs
	}
	known := map[string]bool{}
	for _, c := range slices.Concat(crashConfigs, pebbleCrashConfigs) {
		known[c.name] = true
	}
	for _, name := range strings.Split(names, ",") {
		if !known[name] {
			t.Fatalf("%s=%q: %q names no configuration", envCrashConfigs, names, name)
		}
	}
	configs = slices.DeleteFunc(configs, func(c crashConfig) bool { return !strings.Contains(","+names+",", ","+c.name+",") })
	if len(configs) == 0 {
		t.Skipf("%s=%q names only other crash tests' configurations", envCrashConfigs, names)
	}
	return configs
}

// A crashBuild is what every boot of an architecture uses.
type crashBuild struct {
	run       platform.Run
	kernelDir string
	initramfs string
	binary    string
	// guestPackage is the package the guest test binary is of, under which
	// the guest's gouinit finds and runs it.
	guestPackage string
	// recoverReplayed recovers, on the host, what the guest wrote on the
	// file system mounted on its argument (a replayed image), as the
	// guest's next boot would, and returns what it found.
	recoverReplayed func(mnt string) (crashlog.Recovery, error)
}

// buildCrash builds, in dir, what the boots of goarch use, with the log's
// guest (crashguest).
func buildCrash(t *testing.T, goarch, dir string) *crashBuild {
	b := buildCrashVM(t, goarch, dir)
	b.guestPackage = crashGuestPackage
	b.recoverReplayed = recoverLog
	b.binary = filepath.Join(dir, "crashguest.test")
	if err := buildTest(crashGuestPackage, b.binary, goarch); err != nil {
		t.Fatal(err)
	}
	return b
}

// buildCrashVM builds, in dir, the kernel and initramfs that the boots of
// goarch use; the caller builds the guest.
func buildCrashVM(t *testing.T, goarch, dir string) *crashBuild {
	runs, err := platform.SelectRuns(goarch, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := installTools(runs); err != nil {
		t.Fatal(err)
	}
	b := &crashBuild{run: runs[0]}
	if b.kernelDir, err = fetchKernel(b.run); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "base.cpio")
	if err := os.MkdirAll(filepath.Join(dir, "scratch"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := buildBaseInitramfs(t, goarch, base, filepath.Join(dir, "scratch")); err != nil {
		t.Fatal(err)
	}
	b.initramfs = filepath.Join(dir, "initramfs.cpio")
	if err := writeInitramfs(b.initramfs, base, b.kernelDir); err != nil {
		t.Fatal(err)
	}
	return b
}

// crashStats are a series' figures.
type crashStats struct {
	kernel                                 string
	kills, acked, recovered, lost, retries int
	flushes, checked                       int // a replay run's flushes, and the crash states replayed
}

// crashSeries makes c.kills kills and a last boot that only recovers.
func crashSeries(t *testing.T, c crashConfig, b *crashBuild, logs string) crashStats {
	st := crashStats{kernel: filepath.Base(b.kernelDir)}
	dir := t.TempDir()
	img := filepath.Join(dir, "ext4.img")
	if err := buildImage(testvm.Ext4, img, dir); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	acked := make([]int, crashlog.Writers) // records of each writer acknowledged so far
	for boot := 0; boot <= c.kills; boot++ {
		last := boot == c.kills
		var delay time.Duration
		if !last {
			delay = 200*time.Millisecond + time.Duration(rng.Int64N(int64(2800*time.Millisecond)))
		}
		mode := crashlog.ModeAppend
		if last {
			mode = crashlog.ModeRecover
		}
		disk := guestDisk{disk: testvm.Ext4, image: img, cache: c.cache}
		shared, console, err := crashBoot(c, b, disk, logs, fmt.Sprintf("boot%d", boot), mode, delay)
		if _, serr := os.Stat(filepath.Join(shared, crashlog.RecoveredFile)); err != nil && serr != nil {
			// The guest never got as far as the log (its uinit did not
			// run, once, on 386): the disk is as it was, so boot again.
			t.Logf("boot %d: the guest did not start (%v; console in %s): booting again", boot, err, console)
			st.retries++
			shared, console, err = crashBoot(c, b, disk, logs, fmt.Sprintf("boot%d-again", boot), mode, delay)
		}
		if err != nil {
			t.Fatalf("boot %d: %v (console in %s)", boot, err, console)
		}

		r, err := readRecovery(filepath.Join(shared, crashlog.RecoveredFile))
		if err != nil {
			t.Fatalf("boot %d: %v (console in %s)", boot, err, console)
		}
		recovered, lost := checkRecovered(t, boot, r, acked)
		st.recovered = recovered
		st.lost += lost
		if r.Reset {
			clear(acked)
		}
		if last {
			res := checkEvents(filepath.Join(shared, "results.json"), readGuestEvents)
			for _, f := range res.failures {
				t.Errorf("last boot: %s", f)
			}
			break
		}
		n, err := readAcks(filepath.Join(shared, crashlog.AcksFile), acked)
		if err != nil {
			t.Fatalf("boot %d: %v", boot, err)
		}
		st.kills++
		st.acked += n
		t.Logf("boot %d: recovered %d records (log seq %d); killed %v after appending began, %d records acknowledged",
			boot, recovered, r.LastSeq, delay, n)
	}
	return st
}

// checkRecovered fails the test where the guest's recovery at the start of
// boot lost a record of acked, the records of each writer acknowledged
// before, or took in one that does not check. It returns how many records
// were recovered and how many of acked were not.
func checkRecovered(t *testing.T, boot int, r crashlog.Recovery, acked []int) (recovered, lost int) {
	t.Helper()
	if r.Bad > 0 {
		t.Errorf("boot %d: the recovered log has %d records that do not check; the first: %s", boot, r.Bad, r.Problem)
	}
	for w := range acked {
		if r.PerWriter[w] < acked[w] {
			t.Errorf("boot %d: writer %d had %d records acknowledged, %d recovered", boot, w, acked[w], r.PerWriter[w])
			lost += acked[w] - r.PerWriter[w]
		}
		recovered += r.PerWriter[w]
	}
	return recovered, lost
}

// crashBoot boots the guest once on disk, with a new shared directory
// named name, and returns that directory and the console log's path. In
// crashlog.ModeAppend the guest appends until it is killed delay after it
// began; in the other modes it powers off by itself.
func crashBoot(c crashConfig, b *crashBuild, disk guestDisk, logs, name, mode string, delay time.Duration) (shared, console string, err error) {
	shared = filepath.Join(filepath.Dir(disk.image), name)
	bin := filepath.Join(shared, "tests", b.guestPackage, filepath.Base(b.binary))
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return shared, "", err
	}
	if err := os.Link(b.binary, bin); err != nil {
		return shared, "", err
	}
	g := &guest{
		vm:        b.run.Arch.VM,
		kernel:    filepath.Join(b.kernelDir, "vmlinuz"),
		initramfs: b.initramfs,
		disks:     []guestDisk{disk},
		shares:    []share{{shared, testvm.SharedTag}},
		params:    []string{crashlog.ModeParam + "=" + mode},
	}
	f, err := os.Create(filepath.Join(logs, c.name+"-"+name+".log"))
	if err != nil {
		return shared, "", err
	}
	defer f.Close()
	if mode != crashlog.ModeAppend {
		return shared, f.Name(), g.run(crashBootTimeout, f, func(string) {})
	}
	return shared, f.Name(), g.runAndKill(crashBootTimeout, f, filepath.Join(shared, crashlog.AppendingFile), delay)
}

// readRecovery reads the guest's report of its recovery.
func readRecovery(path string) (crashlog.Recovery, error) {
	var r crashlog.Recovery
	b, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("the guest reported no recovery: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("the guest's recovery report: %w", err)
	}
	if len(r.PerWriter) != crashlog.Writers {
		return r, fmt.Errorf("the guest's recovery report has %d writers, want %d", len(r.PerWriter), crashlog.Writers)
	}
	return r, nil
}

// readAcks reads the acknowledgements of a boot into acked, the number of
// records of each writer acknowledged, and returns how many it read. A
// last line cut short by the kill is not an acknowledgement.
func readAcks(path string, acked []int) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("the guest reported no acknowledgements: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, err
	}
	text := string(b)
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[:i+1]
	} else {
		text = ""
	}
	n := 0
	s := bufio.NewScanner(strings.NewReader(text))
	for s.Scan() {
		var w, c int
		if _, err := fmt.Sscanf(s.Text(), "%d %d", &w, &c); err != nil || w < 0 || w >= len(acked) {
			return n, fmt.Errorf("acknowledgement %q: not a writer and a counter", s.Text())
		}
		if c+1 > acked[w] {
			acked[w] = c + 1
		}
		n++
	}
	return n, nil
}

// runAndKill boots g, waits until the file ready exists, then waits delay
// more and kills QEMU with SIGKILL. It fails if QEMU exits first, or if
// ready does not appear within timeout.
func (g *guest) runAndKill(timeout time.Duration, log *os.File, ready string, delay time.Duration) error {
	args := g.cmdline()
	fmt.Fprintf(log, "$ %s %s\n", g.vm.QEMU, strings.Join(args, " "))
	cmd := exec.Command(g.vm.QEMU, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("QEMU exited (%v) before the guest began appending", err)
		case <-deadline:
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("the guest did not begin appending within %v", timeout)
		case <-tick.C:
		}
		if _, err := os.Stat(ready); err == nil {
			break
		}
	}
	select {
	case err := <-exited:
		return fmt.Errorf("QEMU exited (%v) %v after the guest began appending, before it was killed", err, delay)
	case <-time.After(delay):
	}
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	<-exited
	return nil
}

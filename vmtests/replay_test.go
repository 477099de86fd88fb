package vmtests

// The replay run of TestCrash checks the log at the crash states that a
// power cut could leave behind, which killing QEMU does not make: a disk
// with a volatile write cache keeps only the writes that completed before
// its last finished flush. QEMU's blklogwrites driver records, in the
// format of the kernel's dm-log-writes, every write the guest makes to the
// log's disk (with its data) and every flush, in the order they completed.
// The guest appends for a while and, after each batch of
// acknowledgements, writes a mark of what had been acknowledged (see
// crashlog's mark.go) to the same disk. The host then replays the record
// onto a copy of the image as it was before the boot, as xfstests does with
// dm-log-writes: at each flush it mounts a copy of the image as it then
// was (the host's ext4 replays its journal) and recovers the log there.
// Every record counted by a mark that came before that flush must be
// recovered, intact, and no record that does not check may be taken in.
//
// The order holds because a record is acknowledged only after the write of
// its block and a flush that followed it completed, both recorded before
// QEMU completed them to the guest, and the guest writes the mark that
// counts the record only after that.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linuxaio/aio/vmtests/internal/crashlog"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The write log's format: a superblock in sector 0, then each entry in a
// sector of its own followed by its data, in whole sectors. All fields are
// little-endian. QEMU rewrites the superblock, with the number of entries
// so far, at each flush.
const (
	writeLogMagic   = 0x6a736677736872
	writeLogVersion = 1

	logFlush   = 1 << 0
	logFUA     = 1 << 1
	logDiscard = 1 << 2
	logMark    = 1 << 3
)

// A writeLogEntry is one write, flush or discard of the write log.
type writeLogEntry struct {
	sector, sectors uint64 // where on the disk, in the log's sectors
	flags           uint64
	data            int64 // offset of the data in the log file
}

// envReplayPoints sets how many crash states each boot's replay checks;
// by default replayPoints, spread evenly over the boot's flushes.
const envReplayPoints = "AIO_REPLAY_POINTS"

const replayPoints = 200

// readWriteLog reads the entries of the write log in f and its sector
// size.
func readWriteLog(f *os.File) ([]writeLogEntry, int64, error) {
	path := f.Name()
	var super [28]byte
	if _, err := f.ReadAt(super[:], 0); err != nil {
		return nil, 0, fmt.Errorf("write log %s: reading its superblock: %w", path, err)
	}
	magic, version := binary.LittleEndian.Uint64(super[0:]), binary.LittleEndian.Uint64(super[8:])
	n, ss := binary.LittleEndian.Uint64(super[16:]), int64(binary.LittleEndian.Uint32(super[24:]))
	if magic != writeLogMagic || version != writeLogVersion || ss < 512 || bits.OnesCount64(uint64(ss)) != 1 {
		return nil, 0, fmt.Errorf("write log %s: superblock magic %#x, version %d, sector size %d: not a dm-log-writes log", path, magic, version, ss)
	}
	entries := make([]writeLogEntry, 0, n)
	cur := int64(1)
	var head [32]byte
	for i := range n {
		if _, err := f.ReadAt(head[:], cur*ss); err != nil {
			return nil, 0, fmt.Errorf("write log %s: entry %d of %d: %w", path, i, n, err)
		}
		e := writeLogEntry{
			sector:  binary.LittleEndian.Uint64(head[0:]),
			sectors: binary.LittleEndian.Uint64(head[8:]),
			flags:   binary.LittleEndian.Uint64(head[16:]),
			data:    (cur + 1) * ss,
		}
		if e.flags&^(logFlush|logFUA|logDiscard|logMark) != 0 {
			return nil, 0, fmt.Errorf("write log %s: entry %d has flags %#x", path, i, e.flags)
		}
		cur++
		if e.flags&logDiscard == 0 {
			cur += int64(e.sectors)
		}
		entries = append(entries, e)
	}
	return entries, ss, nil
}

// A markAt is a mark of the write log: the entry whose data holds it and
// the records of each writer it counts.
type markAt struct {
	entry int
	acked []int
}

// findMarks returns the marks in the writes of entries, from the log file
// log of sector size ss, in the order of the log, each with a higher
// sequence number than the one before (a block that holds a mark again, as
// a copy in the file system's journal would, is not a new mark).
func findMarks(log *os.File, entries []writeLogEntry, ss int64) ([]markAt, error) {
	var marks []markAt
	var last uint64
	var data []byte
	for i, e := range entries {
		if e.flags&logDiscard != 0 || e.sectors == 0 {
			continue
		}
		data = resize(data, int(e.sectors)*int(ss))
		if _, err := log.ReadAt(data, e.data); err != nil {
			return nil, fmt.Errorf("write log entry %d: reading its data: %w", i, err)
		}
		for off := 0; off+crashlog.MarkSize <= len(data); off += crashlog.MarkSize {
			if seq, acked, ok := crashlog.ParseMark(data[off:]); ok && seq > last {
				last = seq
				marks = append(marks, markAt{i, acked})
			}
		}
	}
	return marks, nil
}

// A replayPoint is a crash state to check: the disk with every write of
// the write log up to and including entry applied (none, for -1), which
// must hold required[w] records of each writer w.
type replayPoint struct {
	entry    int
	required []int
}

// planReplay returns the crash states that the flushes of entries make:
// the disk as it was when the log began, and as each flush left it. A
// power cut at any moment leaves at least the disk as the last flush
// before it left it, so each must hold every record counted by a mark
// written before the next flush (or the end of the log). A record
// acknowledged before the flush that made it durable had completed fails
// this, even where a later flush makes up for it. A write with FUA counts
// as a flush, which makes the check weaker where there are any (the
// guest's virtio disk has no FUA).
func planReplay(entries []writeLogEntry, marks []markAt) []replayPoint {
	points := []replayPoint{{entry: -1}}
	for i, e := range entries {
		if e.flags&(logFlush|logFUA) != 0 {
			points = append(points, replayPoint{entry: i})
		}
	}
	next := 0 // the first mark not yet counted
	required := make([]int, crashlog.Writers)
	for k := range points {
		end := len(entries)
		if k+1 < len(points) {
			end = points[k+1].entry
		}
		for next < len(marks) && marks[next].entry < end {
			required = marks[next].acked
			next++
		}
		points[k].required = required
	}
	return points
}

// spread returns n of points, or all if there are fewer, spread evenly
// and including the first and the last.
func spread(points []replayPoint, n int) []replayPoint {
	if len(points) <= n {
		return points
	}
	out := make([]replayPoint, 0, n)
	for k := range n {
		out = append(out, points[k*(len(points)-1)/max(n-1, 1)])
	}
	return out
}

// replayStats are the figures of one boot's replay.
type replayStats struct {
	writes, flushes, marks int
	checked                int   // crash states recovered and checked
	required               int   // records the most demanding of them had to hold
	short                  int   // records the state that lacked the most lacked
	marked                 []int // records of each writer the last mark counted
}

// replayFlushPoints replays the write log wlog onto a copy of base, the
// image as it was when the log began, and checks the log's recovery in up
// to n of the crash states of planReplay, spread evenly, and at the end of
// the write log. work is a directory for the images and the mount point.
func replayFlushPoints(t *testing.T, b *crashBuild, base, wlog, work string, n int) replayStats {
	t.Helper()
	log, err := os.Open(wlog)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	entries, ss, err := readWriteLog(log)
	if err != nil {
		t.Fatal(err)
	}
	marks, err := findMarks(log, entries, ss)
	if err != nil {
		t.Fatal(err)
	}
	all := planReplay(entries, marks)
	st := replayStats{flushes: len(all) - 1, marks: len(marks), marked: make([]int, crashlog.Writers)}
	if len(marks) > 0 {
		st.marked = marks[len(marks)-1].acked
	}

	disk := filepath.Join(work, "replayed.img")
	if err := copyFile(disk, base); err != nil {
		t.Fatal(err)
	}
	img, err := os.OpenFile(disk, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	check := func(name string, p replayPoint) {
		st.checked++
		required, short := checkReplayed(t, b, name, img, work, p.required)
		st.required, st.short = max(st.required, required), max(st.short, short)
	}
	points := spread(all, n)
	if points[0].entry == -1 {
		check("the disk as the write log began", points[0])
		points = points[1:]
	}
	var data []byte
	for i, e := range entries {
		if e.flags&logDiscard != 0 || e.sectors > 0 {
			data = resize(data, int(e.sectors)*int(ss))
			if e.flags&logDiscard != 0 {
				// What a discarded range reads back as is not defined;
				// zeroes are one thing it may.
				clear(data)
			} else if _, err := log.ReadAt(data, e.data); err != nil {
				t.Fatalf("write log entry %d: reading its data: %v", i, err)
			}
			if _, err := img.WriteAt(data, int64(e.sector)*ss); err != nil {
				t.Fatal(err)
			}
			if e.flags&logDiscard == 0 {
				st.writes++
			}
		}
		if len(points) > 0 && points[0].entry == i {
			check(fmt.Sprintf("the disk as write log entry %d, a flush, left it", i), points[0])
			points = points[1:]
		}
	}
	// The end: every write, also those after the last flush, as the
	// guest's next boot finds the disk.
	check("the end of the write log", replayPoint{len(entries) - 1, st.marked})
	return st
}

// checkReplayed recovers the log on a copy of img and fails the test
// unless every record of marked is there and every record checks. It
// returns how many records marked counts, and how many of them were not
// recovered.
func checkReplayed(t *testing.T, b *crashBuild, point string, img *os.File, work string, marked []int) (required, short int) {
	t.Helper()
	snap := filepath.Join(work, "snapshot.img")
	if err := copyFile(snap, img.Name()); err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(work, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "ext4", "-o", "loop", snap, mnt).CombinedOutput(); err != nil {
		t.Fatalf("%s: mounting the replayed image: %v: %s", point, err, out)
	}
	defer func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Fatalf("%s: umount %s: %v: %s", point, mnt, err, out)
		}
	}()
	r, err := b.recoverReplayed(mnt)
	if err != nil {
		t.Errorf("%s: %v", point, err)
		return 0, 0
	}
	if r.Bad > 0 {
		t.Errorf("%s: the recovered log has %d records that do not check; the first: %s", point, r.Bad, r.Problem)
	}
	var missing []string
	for w, n := range marked {
		required += n
		if r.PerWriter[w] < n {
			short += n - r.PerWriter[w]
			missing = append(missing, fmt.Sprintf("writer %d %d of %d", w, r.PerWriter[w], n))
		}
	}
	if short > 0 {
		t.Errorf("%s: %d of the %d records acknowledged before the next flush were not recovered (%s)", point, short, required, strings.Join(missing, ", "))
	}
	return required, short
}

// recoverLog recovers the log's guest's log on the file system mounted on
// mnt, as its next boot would, and returns what it found.
func recoverLog(mnt string) (crashlog.Recovery, error) {
	l, r, err := crashlog.Recover(filepath.Join(mnt, "wal.log"))
	if err != nil {
		return r, fmt.Errorf("recovering the log: %w", err)
	}
	if err := l.Close(); err != nil {
		return r, fmt.Errorf("closing the recovered log: %w", err)
	}
	return r, nil
}

// replayPointsFromEnv returns how many flush points a replay checks.
func replayPointsFromEnv() (int, error) {
	v := os.Getenv(envReplayPoints)
	if v == "" {
		return replayPoints, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a number of flush points, 1 or more", envReplayPoints, v)
	}
	return n, nil
}

// canMountImages returns why the host cannot loop-mount the replayed
// images, or nil. A host that cannot fails the replay run rather than
// skipping it.
func canMountImages() error {
	if os.Geteuid() != 0 {
		return errors.New("the replay run mounts the replayed images, which needs root")
	}
	return nil
}

func resize(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// copyFile makes dst a copy of src.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// replaySeries is the replay run: c.kills boots on one image, each
// appending for crashlog.ReplayAppendTime under blklogwrites, then
// powering off; after each, the replay of its write log.
func replaySeries(t *testing.T, c crashConfig, b *crashBuild, logs string) crashStats {
	if err := canMountImages(); err != nil {
		t.Fatalf("%v: run it as root, or leave it out with %s", err, envCrashConfigs)
	}
	points, err := replayPointsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	st := crashStats{kernel: filepath.Base(b.kernelDir)}
	dir := t.TempDir()
	img := filepath.Join(dir, "ext4.img")
	if err := buildImage(testvm.Ext4, img, dir); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "base.img")
	acked := make([]int, crashlog.Writers)
	for boot := range c.kills {
		if err := copyFile(base, img); err != nil {
			t.Fatal(err)
		}
		wlog := filepath.Join(dir, fmt.Sprintf("boot%d.wlog", boot))
		if err := os.WriteFile(wlog, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		disk := guestDisk{disk: testvm.Ext4, image: img, cache: c.cache, writeLog: wlog}
		shared, console, err := crashBoot(c, b, disk, logs, fmt.Sprintf("boot%d", boot), crashlog.ModeReplay, 0)
		if err != nil {
			t.Fatalf("boot %d: %v (console in %s)", boot, err, console)
		}
		r, err := readRecovery(filepath.Join(shared, crashlog.RecoveredFile))
		if err != nil {
			t.Fatalf("boot %d: %v (console in %s)", boot, err, console)
		}
		_, lost := checkRecovered(t, boot, r, acked)
		st.lost += lost
		if r.Reset {
			clear(acked)
		}
		for _, f := range checkEvents(filepath.Join(shared, "results.json"), readGuestEvents).failures {
			t.Errorf("boot %d: %s (console in %s)", boot, f, console)
		}
		n, err := readAcks(filepath.Join(shared, crashlog.AcksFile), acked)
		if err != nil {
			t.Fatalf("boot %d: %v", boot, err)
		}
		st.kills++
		st.acked += n

		replayStart := time.Now()
		rs := replayFlushPoints(t, b, base, wlog, dir, points)
		st.flushes += rs.flushes
		st.checked += rs.checked
		st.lost += rs.short
		// The guest's last mark comes after its writers stopped: it must
		// count every acknowledgement, or the replay proved less than the
		// acknowledgements say.
		for w := range acked {
			if rs.marked[w] != acked[w] {
				t.Errorf("boot %d: the last mark counts %d records of writer %d, the guest acknowledged %d", boot, rs.marked[w], w, acked[w])
			}
		}
		if rs.required == 0 {
			t.Errorf("boot %d: no crash state checked had to hold a record (%d marks, %d flushes)", boot, rs.marks, rs.flushes)
		}
		t.Logf("boot %d: %d records acknowledged; write log of %d writes, %d flushes, %d marks; %d crash states replayed and recovered in %v, the most demanding holding %d records",
			boot, n, rs.writes, rs.flushes, rs.marks, rs.checked, time.Since(replayStart).Round(time.Second), rs.required)
		os.Remove(wlog)
	}
	return st
}

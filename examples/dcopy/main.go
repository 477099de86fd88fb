// Command dcopy copies a file with O_DIRECT through kernel AIO: reads ahead
// and writes behind, Depth requests of Chunk bytes in flight on each side,
// without going through the page cache. The copy has the source's exact
// length, whatever it is.
//
//	dcopy [-chunk 1m] [-depth 4] [-sync] [-q] SRC DST
//
// It prints a progress line while it copies, and then what it measured: the
// rate, the CPU time it used, and how much the page cache grew meanwhile
// (Cached in /proc/meminfo, which other programs move too). With -sync the
// copy is on stable storage when dcopy returns. DST is created, or
// truncated; both files must be on filesystems with O_DIRECT, or be block
// devices.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/linuxaio/aio"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dcopy:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dcopy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	chunk := fs.String("chunk", "1m", "bytes per request (k, m suffixes), a multiple of the files' block size")
	depth := fs.Int("depth", 4, "requests in flight on each side")
	durable := fs.Bool("sync", false, "make the copy durable (fdatasync) before returning")
	quiet := fs.Bool("q", false, "no progress line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dcopy [-chunk 1m] [-depth 4] [-sync] [-q] SRC DST")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("want a source and a destination")
	}
	chunkSize, err := parseSize(*chunk)
	if err != nil {
		return fmt.Errorf("-chunk %q: %v", *chunk, err)
	}
	opts := &aio.StreamOptions{ChunkSize: chunkSize, Depth: *depth}

	inFlight := *depth
	if inFlight <= 0 {
		inFlight = 4 // the streams' default, or an error from them
	}
	c, err := aio.NewContext(2 * inFlight)
	if err != nil {
		return err
	}
	defer c.Close()
	src, err := c.OpenFile(fs.Arg(0), os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := c.OpenFile(fs.Arg(1), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer dst.Close()

	cachedBefore := cachedBytes()
	cpuBefore := cpuTime()
	start := time.Now()
	r := aio.NewReader(src, 0, opts)
	defer r.Close()
	w := aio.NewWriter(dst, 0, opts)
	defer w.Close()
	p := &progress{w: w, out: stderr, total: fi.Size(), start: start, quiet: *quiet}
	n, err := io.Copy(p, r)
	if err != nil {
		return err
	}
	if *durable {
		err = w.Sync()
	} else {
		err = w.Close()
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpuBefore
	p.finish()

	mib := float64(n) / (1 << 20)
	fmt.Fprintf(stdout, "copied %d bytes in %.2f s: %.0f MB/s, %.0f ms of CPU (%.2f ms per MiB)",
		n, elapsed.Seconds(), float64(n)/1e6/elapsed.Seconds(), cpu.Seconds()*1e3, cpu.Seconds()*1e3/max(mib, 1e-9))
	if cachedBefore >= 0 {
		if after := cachedBytes(); after >= 0 {
			fmt.Fprintf(stdout, ", page cache %+.1f MiB", float64(after-cachedBefore)/(1<<20))
		}
	}
	if *durable {
		fmt.Fprint(stdout, ", durable")
	}
	fmt.Fprintln(stdout)
	return nil
}

// parseSize parses a byte count with an optional k, m or g suffix (powers
// of 1024).
func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(strings.ToLower(s), "k"):
		mult = 1 << 10
	case strings.HasSuffix(strings.ToLower(s), "m"):
		mult = 1 << 20
	case strings.HasSuffix(strings.ToLower(s), "g"):
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > math.MaxInt32/mult {
		return 0, errors.New("want a positive size such as 4096, 256k or 1m")
	}
	return n * mult, nil
}

// progress counts what goes to the Writer and prints a progress line.
type progress struct {
	w       io.Writer
	out     io.Writer
	total   int64
	done    int64
	start   time.Time
	printed time.Time
	quiet   bool
}

func (p *progress) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if now := time.Now(); !p.quiet && now.Sub(p.printed) >= 500*time.Millisecond {
		p.printed = now
		p.line(now)
	}
	return n, err
}

func (p *progress) line(now time.Time) {
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	rate := float64(p.done) / 1e6 / max(now.Sub(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.out, "\r%.0f of %.0f MiB (%3.0f%%), %.0f MB/s ", float64(p.done)/(1<<20), float64(p.total)/(1<<20), pct, rate)
}

// finish ends the progress line, if one was printed.
func (p *progress) finish() {
	if !p.quiet && !p.printed.IsZero() {
		p.line(time.Now())
		fmt.Fprintln(p.out)
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cachedBytes returns Cached of /proc/meminfo, or -1.
func cachedBytes() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "Cached:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

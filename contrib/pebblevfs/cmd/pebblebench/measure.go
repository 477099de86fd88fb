package main

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The FSes compared: the aio FS of pebblevfs and vfs.Default.
const (
	aioFS     = "pebblevfs"
	defaultFS = "vfs.Default"
)

var fsKinds = []string{aioFS, defaultFS}

// A result is one run: one FS, one count of readers. A child process
// prints it as JSON for the parent.
type result struct {
	FS       string        `json:"fs"`
	Readers  int           `json:"readers"`
	Round    int           `json:"round"`
	Ops      int64         `json:"ops"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	P999     time.Duration `json:"p999_ns"`
	CPUPerOp time.Duration `json:"cpu_per_op_ns"`
	Threads  int           `json:"threads"`
	// MissesPerOp is the block cache's misses per operation: the blocks
	// each read from the file.
	MissesPerOp float64 `json:"cache_misses_per_op"`
	// Ordered, NoReadahead and Buffered are the run's -order sequential,
	// -readahead=false and -buffered, as the child saw them.
	Ordered     bool   `json:"ordered,omitempty"`
	NoReadahead bool   `json:"no_readahead,omitempty"`
	Buffered    string `json:"buffered,omitempty"`
	YCSB        string `json:"ycsb,omitempty"`
	// Fill says the run was a fill (measureFill): Readers counts writers,
	// and DeviceBytesPerUserByte is the bytes written to the DB's device
	// per byte of keys and values committed (0 if it is not a block
	// device).
	Fill                   bool    `json:"fill,omitempty"`
	DeviceBytesPerUserByte float64 `json:"device_bytes_per_user_byte,omitempty"`
	// PageCacheMiB is the page cache of the run's memory cgroup as the
	// measured time ended, or -1 where it is not known.
	PageCacheMiB float64 `json:"page_cache_mib"`
	// Died says why the run's process died, if it did; then nothing
	// else is measured.
	Died string `json:"died,omitempty"`
}

func (r result) opsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// measure opens the DB on the FS named kind with a new block cache and
// runs readers goroutines on it for a second of warm-up and then
// cfg.runtime.
func measure(cfg *config, kind string, readers, keys int) (result, error) {
	fs, closeFS, err := openFS(cfg, kind)
	if err != nil {
		return result{}, err
	}
	cache := pebble.NewCache(cfg.cache)
	defer cache.Unref()
	// A YCSB run updates keys: the DB is opened for writing.
	db, err := pebble.Open(cfg.dir, &pebble.Options{FS: fs, Cache: cache, Logger: quietLogger{}, ReadOnly: cfg.ycsb == "", MaxOpenFiles: maxOpenFiles})
	if err != nil {
		return result{}, errors.Join(err, closeFS())
	}

	newOp := func(g int) func() error {
		rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
		zipf := rand.NewZipf(rng, ycsbSkew, 1, uint64(keys-1))
		value := make([]byte, cfg.value)
		i := rng.IntN(keys)
		return func() error {
			switch {
			case cfg.ycsb != "":
				i = scatter(zipf.Uint64(), keys)
			case cfg.ordered:
				i = (i + 1) % keys
			default:
				i = rng.IntN(keys)
			}
			switch {
			case cfg.ycsb != "" && rng.Float64() >= ycsbReads[cfg.ycsb]:
				return update(db, i, rng, value)
			case rng.Float64() < cfg.scan:
				return scan(db, i, cfg.scanLen)
			default:
				return get(db, i)
			}
		}
	}
	var misses int64
	d, err := drive(cfg.runtime, readers, newOp, func(end bool) {
		if m := db.Metrics().BlockCache.Misses; end {
			misses += m
		} else {
			misses -= m
		}
	})
	err = errors.Join(err, db.Close(), closeFS())
	if err != nil {
		return result{}, err
	}
	r := d.result(kind, readers)
	r.Ordered, r.NoReadahead, r.Buffered, r.YCSB = cfg.ordered, cfg.noReadahead, cfg.buffered, cfg.ycsb
	if r.Ops > 0 {
		r.MissesPerOp = float64(misses) / float64(r.Ops)
	}
	return r, nil
}

// YCSB's workloads A and B: the fraction of operations that read; the
// rest update.
var ycsbReads = map[string]float64{"a": 0.50, "b": 0.95}

// ycsbSkew is the exponent of the keys' Zipf distribution: the most
// popular keys take most operations, as in YCSB (whose constant, 0.99, is
// below what math/rand's Zipf accepts).
const ycsbSkew = 1.1

// scatter maps the rank of a key in popularity to a key, so that the
// popular keys are spread over the DB, as YCSB's scrambled Zipf does.
func scatter(rank uint64, keys int) int {
	return int((rank * 0x9e3779b97f4a7c15 >> 11) % uint64(keys))
}

// update sets key i to value, filled with new random bytes, without Sync,
// as YCSB's updates are.
func update(db *pebble.DB, i int, rng *rand.Rand, value []byte) error {
	for j := 0; j+8 <= len(value); j += 8 {
		binary.LittleEndian.PutUint64(value[j:], rng.Uint64())
	}
	return db.Set(key(i), value, pebble.NoSync)
}

func get(db *pebble.DB, i int) error {
	v, closer, err := db.Get(key(i))
	if err != nil {
		return err
	}
	_ = v
	return closer.Close()
}

func scan(db *pebble.DB, i, n int) error {
	it, err := db.NewIter(nil)
	if err != nil {
		return err
	}
	for valid, k := it.SeekGE(key(i)), 0; valid && k < n; valid, k = it.Next(), k+1 {
		if _, err := it.ValueAndErr(); err != nil {
			it.Close()
			return err
		}
	}
	return it.Close()
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// cpuTime returns the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startThreadSampler samples the process's OS threads every 5 ms and
// returns a function that stops it and returns the most it saw.
func startThreadSampler() func() int {
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		most := threadCount()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- most
				return
			case <-tick.C:
				most = max(most, threadCount())
			}
		}
	}()
	return func() int { close(stop); return <-done }
}

// threadCount returns the Threads line of /proc/self/status.
func threadCount() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// maxOpenFiles is Pebble's MaxOpenFiles here: more than the tables of the
// DB (about 2,200 for 4 GiB), so that reads find their table open, as an
// engine over a DB this large should configure it. With Pebble's default
// (1,000) most Gets would open a table first, which is then what is
// measured.
const maxOpenFiles = 16384

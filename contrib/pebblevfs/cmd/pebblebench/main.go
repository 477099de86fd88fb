// Command pebblebench measures Pebble's random reads on the aio FS of
// pebblevfs against vfs.Default, side by side in one run.
//
// It builds a DB in -dir once (about -size bytes of incompressible values;
// kept for later runs), then for each round and each count of -readers
// opens the DB with each FS in turn, a new block cache of -cache bytes each
// time, and keeps that many goroutines doing point reads (Get) and, for
// -scan of the operations, scans (-scanlen keys from a key), for -runtime
// after a second of warm-up. The keys are random, or with -order
// sequential, each reader's next key after its last, from a random one.
// With -ycsb a or b each operation is a Get or, for half of them (a) or one
// in twenty (b), an update of the key without Sync, on Zipf-distributed
// keys, as in YCSB's workloads A and B; the DB is then opened for writing
// and changed. -readahead=false turns pebblevfs's read-ahead off, and
// -buffered sends
// some of its parts through the page cache, to measure what each does. With -fill it writes instead: -readers goroutines commit batches of
// 100 keys with -value bytes each, every batch with Sync, into a new DB
// beside -dir, while Pebble flushes and compacts; an operation is then a
// batch, and the report adds the bytes written to the device per byte
// committed. It reports ops/s, the
// p50/p99/p99.9 latency of an operation, CPU per operation (user and
// system time of the process) and the most OS threads the process had, per
// round and as medians over the rounds with the ratio of the aio FS to
// vfs.Default.
//
// To have buffered reads miss, run it in a cgroup whose memory limit is
// smaller than the DB (bench.sh beside it does that), and drop the page
// cache before it starts.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

type config struct {
	dir     string
	size    int64
	readers []int
	rounds  int
	runtime time.Duration
	cache   int64
	scan    float64
	scanLen int
	ordered bool   // each reader reads keys in order
	fill    bool   // writers commit synced batches into a new DB
	ycsb    string // "a" or "b": YCSB's workload, or "" for reads
	// noReadahead turns pebblevfs's read-ahead off (Options.NoReadahead).
	noReadahead bool
	// buffered is -buffered: the parts of pebblevfs sent to the page
	// cache instead (wal, tables, sequential), comma-separated.
	buffered string
	value    int
	loadOnly bool
	fsOnly   string
	profile  string
	child    bool
	// maxThreads is the OS thread limit of each run (debug.SetMaxThreads);
	// 0 leaves Go's default, 10,000.
	maxThreads int
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pebblebench:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "pebblebench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("pebblebench", flag.ContinueOnError)
	var readers, order string
	readahead := true
	fs.StringVar(&cfg.dir, "dir", "", "`directory` of the DB, built there if it holds none (required)")
	fs.Int64Var(&cfg.size, "size", 4<<30, "approximate `bytes` of values in the DB when it is built")
	fs.StringVar(&readers, "readers", "64,256", "comma list of reading goroutine `counts`")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds, each running every FS and reader count once")
	fs.DurationVar(&cfg.runtime, "runtime", 10*time.Second, "measured `duration` of each run")
	fs.Int64Var(&cfg.cache, "cache", 64<<20, "block cache `bytes`")
	fs.Float64Var(&cfg.scan, "scan", 0.1, "`fraction` of operations that are short scans instead of Gets")
	fs.IntVar(&cfg.scanLen, "scanlen", 10, "`keys` read by a short scan")
	fs.StringVar(&order, "order", "random", "`order` of the keys each reader reads: random, or sequential from a random key")
	fs.BoolVar(&cfg.fill, "fill", false, "write instead of reading: -readers goroutines commit synced batches of 100 keys into a new DB beside -dir")
	fs.StringVar(&cfg.ycsb, "ycsb", "", "YCSB `workload` instead of reads: a (50% Gets, 50% updates) or b (95% Gets), on Zipf-distributed keys, updating the DB")
	fs.StringVar(&cfg.buffered, "buffered", "", "comma `list` of pebblevfs's parts to send through the page cache instead: wal (Options.BufferedWAL), tables (BufferedWrites), sequential (BufferedSequentialReads)")
	fs.BoolVar(&readahead, "readahead", true, "let pebblevfs read ahead (false: Options.NoReadahead)")
	fs.IntVar(&cfg.value, "value", 1024, "`bytes` of each value when the DB is built")
	fs.BoolVar(&cfg.loadOnly, "load", false, "only build the DB (if needed) and exit")
	fs.StringVar(&cfg.fsOnly, "fs", "", "run only this `FS` ("+strings.Join(fsKinds, " or ")+"), as for profiling")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of each run into `file`.FS.READERS")
	fs.IntVar(&cfg.maxThreads, "maxthreads", 0, "OS thread `limit` of each run, past which Go crashes the run's process (debug.SetMaxThreads; 0: Go's default, 10000)")
	fs.BoolVar(&cfg.child, "child", false, "run one -fs and one -readers in this process and print the result as JSON (used by the parent)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch order {
	case "random":
	case "sequential":
		cfg.ordered = true
	default:
		return nil, fmt.Errorf("-order %q: want random or sequential", order)
	}
	if cfg.ycsb != "" && ycsbReads[cfg.ycsb] == 0 {
		return nil, fmt.Errorf("-ycsb %q: want a or b", cfg.ycsb)
	}
	cfg.noReadahead = !readahead
	if _, err := aioOptions(cfg); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every setting is a flag", fs.Arg(0))
	}
	if cfg.fsOnly != "" && !slices.Contains(fsKinds, cfg.fsOnly) {
		return nil, fmt.Errorf("-fs %q: want %s", cfg.fsOnly, strings.Join(fsKinds, " or "))
	}
	if cfg.dir == "" {
		return nil, fmt.Errorf("-dir is required: the directory of the DB")
	}
	for _, s := range strings.Split(readers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-readers %q: want a comma list of counts of 1 or more", readers)
		}
		cfg.readers = append(cfg.readers, n)
	}
	if cfg.child && (cfg.fsOnly == "" || len(cfg.readers) != 1) {
		return nil, fmt.Errorf("-child needs one -fs and one count in -readers")
	}
	switch {
	case cfg.size < 1<<20:
		return nil, fmt.Errorf("-size %d: want at least 1 MiB", cfg.size)
	case cfg.maxThreads < 0:
		return nil, fmt.Errorf("-maxthreads %d: want a count, or 0 for Go's default", cfg.maxThreads)
	case cfg.rounds < 1:
		return nil, fmt.Errorf("-rounds %d: want 1 or more", cfg.rounds)
	case cfg.runtime <= 0:
		return nil, fmt.Errorf("-runtime %v: want a positive duration", cfg.runtime)
	case cfg.cache < 1<<20:
		return nil, fmt.Errorf("-cache %d: want at least 1 MiB", cfg.cache)
	case cfg.scan < 0 || cfg.scan > 1:
		return nil, fmt.Errorf("-scan %v: want a fraction from 0 to 1", cfg.scan)
	case cfg.scanLen < 1:
		return nil, fmt.Errorf("-scanlen %d: want 1 or more", cfg.scanLen)
	case cfg.value < 1 || cfg.value > 1<<20:
		return nil, fmt.Errorf("-value %d: want 1 to 1 MiB", cfg.value)
	}
	return cfg, nil
}

func run(cfg *config) error {
	keys := 0
	if !cfg.fill {
		var err error
		if keys, err = loadDB(cfg); err != nil {
			return err
		}
	}
	if cfg.loadOnly {
		return nil
	}
	if cfg.child {
		return runChildProfiled(cfg, keys)
	}
	var results []result
	for round := range cfg.rounds {
		for _, readers := range cfg.readers {
			// Alternate which FS goes first, so that neither always follows
			// the other's page cache.
			order := fsKinds
			if round%2 == 1 {
				order = []string{fsKinds[1], fsKinds[0]}
			}
			for _, kind := range order {
				if cfg.fsOnly != "" && kind != cfg.fsOnly {
					continue
				}
				r, err := measureInChild(cfg, kind, readers)
				if reason, ok := died(err); ok {
					// How a run dies is a result: a pool of
					// blocked threads past Go's limit crashes.
					r, err = result{FS: kind, Readers: readers, Died: reason}, nil
				}
				if err != nil {
					return fmt.Errorf("%s, %d readers: %w", kind, readers, err)
				}
				r.Round = round
				fmt.Fprintf(os.Stderr, "round %d: %s\n", round+1, r.line())
				results = append(results, r)
			}
		}
	}
	printReport(os.Stdout, cfg, keys, results)
	return nil
}

// runChildProfiled is runChild, under the CPU profiler if -cpuprofile asks.
func runChildProfiled(cfg *config, keys int) error {
	if cfg.profile == "" {
		return runChild(cfg, keys)
	}
	f, err := os.Create(cfg.profile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return runChild(cfg, keys)
}

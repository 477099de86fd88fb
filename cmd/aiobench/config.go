package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// engineNames lists the engines in the order that reports show them.
var engineNames = []string{"aio", "aio-batch", "aio-stream", "getevents", "pread", fdatasyncEngine, "fio", "fio-best"}

// Limits that keep a mistyped flag from asking for something absurd.
const (
	maxQueueDepth = 4096
	maxBlockSize  = 64 << 20
	maxRounds     = 1000
	// directIOAlignment is the alignment that O_DIRECT asks of sizes and
	// offsets on common devices: the 512-byte logical sector.
	directIOAlignment = 512
)

// A config is what the command line asks for.
type config struct {
	dir         string // where the temporary file goes when file is empty
	file        string // file or block device to test
	size        int64  // bytes of the target to use; 0 means the default
	pattern     string // one of accessPatterns
	readMix     int    // percentage of reads for randrw
	sync        string // one of syncModes: whether every write is durable
	blockSize   int
	queueDepths []int
	runtime     time.Duration
	engines     []string
	compare     bool
	rounds      int
	jsonOutput  bool
	plotPath    string
	goals       bool   // print the ratio table and the verdict on the goals
	strict      bool   // a missed goal makes the exit status 1
	describe    string // what the target is, for the report's header
	savePath    string // where to write the JSON report as well
	probePath   string // with -probe: print aio.Probe's table for it, and nothing else
	log         bool   // -log: compare the logs of examples/wal (log_config.go)
	writers     []int  // with -log: goroutines appending at once
	recordSizes []int  // with -log: bytes of each record

	// defaultComparison is set when neither -engine nor -compare chose the
	// engines: they are then defaultEngines, fio left out if not installed.
	defaultComparison bool
	explain           bool     // explain the text report's rows and sum it up (explain.go)
	args              []string // the command line, for advice that repeats it
}

// parseConfig reads the command line. A bad flag or value gives an error
// of one line that names the flag; the usage is printed, to help, only when
// asked for with -help, and then parseConfig returns flag.ErrHelp.
func parseConfig(args []string, help io.Writer) (*config, error) {
	cfg := &config{
		dir:       ".",
		pattern:   "randread",
		readMix:   50,
		sync:      syncNone,
		blockSize: 4096,
		runtime:   defaultRuntime,
		rounds:    1,
		args:      args,
	}
	fs := flag.NewFlagSet("aiobench", flag.ContinueOnError)
	// Left to itself, the flag package would print every error followed by
	// the whole usage; run prints the error alone instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	size := byteSize(0)
	blockSize := byteSize(cfg.blockSize)
	queueDepths := "32"
	engines := ""
	fs.StringVar(&cfg.dir, "dir", cfg.dir, "`directory` for the temporary test file, which is removed afterwards;\nits filesystem must support O_DIRECT (tmpfs before Linux 6.6 does not)")
	fs.StringVar(&cfg.file, "file", "", "`path` of a file or block device to test instead of a temporary file;\na missing file is created and filled to -size and kept.\nWrite patterns overwrite its data")
	fs.Var(&size, "size", "`bytes` of the target to use, such as 64m or 1g\n(default 64 MiB for a new file, all of an existing file or device)")
	fs.StringVar(&cfg.pattern, "rw", cfg.pattern, "access `pattern`: "+strings.Join(accessPatterns, ", ")+";\nrandrw reports reads and writes apart as well as together")
	fs.Var(intRange{&cfg.readMix, 0, 100}, "rwmix", "`percentage` of reads for -rw randrw")
	fs.StringVar(&cfg.sync, "sync", cfg.sync, "`mode` of writes: none, or dsync to make every write durable before it completes\n"+
		"(RWF_DSYNC on each aio and getevents write, O_DSYNC for pread and fio's --sync=dsync;\n"+
		"the "+fdatasyncEngine+" engine runs only then); it needs a pattern that writes")
	fs.Var(&blockSize, "bs", "`bytes` in each I/O, a multiple of 512")
	fs.StringVar(&queueDepths, "qd", queueDepths, "I/Os kept in flight: one `depth`, or a comma list such as 1,8,32,128 to sweep")
	fs.Var(positiveDuration{&cfg.runtime}, "runtime", "measured `duration` of each run")
	fs.StringVar(&engines, "engine", engines, "`engine`, or a comma list of them: "+strings.Join(engineNames, ", ")+
		";\nwithout it or -compare, the default comparison: "+strings.Join(defaultEngines, ", ")+" (fio left out if not installed)")
	fs.Var(switchFlag{&cfg.compare}, "compare", "run every engine that makes sense for the workload, fio included if installed,\nand show ratios to fio and pread")
	fs.Var(switchFlag{&cfg.explain}, "explain", "after the text report's table, explain each engine and column in a line, and sum up\n"+
		"in a sentence what the measured ratios show (default true without -engine and -compare)")
	fs.Var(intRange{&cfg.rounds, 1, maxRounds}, "rounds", "run each engine this many `times`, alternating, and report medians")
	fs.Var(switchFlag{&cfg.jsonOutput}, "json", "print the report as JSON")
	fs.StringVar(&cfg.plotPath, "plot", "", "draw IOPS (MB/s with -bs 1m or more) and p99 latency against queue depth\n"+
		"into this `file`, as PNG or SVG after its extension (.png or .svg); needs aiobench\n"+
		"built with the plot tag, which brings in gonum.org/v1/plot: go run -tags plot . -plot FILE")
	fs.Var(switchFlag{&cfg.goals}, "goals", "after the report, print the ratios between engines with their spread over rounds\nand a PASS/MISS verdict on each of the aio package's goals (listed above)")
	fs.Var(switchFlag{&cfg.strict}, "strict", "with -goals, exit with status 1 when a goal is missed")
	fs.StringVar(&cfg.savePath, "save", "", "also write the report as JSON into `file`, whatever -json says")
	fs.StringVar(&cfg.describe, "describe", "", "`text` describing the target in the report, such as \"loop over /dev/shm\"")
	fs.Var(switchFlag{&cfg.log}, "log", "instead of engines doing I/O, compare the group-commit logs of examples/wal:\n"+
		"aio-log (wal.Log) and groupcommit-log (wal.GroupCommitLog), each run on a new log\n"+
		"file in -dir, removed afterwards; takes -writers, -record, -engine, -rounds,\n"+
		"-runtime, -goals, -strict, -json, -save and -describe")
	writers, records := defaultLogWriters, defaultLogRecords
	fs.StringVar(&writers, "writers", writers, "with -log: `counts` of goroutines appending at once, a comma list")
	fs.StringVar(&records, "record", records, "with -log: record `sizes`, a comma list of byte counts up to "+formatSize(maxLogRecord))
	fs.StringVar(&cfg.probePath, "probe", "", "instead of measuring, print what this kernel and the filesystem of `path`\n(a directory, or a file, which is only read) support for AIO, found by trying\neach thing, and whether io_submit waits there; it takes no other flags")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(help, "Usage: aiobench [flags]\n\n%s\nFlags:\n", usageSummary)
			fs.SetOutput(help)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every setting is a flag, such as -rw randread", fs.Arg(0))
	}
	if probing(fs) {
		switch {
		case cfg.probePath == "":
			return nil, errors.New(`-probe "": name a directory, or a file on the filesystem to probe`)
		case fs.NFlag() > 1:
			return nil, errors.New("-probe takes no other flags: it measures nothing else")
		}
		return cfg, nil
	}
	set := setFlags(fs)
	if cfg.log {
		return cfg, cfg.parseLog(set, engines, writers, records)
	}
	if err := logOnlyProblem(set); err != nil {
		return nil, err
	}
	cfg.size = int64(size)
	cfg.blockSize = int(blockSize)
	var err error
	if cfg.queueDepths, err = parseQueueDepths(queueDepths); err != nil {
		return nil, err
	}
	if set["engine"] {
		if cfg.engines, err = parseEngines(engines); err != nil {
			return nil, err
		}
	}
	switch {
	case cfg.compare:
		cfg.engines = comparedEngines(cfg.sync)
	case !set["engine"]:
		cfg.engines = slices.Clone(defaultEngines)
		cfg.defaultComparison = true
	}
	if !set["explain"] {
		cfg.explain = cfg.defaultComparison
	}
	return cfg, cfg.validate()
}

// probing reports whether the command line has -probe, even with an empty
// path.
func probing(fs *flag.FlagSet) bool {
	return setFlags(fs)["probe"]
}

// setFlags returns the names of the flags that the command line sets.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// usageSummary opens the help text.
var usageSummary = `aiobench measures O_DIRECT I/O from Go, the way fio measures it from C.
Without flags it compares, on a 64 MiB temporary file in the current
directory (or -dir), 4 KiB random reads with 32 in flight for 4 s each:
the aio package's goroutine API (aio) and batch API (aio-batch), plain Go's
pool of goroutines calling os.File.ReadAt (pread), and fio if installed;
it explains each row and sums up the ratios in a sentence (-explain).

Engines:
  aio        -qd goroutines, each calling aio.File.ReadAt or WriteAt
  aio-batch  one goroutine keeping -qd aio.Requests in flight
             with Context.Submit and Context.Wait
  getevents  the simplest Go peer of aio-batch, written without the aio
             package: one goroutine, one io_submit of every free iocb, then
             io_getevents(min_nr=1, nr=-qd) blocking in the kernel
  pread      -qd goroutines, each calling os.File.ReadAt or WriteAt
             on a file opened with O_DIRECT (and O_DSYNC with -sync dsync,
             which makes it a pool of durable pwrites; it keeps its name)
  pwrite+fdatasync
             -qd goroutines, each calling os.File.WriteAt (O_DIRECT), then
             fdatasync on the file: a durable write as Go programs do it
             today, counted as one I/O whose latency includes the
             fdatasync; with -sync dsync only
  fio        fio --ioengine=libaio --direct=1 with the same settings,
             fio's defaults otherwise: one I/O per io_submit, and
             io_getevents for at least one completion
  fio-best   the same with the batching that made fio fastest here:
             ` + fioBestHelp + `

With -sync dsync every write is durable when it completes: aio and
aio-batch put aio.FlagDSync (RWF_DSYNC) on each write, getevents sets
RWF_DSYNC in its iocbs' aio_rw_flags, pread opens the target with O_DSYNC,
and fio and fio-best run with --sync=dsync.

With -log, aiobench compares the group-commit logs of examples/wal instead,
each Append returning once its record is durable, on a new log file in -dir
per run: -writers goroutines append records of each -record size.
  aio-log          wal.Log: O_DIRECT blocks written with RWF_DSYNC through
                   the aio package
  groupcommit-log  wal.GroupCommitLog: os.File.Write and fdatasync from one
                   flusher goroutine, as etcd's and pebble's WALs do

Every run of a Go engine happens in a fresh process, so that OS threads and
memory left over from earlier runs do not count.

Goals (-goals), each checked on the median over rounds of the ratio within
a round:
` + goalsHelp()

// validate checks the settings that parsing alone does not. Its error has
// one line, the problems separated by semicolons.
func (cfg *config) validate() error {
	var problems []string
	if !slices.Contains(accessPatterns, cfg.pattern) {
		problems = append(problems, fmt.Sprintf("-rw %q: want one of %s", cfg.pattern, strings.Join(accessPatterns, ", ")))
	}
	if cfg.blockSize <= 0 || cfg.blockSize%directIOAlignment != 0 || cfg.blockSize > maxBlockSize {
		problems = append(problems, fmt.Sprintf("-bs %d: O_DIRECT needs a multiple of %d bytes, at most %s",
			cfg.blockSize, directIOAlignment, formatSize(maxBlockSize)))
	}
	if cfg.size != 0 && cfg.blockSize > 0 && cfg.size < int64(cfg.blockSize) {
		problems = append(problems, fmt.Sprintf("-size %d is smaller than one block (-bs %d): give a larger -size or a smaller -bs",
			cfg.size, cfg.blockSize))
	}
	if cfg.strict && !cfg.goals {
		problems = append(problems, "-strict judges the goals: add -goals")
	}
	problems = append(problems, cfg.syncProblems()...)
	switch {
	case cfg.plotPath == "":
	case plotFormat(cfg.plotPath) == "":
		problems = append(problems, fmt.Sprintf("-plot %q: name a .png or a .svg file, whose extension sets the image format", cfg.plotPath))
	case !plotBuilt:
		problems = append(problems, plotNotBuilt(cfg.plotPath, cfg.args).Error())
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

// parseQueueDepths reads -qd: one depth or a comma list of them.
func parseQueueDepths(s string) ([]int, error) {
	var depths []int
	for field := range strings.SplitSeq(s, ",") {
		field = strings.TrimSpace(field)
		qd, err := strconv.Atoi(field)
		if err != nil || qd < 1 || qd > maxQueueDepth {
			return nil, fmt.Errorf("-qd %q: want queue depths from 1 to %d, separated by commas", s, maxQueueDepth)
		}
		if !slices.Contains(depths, qd) {
			depths = append(depths, qd)
		}
	}
	return depths, nil
}

// parseEngines reads -engine: one engine or a comma list, reordered as
// engineNames lists them.
func parseEngines(s string) ([]string, error) {
	var engines []string
	for field := range strings.SplitSeq(s, ",") {
		field = strings.TrimSpace(field)
		if slices.Contains(logEngineNames, field) {
			return nil, fmt.Errorf("-engine %s is a log: add -log, which compares the logs", field)
		}
		if !slices.Contains(engineNames, field) {
			return nil, fmt.Errorf("-engine %q: want %s, or a comma list of them", field, strings.Join(engineNames, ", "))
		}
		engines = append(engines, field)
	}
	var ordered []string
	for _, name := range engineNames {
		if slices.Contains(engines, name) {
			ordered = append(ordered, name)
		}
	}
	return ordered, nil
}

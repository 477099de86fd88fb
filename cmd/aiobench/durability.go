package main

import (
	"fmt"
	"slices"
	"strings"
)

// With -sync dsync every write of a run is durable when it completes: on
// the device's stable storage, not only in its volatile cache. Each engine
// asks for that in its own way, all with the same meaning as the kernel's
// RWF_DSYNC (see KERNEL-AIO-FACTS.md, "Durable writes"):
//
//	aio, aio-batch   aio.FlagDSync on every write request
//	getevents        RWF_DSYNC in every write iocb's aio_rw_flags
//	pread            the target opened with O_DSYNC as well as O_DIRECT
//	fio, fio-best    --sync=dsync, which opens the target with O_DSYNC
//	pwrite+fdatasync os.File.WriteAt, then fdatasync(2) on the file
//
// Reads are unchanged: only writes have anything to make durable.

// The values of -sync.
const (
	syncNone  = "none"
	syncDSync = "dsync"
)

// syncModes lists the values of -sync.
var syncModes = []string{syncNone, syncDSync}

// fdatasyncEngine names the engine that makes each write durable with an
// fdatasync after it, the way Go programs do durable writes today.
const fdatasyncEngine = "pwrite+fdatasync"

// comparedEngines returns the engines that -compare runs: every engine that
// makes sense for the sync mode. pwrite+fdatasync is there to be compared
// with durable writes, so it runs only with -sync dsync.
func comparedEngines(sync string) []string {
	// aio-stream reads or writes in order only, and runs when it is named
	// (bench/streams.sh does).
	engines := slices.DeleteFunc(slices.Clone(engineNames), func(e string) bool { return e == "aio-stream" })
	if sync == syncDSync {
		return engines
	}
	return slices.DeleteFunc(engines, func(e string) bool { return e == fdatasyncEngine })
}

// syncProblems checks -sync against the pattern and the engines: durable
// writes need writes, and pwrite+fdatasync needs durable writes, so that
// every engine of a comparison does the same work.
func (cfg *config) syncProblems() []string {
	var problems []string
	if !slices.Contains(syncModes, cfg.sync) {
		return []string{fmt.Sprintf("-sync %q: want %s (dsync makes every write durable)", cfg.sync, strings.Join(syncModes, " or "))}
	}
	w, err := newWorkload(cfg.pattern, directIOAlignment, directIOAlignment, cfg.readMix)
	if err != nil {
		return nil // validate reports the pattern
	}
	if cfg.sync == syncDSync && !w.writes() {
		problems = append(problems, fmt.Sprintf("-sync dsync makes writes durable, but -rw %s does no writes: "+
			"use -rw write, randwrite or randrw, or leave -sync out", cfg.pattern))
	}
	if slices.Contains(cfg.engines, fdatasyncEngine) && (cfg.sync != syncDSync || !w.writes()) {
		problems = append(problems, "-engine "+fdatasyncEngine+" makes every write durable with fdatasync: "+
			"it runs with -sync dsync and a pattern that writes (-rw write, randwrite or randrw), "+
			"so that the engines it is compared with make theirs durable too")
	}
	return problems
}

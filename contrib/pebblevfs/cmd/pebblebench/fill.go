package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio/contrib/pebblevfs"
	"golang.org/x/sys/unix"
)

// fillBatch is the keys of each batch a fill commits.
const fillBatch = 100

// measureFill runs writers goroutines that commit batches of fillBatch keys
// of cfg.value bytes each, every one with Sync, into a new DB beside
// cfg.dir (removed before and after), while Pebble flushes and compacts,
// for a second of warm-up and then cfg.runtime. An operation is a batch.
func measureFill(cfg *config, kind string, writers int) (result, error) {
	dir := cfg.dir + ".fill"
	if err := os.RemoveAll(dir); err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	fs, closeFS, err := openFS(cfg, kind)
	if err != nil {
		return result{}, err
	}
	cache := pebble.NewCache(cfg.cache)
	defer cache.Unref()
	db, err := pebble.Open(dir, &pebble.Options{FS: fs, Cache: cache, Logger: quietLogger{}, MaxOpenFiles: maxOpenFiles})
	if err != nil {
		return result{}, errors.Join(err, closeFS())
	}

	newOp := func(g int) func() error {
		rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
		fill := rand.NewChaCha8([32]byte{byte(g), 1})
		v := make([]byte, cfg.value)
		return func() error {
			b := db.NewBatch()
			defer b.Close()
			for range fillBatch {
				_, _ = fill.Read(v)
				_ = b.Set(key(rng.IntN(1<<30)), v, nil)
			}
			return b.Commit(pebble.Sync)
		}
	}
	var written int64
	onDevice := true
	d, err := drive(cfg.runtime, writers, newOp, func(end bool) {
		w := deviceWritten(dir)
		onDevice = onDevice && w >= 0
		if end {
			written += w
		} else {
			written -= w
		}
	})
	err = errors.Join(err, db.Close(), closeFS())
	if err != nil {
		return result{}, err
	}
	r := d.result(kind, writers)
	r.Fill, r.NoReadahead, r.Buffered = true, cfg.noReadahead, cfg.buffered
	if r.Ops > 0 && onDevice {
		user := float64(r.Ops) * fillBatch * float64(cfg.value+len(key(0)))
		r.DeviceBytesPerUserByte = float64(written) / user
	}
	return r, nil
}

// openFS returns the FS named kind and what closes it.
func openFS(cfg *config, kind string) (vfs.FS, func() error, error) {
	if kind != aioFS {
		return vfs.Default, func() error { return nil }, nil
	}
	opts, err := aioOptions(cfg)
	if err != nil {
		return nil, nil, err
	}
	afs, err := pebblevfs.New(opts)
	if err != nil {
		return nil, nil, err
	}
	return afs, afs.Close, nil
}

// aioOptions returns pebblevfs's options for -readahead and -buffered.
func aioOptions(cfg *config) (*pebblevfs.Options, error) {
	opts := &pebblevfs.Options{NoReadahead: cfg.noReadahead}
	if cfg.buffered == "" {
		return opts, nil
	}
	for _, part := range strings.Split(cfg.buffered, ",") {
		switch strings.TrimSpace(part) {
		case "wal":
			opts.BufferedWAL = true
		case "tables":
			opts.BufferedWrites = true
		case "sequential":
			opts.BufferedSequentialReads = true
		default:
			return nil, fmt.Errorf("-buffered %q: want a comma list of wal, tables and sequential", cfg.buffered)
		}
	}
	return opts, nil
}

// deviceWritten returns the bytes written to the block device that holds
// dir since it came up (its sectors written, from sysfs), or -1 if dir is
// not on a block device.
func deviceWritten(dir string) int64 {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return -1
	}
	raw, err := os.ReadFile(fmt.Sprintf("/sys/dev/block/%d:%d/stat", unix.Major(st.Dev), unix.Minor(st.Dev)))
	if err != nil {
		return -1
	}
	fields := strings.Fields(string(raw))
	if len(fields) < 7 {
		return -1
	}
	sectors, err := strconv.ParseInt(fields[6], 10, 64)
	if err != nil {
		return -1
	}
	return sectors * 512
}

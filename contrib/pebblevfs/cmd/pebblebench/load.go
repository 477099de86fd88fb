package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// countFile, in the DB's directory, holds the number of keys of a finished
// build; a directory without it is built again from nothing.
const countFile = "PEBBLEBENCH-KEYS"

func key(i int) []byte { return fmt.Appendf(nil, "key%010d", i) }

// loadDB builds the DB in cfg.dir unless a finished build is there, and
// returns its number of keys. Keys are written in order with the WAL off,
// each with a value of random bytes (so that compression does not shrink
// the DB), then compacted into the last level.
func loadDB(cfg *config) (int, error) {
	if raw, err := os.ReadFile(filepath.Join(cfg.dir, countFile)); err == nil {
		n, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%s in %s is damaged: remove the directory to build the DB again", countFile, cfg.dir)
		}
		return n, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	if err := os.RemoveAll(cfg.dir); err != nil {
		return 0, err
	}
	n := int(cfg.size / int64(cfg.value))
	fmt.Fprintf(os.Stderr, "building a DB of %d keys with %d-byte values in %s\n", n, cfg.value, cfg.dir)
	start := time.Now()
	db, err := pebble.Open(cfg.dir, &pebble.Options{DisableWAL: true, Logger: quietLogger{}, MemTableSize: 64 << 20})
	if err != nil {
		return 0, err
	}
	rng := rand.NewChaCha8([32]byte{7})
	v := make([]byte, cfg.value)
	b := db.NewBatch()
	for i := range n {
		_, _ = rng.Read(v)
		if err := b.Set(key(i), v, nil); err != nil {
			return 0, err
		}
		if b.Len() >= 4<<20 {
			if err := b.Commit(pebble.NoSync); err != nil {
				return 0, err
			}
			b = db.NewBatch()
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return 0, err
	}
	if err := db.Flush(); err != nil {
		return 0, err
	}
	if err := db.Compact(context.Background(), key(0), key(n), true); err != nil {
		return 0, err
	}
	if err := db.Close(); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(cfg.dir, countFile), []byte(strconv.Itoa(n)+"\n"), 0o644); err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "built in %v\n", time.Since(start).Round(time.Second))
	return n, nil
}

// quietLogger keeps Pebble's informational lines out of the report.
type quietLogger struct{}

func (quietLogger) Infof(format string, args ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+format+"\n", args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+format+"\n", args...)
	os.Exit(1)
}

package pebblevfs

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/vfstest"
)

// dbKeys is how many keys TestPebbleDB writes; -short writes fewer.
const dbKeys = 1_000_000

// The contents of a test DB: key i holds value(i, 1), every tenth key is
// then overwritten with value(i, 2), and every 97th is deleted.
func key(i int) []byte { return fmt.Appendf(nil, "key%08d", i) }

func value(i, generation int) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), uint64(generation)))
	v := make([]byte, 8+rng.IntN(120))
	for j := range v {
		v[j] = byte(rng.Uint32())
	}
	return v
}

func wantValue(i int) ([]byte, bool) {
	switch {
	case i%97 == 0:
		return nil, false
	case i%10 == 0:
		return value(i, 2), true
	}
	return value(i, 1), true
}

func testOptions(fs vfs.FS, cache *pebble.Cache) *pebble.Options {
	return &pebble.Options{
		FS:           fs,
		Cache:        cache,
		MemTableSize: 4 << 20,
		Logger:       quietLogger{},
	}
}

// quietLogger keeps Pebble's informational lines out of the test's output
// and fails loudly on a fatal one.
type quietLogger struct{}

func (quietLogger) Infof(format string, args ...any)  {}
func (quietLogger) Errorf(format string, args ...any) { fmt.Printf("pebble: "+format+"\n", args...) }
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// writeKeys writes the test DB's contents for keys [0, n) in batches of a
// thousand, in a shuffled order so that the tables of every flush overlap
// and compactions have work to do; every 16th batch is committed with Sync.
// When stop returns true before a batch of the first values, it returns
// there, writing neither those left nor the overwrites and deletes.
func writeKeys(t testing.TB, db *pebble.DB, n int, stop func() bool) {
	t.Helper()
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	const batchKeys = 1000
	commit := func(b *pebble.Batch, batch int) {
		opts := pebble.NoSync
		if batch%16 == 0 {
			opts = pebble.Sync
		}
		if err := b.Commit(opts); err != nil {
			t.Fatal(err)
		}
		b.Close()
	}
	batch := 0
	for start := 0; start < n; start += batchKeys {
		if stop != nil && stop() {
			return
		}
		b := db.NewBatch()
		for _, i := range order[start:min(start+batchKeys, n)] {
			b.Set(key(i), value(i, 1), nil)
		}
		commit(b, batch)
		batch++
	}
	b := db.NewBatch()
	for i := 0; i < n; i++ {
		switch {
		case i%97 == 0:
			b.Delete(key(i), nil)
		case i%10 == 0:
			b.Set(key(i), value(i, 2), nil)
		default:
			continue
		}
		if b.Count() == batchKeys {
			commit(b, batch)
			batch++
			b = db.NewBatch()
		}
	}
	commit(b, batch)
}

// fillDB writes the test contents for keys [0, n), flushes the memtable
// and compacts the whole key range.
func fillDB(t testing.TB, db *pebble.DB, n int) {
	t.Helper()
	writeKeys(t, db, n, nil)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(context.Background(), []byte("key"), []byte("kez"), true); err != nil {
		t.Fatal(err)
	}
}

// verifyKeys checks that the DB holds exactly the test contents for keys
// [0, n): every key in one scan, and every seventh key by Get.
func verifyKeys(t testing.TB, db *pebble.DB, n int) {
	t.Helper()
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	next := 0
	for valid := it.First(); valid; valid = it.Next() {
		for next < n {
			if _, ok := wantValue(next); ok {
				break
			}
			next++
		}
		if next >= n {
			t.Fatalf("the DB has key %q beyond the %d written", it.Key(), n)
		}
		if !bytes.Equal(it.Key(), key(next)) {
			t.Fatalf("the scan found key %q where key %q was expected", it.Key(), key(next))
		}
		v, err := it.ValueAndErr()
		if err != nil {
			t.Fatalf("value of %q: %v", it.Key(), err)
		}
		if want, _ := wantValue(next); !bytes.Equal(v, want) {
			t.Fatalf("key %q holds a %d-byte value other than the %d bytes written", it.Key(), len(v), len(want))
		}
		next++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	for ; next < n; next++ {
		if _, ok := wantValue(next); ok {
			t.Fatalf("the scan ended before key %q", key(next))
		}
	}
	for i := 0; i < n; i += 7 {
		v, closer, err := db.Get(key(i))
		want, ok := wantValue(i)
		if !ok {
			if err != pebble.ErrNotFound {
				t.Fatalf("Get of deleted key %q = %v, want ErrNotFound", key(i), err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Get(%q): %v", key(i), err)
		}
		if !bytes.Equal(v, want) {
			t.Fatalf("Get(%q) returned a %d-byte value other than the %d bytes written", key(i), len(v), len(want))
		}
		closer.Close()
	}
}

// TestPebbleDB runs a Pebble DB on the FS: a million keys written in
// batches, flushed and compacted, checked with CheckLevels, closed with no
// file left open, reopened and read back in full, with its tables read
// directly, then cloned through the FS with vfs.Clone and read back there.
func TestPebbleDB(t *testing.T) {
	n := dbKeys
	if testing.Short() {
		n = dbKeys / 10
	}
	dir := testDir(t)
	cache := pebble.NewCache(64 << 20)
	defer cache.Unref()

	fs := newFS(t)
	tracked, dumpOpen := vfstest.WithOpenFileTracking(fs)
	opts := testOptions(tracked, cache)
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		t.Fatalf("Options.Validate: %v", err)
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	fillDB(t, db, n)
	if err := db.CheckLevels(nil); err != nil {
		t.Fatalf("CheckLevels after compaction: %v", err)
	}
	verifyKeys(t, db, n)
	m := db.Metrics()
	t.Logf("%d keys: %d flushes, %d compactions, %d tables in the last level", n, m.Flush.Count, m.Compact.Count, m.Levels[len(m.Levels)-1].TablesCount)
	if m.Compact.Count == 0 {
		t.Fatal("the DB made no compaction")
	}
	// Compactions read their inputs directly, with read-ahead, and so does
	// the scan of verifyKeys.
	t.Logf("read-ahead: %d bytes started, %d taken by reads", fs.ra.started.Load(), fs.ra.served.Load())
	if fs.ra.served.Load() == 0 {
		t.Fatal("no read took its bytes from read-ahead")
	}
	if fs.directCreates.Load() == 0 || fs.fallbackOpens.Load() != 0 {
		t.Fatalf("the DB created %d tables for direct writes and %d without O_DIRECT", fs.directCreates.Load(), fs.fallbackOpens.Load())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var open strings.Builder
	dumpOpen(&open)
	if open.Len() > 0 {
		t.Fatalf("files left open after Close:\n%s", open.String())
	}

	fs2 := newFS(t)
	db, err = pebble.Open(dir, testOptions(fs2, cache))
	if err != nil {
		t.Fatal(err)
	}
	verifyKeys(t, db, n)
	if err := db.CheckLevels(nil); err != nil {
		t.Fatalf("CheckLevels after reopening: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if fs2.directOpens.Load() == 0 || fs2.fallbackOpens.Load() != 0 {
		t.Fatalf("the reopened DB opened %d tables directly and %d without O_DIRECT", fs2.directOpens.Load(), fs2.fallbackOpens.Load())
	}

	clone := testDir(t)
	if _, err := vfs.Clone(fs2, fs2, dir, clone); err != nil {
		t.Fatal(err)
	}
	db, err = pebble.Open(clone, testOptions(fs2, cache))
	if err != nil {
		t.Fatal(err)
	}
	verifyKeys(t, db, n)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseDuringCompaction closes a DB while compactions are running,
// reopens it, and finds every key of every committed batch and the levels
// consistent.
func TestCloseDuringCompaction(t *testing.T) {
	dir := testDir(t)
	fs := newFS(t)
	opts := testOptions(fs, nil)
	opts.MemTableSize = 1 << 20
	db, err := pebble.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Write until a compaction has been running for a moment, then stop at
	// the next batch and close with it still running.
	const n = 200_000
	var seen time.Time
	compacting := func() bool {
		if db.Metrics().Compact.NumInProgress == 0 {
			return false
		}
		if seen.IsZero() {
			seen = time.Now()
		}
		return time.Since(seen) > 20*time.Millisecond
	}
	writeKeys(t, db, n, compacting)
	inProgress := db.Metrics().Compact.NumInProgress
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if inProgress == 0 {
		t.Fatalf("no compaction was running when the DB closed (one had been seen: %v), so nothing was closed mid-compaction", !seen.IsZero())
	}
	t.Logf("closed with %d compactions in progress", inProgress)

	db, err = pebble.Open(dir, testOptions(newFS(t), nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckLevels(nil); err != nil {
		t.Fatalf("CheckLevels after reopening: %v", err)
	}
	if seen.IsZero() {
		// Every batch was written: the contents are known in full.
		verifyKeys(t, db, n)
		return
	}
	// Only the first batches of the shuffled order were written; each must
	// be there with its first value.
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	found := 0
	for _, i := range order {
		v, closer, err := db.Get(key(i))
		if err == pebble.ErrNotFound {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(v, value(i, 1)) {
			t.Fatalf("key %q holds other bytes than were written", key(i))
		}
		closer.Close()
		found++
	}
	if found == 0 || found%1000 != 0 {
		t.Fatalf("found the first %d keys of the order written, want whole batches of 1000", found)
	}
	t.Logf("%d keys found after the restart", found)
}

// TestPebbleDBBlobFiles runs a DB that separates values into blob files,
// which the FS reads directly as it does tables: the DB is written,
// flushed and compacted, reopened, and read back in full.
func TestPebbleDBBlobFiles(t *testing.T) {
	const n = 100_000
	dir := testDir(t)
	opts := func(fs vfs.FS) *pebble.Options {
		o := testOptions(fs, nil)
		o.FormatMajorVersion = pebble.FormatNewest
		o.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
			return pebble.ValueSeparationPolicy{Enabled: true, MinimumSize: 64, MaxBlobReferenceDepth: 10, RewriteMinimumAge: time.Hour, TargetGarbageRatio: 1}
		}
		return o
	}
	db, err := pebble.Open(dir, opts(newFS(t)))
	if err != nil {
		t.Fatal(err)
	}
	fillDB(t, db, n)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	blobs, err := filepath.Glob(filepath.Join(dir, "*.blob"))
	if err != nil {
		t.Fatal(err)
	}
	if len(blobs) == 0 {
		t.Fatal("the DB wrote no blob files")
	}
	fs := newFS(t)
	db, err = pebble.Open(dir, opts(fs))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := fs.directOpens.Load()
	verifyKeys(t, db, n)
	if err := db.CheckLevels(nil); err != nil {
		t.Fatalf("CheckLevels: %v", err)
	}
	t.Logf("%d blob files; %d files opened directly while reading", len(blobs), fs.directOpens.Load()-before)
	if fs.directOpens.Load() == before {
		t.Fatal("reading the DB opened no file directly")
	}
}

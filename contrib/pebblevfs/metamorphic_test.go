package pebblevfs

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cockroachdb/pebble/v2/metamorphic"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestMetamorphic runs Pebble's metamorphic test (random operations:
// batches, ingestion, excises, iterators, snapshots, checkpoints, flushes,
// compactions, restarts, under random options) on a DB on this FS and on
// the same operations and options on vfs.Default, and requires the two
// histories to be the same.
//
// Pebble's RunAndCompare cannot take an outside FS: it runs each option
// set in a process whose flags come from an internal package, and its
// CustomOption's Open hook receives options whose FS is then wrapped for
// error injection. So the test drives the exported pieces itself, as
// Pebble's own ExampleExecute does: RandomOptions and GenerateOps from one
// seed, New with its options' FS set to each FS in turn and a directory on
// disk, Execute, and CompareHistories. It skips option sets whose FS must
// be Pebble's crashable in-memory one (restarts that drop unsynced data),
// which no FS on disk can stand in for.
func TestMetamorphic(t *testing.T) {
	ops, seeds := 5000, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if testing.Short() {
		ops, seeds = 1500, seeds[:4]
	}
	ran := 0
	for _, seed := range seeds {
		testOptions := func() *metamorphic.TestOptions {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			return metamorphic.RandomOptions(rng, metamorphic.TestkeysKeyFormat, metamorphic.RandomOptionsCfg{NoRemoteStorage: true, NoWALFailover: true})
		}
		if reflect.ValueOf(testOptions()).Elem().FieldByName("strictFS").Bool() {
			t.Logf("seed %d: its options restart on a crashable in-memory FS; skipped", seed)
			continue
		}
		dir := testDir(t)
		var histories []string
		for _, kind := range []string{"vfs.Default", "pebblevfs"} {
			opts := testOptions()
			var fs *FS
			if kind == "pebblevfs" {
				fs = newFS(t)
				opts.Opts.FS = fs
			} else {
				opts.Opts.FS = vfs.Default
			}
			generated := metamorphic.GenerateOps(rand.New(rand.NewPCG(seed, 0x0b5)), uint64(ops), metamorphic.TestkeysKeyFormat, metamorphic.DefaultOpConfig())
			history := filepath.Join(dir, kind+".history")
			w, err := os.Create(history)
			if err != nil {
				t.Fatal(err)
			}
			test, err := metamorphic.New(generated, opts, filepath.Join(dir, kind), w)
			if err != nil {
				t.Fatalf("seed %d, %s: %v", seed, kind, err)
			}
			err = metamorphic.Execute(test)
			w.Close()
			if err != nil {
				t.Fatalf("seed %d, %s: %v", seed, kind, err)
			}
			if fs != nil {
				t.Logf("seed %d: %d tables and logs written direct, %d files read direct, %d bytes read ahead", seed, fs.directCreates.Load(), fs.directOpens.Load(), fs.ra.started.Load())
				if fs.directCreates.Load() == 0 || fs.directOpens.Load() == 0 {
					t.Fatalf("seed %d: the DB on the FS wrote %d files and read %d directly", seed, fs.directCreates.Load(), fs.directOpens.Load())
				}
			}
			histories = append(histories, history)
		}
		if i, diff := metamorphic.CompareHistories(t, histories); diff != "" {
			t.Fatalf("seed %d: the history on %s differs from vfs.Default's:\n%s", seed, histories[i], diff)
		}
		ran++
	}
	if ran == 0 {
		t.Fatal("every seed's options needed the crashable in-memory FS")
	}
}

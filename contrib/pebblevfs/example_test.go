package pebblevfs_test

import (
	"fmt"
	"log"
	"os"

	"github.com/cockroachdb/pebble/v2"
	"github.com/linuxaio/aio/contrib/pebblevfs"
)

// A Pebble DB whose table reads go through kernel AIO. The directory must
// be on a filesystem with O_DIRECT.
func Example() {
	dir, err := os.MkdirTemp("", "pebblevfs-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	fs, err := pebblevfs.New(nil) // one aio.Context, 1024 reads in flight
	if err != nil {
		log.Fatal(err)
	}
	defer fs.Close() // after the DB's Close
	cache := pebble.NewCache(64 << 20)
	defer cache.Unref()
	db, err := pebble.Open(dir, &pebble.Options{FS: fs, Cache: cache})
	if err != nil {
		log.Fatal(err)
	}

	if err := db.Set([]byte("hello"), []byte("kernel AIO"), pebble.Sync); err != nil {
		log.Fatal(err)
	}
	if err := db.Flush(); err != nil { // a table, read back with O_DIRECT
		log.Fatal(err)
	}
	value, closer, err := db.Get([]byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", value)
	if err := closer.Close(); err != nil {
		log.Fatal(err)
	}
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
	// Output: kernel AIO
}

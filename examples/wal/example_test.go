package wal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/linuxaio/aio/examples/wal"
)

func Example() {
	dir, err := os.MkdirTemp("", "wal-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "log")

	l, err := wal.Open(path, &wal.Options{Preallocate: 1 << 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			// Append returns once the record is durable.
			if _, err := l.Append(context.Background(), fmt.Appendf(nil, "record from writer %d", i)); err != nil {
				fmt.Println(err)
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		fmt.Println(err)
		return
	}

	// After a restart (or a crash), Open recovers what is durable.
	l, err = wal.Open(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	n := 0
	l.Replay(func(seq uint64, record []byte) error {
		n++
		return nil
	})
	fmt.Println(n, "records recovered, the last is number", l.Recovered())
	// Output: 8 records recovered, the last is number 8
}

package aio_test

import (
	"os"
	"testing"

	"github.com/linuxaio/aio"
)

func TestBuf(t *testing.T) {
	t.Parallel()
	for _, newBuf := range []struct {
		name string
		fn   func(int) (*aio.Buf, error)
	}{{"NewBuf", aio.NewBuf}, {"NewLockedBuf", aio.NewLockedBuf}} {
		t.Run(newBuf.name, func(t *testing.T) {
			b, err := newBuf.fn(10000)
			if err != nil {
				t.Fatal(err)
			}
			if b.Len() != 10000 || len(b.Bytes()) != 10000 || cap(b.Bytes()) != 10000 {
				t.Fatalf("Len %d, len %d, cap %d; want 10000", b.Len(), len(b.Bytes()), cap(b.Bytes()))
			}
			if addr := uintptrOf(b.Bytes()); addr%uintptr(os.Getpagesize()) != 0 {
				t.Fatalf("address %#x is not page-aligned", addr)
			}
			if b.Locked() != (newBuf.name == "NewLockedBuf") {
				t.Fatalf("Locked() = %v", b.Locked())
			}
			for i, v := range b.Bytes() {
				if v != 0 {
					t.Fatalf("byte %d of a new buffer is %d", i, v)
				}
			}
			b.Bytes()[9999] = 1
			if err := b.Free(); err != nil {
				t.Fatal(err)
			}
			if b.Bytes() != nil || b.Len() != 0 {
				t.Fatal("a freed buffer still has memory")
			}
			if err := b.Free(); err == nil {
				t.Fatal("a second Free succeeded")
			}
		})
	}
	for _, size := range []int{0, -1} {
		if _, err := aio.NewBuf(size); err == nil {
			t.Errorf("NewBuf(%d) succeeded", size)
		}
	}
}

// TestBufConcurrentFree frees one buffer from several goroutines at once:
// exactly one Free succeeds. (Under the race detector, unguarded state would
// also show as a data race; two munmaps of one range both succeed, so
// counting the successes is what catches a double unmap without it.)
func TestBufConcurrentFree(t *testing.T) {
	t.Parallel()
	const goroutines = 8
	for range 200 {
		b, err := aio.NewBuf(4096)
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		results := make(chan error, goroutines)
		for range goroutines {
			go func() {
				<-start
				_ = b.Len()
				_ = b.Bytes()
				results <- b.Free()
			}()
		}
		close(start)
		freed := 0
		for range goroutines {
			if <-results == nil {
				freed++
			}
		}
		if freed != 1 {
			t.Fatalf("%d of %d concurrent Frees succeeded, want 1", freed, goroutines)
		}
	}
}

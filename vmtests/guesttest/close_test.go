package guesttest

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestCloseInFlight closes a Context while more goroutines than it has
// slots keep reads going on it: Close must return, reads in flight must
// complete with their data, and every other read must fail with ErrClosed.
func TestCloseInFlight(t *testing.T) {
	guest.SkipIfNotInVM(t)
	const (
		readers  = 32
		readSize = 64 << 10
	)
	dev, err := testvm.Find(testvm.Raw.Serial)
	if err != nil {
		t.Fatal(err)
	}
	c, err := aio.NewContext(8)
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.OpenFile(dev, os.O_RDONLY, 0)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	defer f.Close()

	running := make(chan struct{}, readers) // one per reader with a read done
	results := make(chan error, readers)    // why each reader stopped
	for r := range readers {
		go func() {
			results <- readUntilError(f, r, readSize, running)
		}()
	}
	for range readers / 4 {
		select {
		case <-running:
		case err := <-results:
			t.Fatalf("a reader stopped before Close: %v", err)
		case <-time.After(hang):
			t.Fatal("no read completed")
		}
	}

	closeWithin(t, c, hang)

	for range readers {
		select {
		case err := <-results:
			if !errors.Is(err, aio.ErrClosed) || !errors.Is(err, os.ErrClosed) {
				t.Errorf("a reader stopped with %v, want an error matching aio.ErrClosed", err)
			}
		case <-time.After(hang):
			t.Fatal("a reader still waits after Close")
		}
	}

	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// readUntilError reads from f over and over, checking the data, until a
// read fails, and returns why it stopped. It signals running after its
// first read.
func readUntilError(f *aio.File, r, size int, running chan<- struct{}) error {
	b, err := aio.NewBuf(size)
	if err != nil {
		return err
	}
	defer b.Free()
	p := b.Bytes()
	blocks := int(testvm.Raw.Size-rawUnwritten) / size
	for i := 0; ; i++ {
		off := rawUnwritten + int64((r*7+i)%blocks)*int64(size)
		n, err := f.ReadAt(p, off)
		if err != nil {
			return err
		}
		if n != size {
			return fmt.Errorf("read at %d: %d bytes, want %d", off, n, size)
		}
		if err := testvm.Check(p, off, testvm.ImageSeed); err != nil {
			return err
		}
		if i == 0 {
			running <- struct{}{}
		}
	}
}

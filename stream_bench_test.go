package aio_test

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/linuxaio/aio"
)

// BenchmarkReader reads the 64 MiB benchmark file through a Reader into
// io.Discard, in 1 MiB chunks at depths 2, 4 and 8; BenchmarkOSFileRead is
// the same through os.File with O_DIRECT, one 1 MiB read at a time.
func BenchmarkReader(b *testing.B) {
	c := newContext(b, 64)
	f := benchFile(b, c)
	for _, depth := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			b.SetBytes(benchFileSize)
			for b.Loop() {
				r := aio.NewReader(f, 0, &aio.StreamOptions{Depth: depth})
				if n, err := r.WriteTo(io.Discard); n != benchFileSize || err != nil {
					b.Fatalf("WriteTo = %d, %v", n, err)
				}
				if err := r.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOSFileRead(b *testing.B) {
	c := newContext(b, 8)
	f := benchFile(b, c)
	osf, err := os.OpenFile(f.Name(), os.O_RDONLY|syscall.O_DIRECT, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer osf.Close()
	buf := aio.AlignedBytes(1 << 20)
	b.SetBytes(benchFileSize)
	for b.Loop() {
		for off := int64(0); off < benchFileSize; off += int64(len(buf)) {
			if _, err := osf.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWriter writes 64 MiB through a Writer in 256 KiB pieces, 1 MiB
// chunks at depths 2, 4 and 8, and flushes.
func BenchmarkWriter(b *testing.B) {
	c := newContext(b, 64)
	f := openTemp(b, c, testDir(b), 0)
	piece := pattern(make([]byte, 256<<10), 1)
	for _, depth := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			b.SetBytes(benchFileSize)
			for b.Loop() {
				w := aio.NewWriter(f, 0, &aio.StreamOptions{Depth: depth})
				for n := 0; n < benchFileSize; n += len(piece) {
					if _, err := w.Write(piece); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

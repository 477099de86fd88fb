package guesttest

import (
	"context"
	"io"
	"testing"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// The regions of a disk or file that testOps writes, one per check, so that
// the checks do not depend on one another. Everything else keeps the image
// pattern.
const (
	readRegion   = 0
	writeRegion  = 128 << 10
	vectorRegion = 256 << 10
	flagRegion   = 512 << 10 // 64 KiB per flag
	opsSize      = 1 << 20   // testOps needs this much, at least
)

// Pattern seeds of the data that testOps writes.
const (
	writeSeed  = 0x1001
	vectorSeed = 0x1002
	flagSeed   = 0x1010 // plus the flag's index
)

// testOps runs every read, write and sync operation of the API on f, which
// must hold the image pattern (seed testvm.ImageSeed) over its size bytes,
// and checks the data of each.
func testOps(t *testing.T, f *aio.File, size int64) {
	if size < opsSize {
		t.Fatalf("testOps needs %d bytes, has %d", opsSize, size)
	}
	ctx := context.Background()

	t.Run("ReadAt", func(t *testing.T) {
		p := newBuf(t, 64<<10)
		n, err := f.ReadAtContext(ctx, p, readRegion, 0)
		checkIO(t, "ReadAtContext", n, err, len(p))
		checkData(t, "ReadAtContext", p, readRegion, testvm.ImageSeed)

		clear(p)
		n, err = f.ReadAt(p[:4096], readRegion+8192)
		checkIO(t, "ReadAt", n, err, 4096)
		checkData(t, "ReadAt", p[:4096], readRegion+8192, testvm.ImageSeed)
	})

	t.Run("WriteAt", func(t *testing.T) {
		p := newBuf(t, 64<<10)
		testvm.Fill(p, writeRegion, writeSeed)
		n, err := f.WriteAtContext(ctx, p[:32<<10], writeRegion, 0)
		checkIO(t, "WriteAtContext", n, err, 32<<10)
		n, err = f.WriteAt(p[32<<10:], writeRegion+32<<10)
		checkIO(t, "WriteAt", n, err, 32<<10)

		clear(p)
		n, err = f.ReadAt(p, writeRegion)
		checkIO(t, "ReadAt", n, err, len(p))
		checkData(t, "read back", p, writeRegion, writeSeed)
	})

	t.Run("WritevAt", func(t *testing.T) {
		p := newBuf(t, 32<<10)
		testvm.Fill(p[:16<<10], vectorRegion, vectorSeed)
		bufs := [][]byte{p[:4096], p[4096:12288], p[12288 : 16<<10]}
		n, err := f.WritevAtContext(ctx, bufs, vectorRegion, 0)
		checkIO(t, "WritevAtContext", n, err, 16<<10)

		// Read it back in a different split, with a slice of the next
		// region to see that the write stopped where it should.
		in := p[16<<10:]
		bufs = [][]byte{in[:8192], in[8192:12288], in[12288:]}
		n, err = f.ReadvAtContext(ctx, bufs, vectorRegion, 0)
		checkIO(t, "ReadvAtContext", n, err, 16<<10)
		checkData(t, "read back", in, vectorRegion, vectorSeed)

		n, err = f.ReadvAtContext(ctx, [][]byte{in[:4096]}, vectorRegion+16<<10, 0)
		checkIO(t, "ReadvAtContext after the written data", n, err, 4096)
		checkData(t, "after the written data", in[:4096], vectorRegion+16<<10, testvm.ImageSeed)
	})

	t.Run("Flags", func(t *testing.T) {
		flags := []struct {
			name string
			flag aio.Flags
		}{
			{"FlagDSync", aio.FlagDSync},
			{"FlagSync", aio.FlagSync},
			{"FlagNoWait", aio.FlagNoWait},
			{"FlagDSync|FlagNoWait", aio.FlagDSync | aio.FlagNoWait},
		}
		for i, fl := range flags {
			t.Run(fl.name, func(t *testing.T) {
				off := int64(flagRegion + i*64<<10)
				seed := uint16(flagSeed + i)
				p := newBuf(t, 64<<10)
				testvm.Fill(p, off, seed)
				n, err := f.WriteAtContext(ctx, p, off, fl.flag)
				checkIO(t, "WriteAtContext", n, err, len(p))
				clear(p)
				n, err = f.ReadAtContext(ctx, p, off, fl.flag&aio.FlagNoWait)
				checkIO(t, "ReadAtContext", n, err, len(p))
				checkData(t, "read back", p, off, seed)
			})
		}
	})

	t.Run("Sync", func(t *testing.T) {
		syncs := []struct {
			name string
			sync func() error
		}{
			{"Sync", f.Sync},
			{"SyncContext", func() error { return f.SyncContext(ctx) }},
			{"Datasync", f.Datasync},
			{"DatasyncContext", func() error { return f.DatasyncContext(ctx) }},
		}
		for _, s := range syncs {
			if err := s.sync(); err != nil {
				t.Errorf("%s: %v", s.name, err)
			}
		}
	})

	t.Run("EOF", func(t *testing.T) {
		p := newBuf(t, 8192)
		n, err := f.ReadAtContext(ctx, p, size-4096, 0)
		if n != 4096 || err != io.EOF {
			t.Fatalf("ReadAtContext across the end: %d bytes, %v; want 4096, io.EOF", n, err)
		}
		checkData(t, "short read", p[:4096], size-4096, testvm.ImageSeed)

		n, err = f.ReadvAtContext(ctx, [][]byte{p[:4096], p[4096:]}, size-4096, 0)
		if n != 4096 || err != io.EOF {
			t.Fatalf("ReadvAtContext across the end: %d bytes, %v; want 4096, io.EOF", n, err)
		}

		n, err = f.ReadAt(p, size)
		if n != 0 || err != io.EOF {
			t.Fatalf("ReadAt at the end: %d bytes, %v; want 0, io.EOF", n, err)
		}
	})
}

package crashguest

import (
	"os"

	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/crashlog"
	"golang.org/x/sys/unix"
)

// A marker writes the marks of the replay run (see crashlog's mark.go),
// each over the last, with O_DIRECT, so that each is a write of its own to
// the disk when it returns.
type marker struct {
	f   *os.File
	buf *aio.Buf
	seq uint64
}

// newMarker creates the mark file at path, allocated and written, so that
// a mark needs no change to the file system's metadata, and opens it for
// direct writes.
func newMarker(path string) (*marker, error) {
	if err := os.WriteFile(path, make([]byte, crashlog.MarkSize), 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_DIRECT, 0)
	if err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	buf, err := aio.NewBuf(crashlog.MarkSize)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &marker{f: f, buf: buf}, nil
}

// write writes the next mark, of acked records per writer.
func (m *marker) write(acked []int) error {
	m.seq++
	crashlog.PutMark(m.buf.Bytes(), m.seq, acked)
	_, err := m.f.WriteAt(m.buf.Bytes(), 0)
	return err
}

func (m *marker) close() {
	m.f.Close()
	m.buf.Free()
}

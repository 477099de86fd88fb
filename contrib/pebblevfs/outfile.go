package pebblevfs

import (
	"fmt"
	"io"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/linuxaio/aio"
)

// An outFile is what the FS's direct files written in order, tables
// (directWriter) and logs (walFile), share: the aio.File, the protocol of
// their calls, and the methods that are the same for both. Every method
// enters the file's gate (see gate), fails once the file or its FS is
// closed, and holds mu, so that the calls run one at a time, as the state
// of a file written in order needs.
type outFile struct {
	file *aio.File
	fs   *gate // the FS's: once it is closed, the file fails as its writes do
	gate gate
	mu   sync.Mutex
	// what names the kind of file in WriteAt's error.
	what string
}

// enter enters the file's gate for a call named op and takes mu, or fails
// if the file or its FS is closed; if it succeeds, the caller must call
// leave.
func (f *outFile) enter(op string) error {
	if !f.gate.enter() {
		return closedFileError(op, f.file.Name())
	}
	if f.fs.isClosed() {
		f.gate.leave()
		return closedFSError(op, f.file.Name())
	}
	f.mu.Lock()
	return nil
}

func (f *outFile) leave() {
	f.mu.Unlock()
	f.gate.leave()
}

// Read returns io.EOF, as an os.File opened for writing does once it has
// been written in order: its offset is at the end of what was written.
func (f *outFile) Read(p []byte) (int, error) {
	if err := f.enter("read"); err != nil {
		return 0, err
	}
	defer f.leave()
	if len(p) == 0 {
		return 0, nil
	}
	return 0, io.EOF
}

// WriteAt fails: vfs.File allows it only on files opened with
// OpenReadWrite, and these are written in order.
func (f *outFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.enter("write"); err != nil {
		return 0, err
	}
	defer f.leave()
	return 0, fmt.Errorf("pebblevfs: WriteAt on %s: %s is written in order, with Write; open it with OpenReadWrite to write at an offset", f.file.Name(), f.what)
}

// Preallocate allocates the range without changing the file's size
// (fallocate with FALLOC_FL_KEEP_SIZE).
func (f *outFile) Preallocate(offset, length int64) error {
	if err := f.enter("preallocate"); err != nil {
		return err
	}
	defer f.leave()
	return f.file.AllocateKeepSize(offset, length)
}

// Prefetch does nothing: the file is being written.
func (f *outFile) Prefetch(offset, length int64) error {
	if err := f.enter("prefetch"); err != nil {
		return err
	}
	f.leave()
	return nil
}

// Fd returns the file's descriptor, or vfs.InvalidFd once Close has begun.
func (f *outFile) Fd() uintptr {
	if !f.gate.enter() {
		return vfs.InvalidFd
	}
	defer f.gate.leave()
	return f.file.Fd()
}

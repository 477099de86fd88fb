package aio

import (
	"bytes"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// poll reports whether an IOCB_CMD_POLL for POLLIN on an empty pipe
// completes with POLLIN once the pipe is written to.
func (p *prober) poll() bool {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return false
	}
	p.fds = append(p.fds, fds[0], fds[1])
	cb := p.newIocb()
	cb.prepare(iocbCmdPoll, int32(fds[0]), nil, 0, 0, 0, -1, p.tag())
	cb.Buf = unix.POLLIN // the event mask travels in aio_buf
	if err := p.submitOne(cb); err != nil {
		return false
	}
	// A poll that is still waiting is cancelled; io_destroy would too.
	giveUp := func() bool {
		var ev ioEvent
		ioCancel(p.id, cb, &ev)
		return false
	}
	if _, err := unix.Write(fds[1], []byte{1}); err != nil {
		return giveUp()
	}
	res, err := p.await(cb.Data, probeTimeout)
	if err != nil {
		return giveUp()
	}
	return res > 0 && res&unix.POLLIN != 0
}

// requestFlags tries each request flag on a new file and records in caps
// which ones the kernel honours. direct is an O_DIRECT file, or -1, and
// block aligned memory for one O_DIRECT request there.
func (p *prober) requestFlags(caps *Capabilities, direct int, block []byte) {
	caps.NoWait = p.noWait(direct, block)
	caps.Append = p.appends()
	caps.DSync = p.writes("dsync", FlagDSync)
	caps.NoAppend = p.noAppend()
	if direct >= 0 {
		caps.Atomic = p.atomic(direct, block, caps.AtomicWriteMin)
	}
	caps.DontCache = p.writes("dontcache", FlagDontCache)
}

// rw runs a read or write (cmd) of b at off on fd with flags and returns
// its result.
func (p *prober) rw(cmd uint16, fd int, b []byte, off int64, flags Flags) (int64, error) {
	p.keep = append(p.keep, b)
	cb := p.newIocb()
	cb.prepare(cmd, int32(fd), unsafe.Pointer(unsafe.SliceData(b)), len(b), off, flags, -1, p.tag())
	return p.run(cb)
}

// noWait reports whether a read with FlagNoWait is accepted: it succeeds,
// or fails with EAGAIN because it would have had to wait. The read is an
// O_DIRECT one of a block that is on the device, or, without direct, a
// buffered one.
func (p *prober) noWait(direct int, block []byte) bool {
	fd := direct
	if fd < 0 {
		var err error
		if fd, err = p.create("nowait", 0); err != nil {
			return false
		}
		block = make([]byte, 4096)
	}
	if _, err := unix.Pwrite(fd, block, 0); err != nil {
		return false
	}
	_, err := p.rw(iocbCmdPread, fd, block, 0, FlagNoWait)
	return err == nil || err == syscall.EAGAIN
}

// fileWith creates a buffered file that holds "0123456789", opened with
// extra flags.
func (p *prober) fileWith(name string, flags int) (int, bool) {
	fd, err := p.create(name, flags)
	if err != nil {
		return -1, false
	}
	n, err := unix.Write(fd, []byte("0123456789"))
	return fd, err == nil && n == 10
}

// holds reports whether the file fd holds exactly want.
func holds(fd int, want string) bool {
	got := make([]byte, len(want)+1)
	n, err := unix.Pread(fd, got, 0)
	return err == nil && bytes.Equal(got[:n], []byte(want))
}

// appends reports whether a write with FlagAppend at offset 0 lands at the
// end of the file.
func (p *prober) appends() bool {
	fd, ok := p.fileWith("append", 0)
	if !ok {
		return false
	}
	n, err := p.rw(iocbCmdPwrite, fd, []byte("ab"), 0, FlagAppend)
	return err == nil && n == 2 && holds(fd, "0123456789ab")
}

// noAppend reports whether a write with FlagNoAppend on a file opened with
// O_APPEND lands at its offset.
func (p *prober) noAppend() bool {
	fd, ok := p.fileWith("noappend", unix.O_APPEND)
	if !ok {
		return false
	}
	n, err := p.rw(iocbCmdPwrite, fd, []byte("XY"), 4, FlagNoAppend)
	return err == nil && n == 2 && holds(fd, "0123XY6789")
}

// writes reports whether a buffered write of a page with flags succeeds.
func (p *prober) writes(name string, flags Flags) bool {
	fd, err := p.create(name, 0)
	if err != nil {
		return false
	}
	b := bytes.Repeat([]byte{'w'}, pageSize)
	n, err := p.rw(iocbCmdPwrite, fd, b, 0, flags)
	return err == nil && n == int64(len(b))
}

// atomic reports whether an O_DIRECT write with FlagAtomic of min bytes,
// or of one block where min is 0, succeeds at the start of the file
// direct.
func (p *prober) atomic(direct int, block []byte, min int) bool {
	b := block
	if min > 0 && min != len(block) {
		b = alignedBytes(min, pageSize)
	}
	n, err := p.rw(iocbCmdPwrite, direct, b, 0, FlagAtomic)
	return err == nil && n == int64(len(b))
}

package aio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Capabilities is what a kernel and a filesystem support for AIO, as Probe
// found it by trying each thing. A false or zero field means that the thing
// was tried and did not work, or could not be tried because something it
// needs did not work (without AIO, nothing else is tried).
type Capabilities struct {
	// Path is the directory or file that Probe was given.
	Path string
	// Kernel is the running kernel's release, as uname -r prints it.
	Kernel string
	// Filesystem names Path's filesystem after statfs's f_type: ext4 (also
	// for ext2 and ext3, which share its magic number), xfs, btrfs, tmpfs
	// and so on, or the magic number in hexadecimal.
	Filesystem string

	// AIO is nil if io_setup works. Otherwise it is the error that
	// NewContext returns: ENOSYS for a kernel built without CONFIG_AIO, or
	// EPERM for a seccomp profile that forbids AIO (both also match
	// errors.ErrUnsupported), EAGAIN when fs.aio-max-nr is exhausted.
	AIO error
	// Pgetevents reports whether io_pgetevents works. Seccomp profiles of
	// some container runtimes forbid it; the package then reaps with
	// io_getevents alone.
	Pgetevents bool
	// Poll reports whether an IOCB_CMD_POLL request on a pipe completes
	// with POLLIN once the pipe is written to (Linux 4.19+), as
	// Context.Poll needs.
	Poll bool

	// DirectIO reports whether the file, or a new file in the directory,
	// opens with O_DIRECT, as Context.OpenFile opens files.
	DirectIO bool
	// DirectMemAlign and DirectOffsetAlign are what O_DIRECT requires here,
	// as File.Alignment reports it: buffer addresses a multiple of
	// DirectMemAlign bytes, offsets and lengths a multiple of
	// DirectOffsetAlign. Both are 0 without DirectIO.
	DirectMemAlign, DirectOffsetAlign int
	// AtomicWriteMin and AtomicWriteMax are the lengths FlagAtomic writes
	// may have, as File.AtomicWriteUnits reports them (statx
	// STATX_WRITE_ATOMIC) for the file, or for a new O_DIRECT file in the
	// directory; both are 0 where statx reports no atomic writes.
	AtomicWriteMin, AtomicWriteMax int

	// The request flags that the kernel honours here, each found by
	// using it on a temporary file.

	// NoWait: an O_DIRECT read with FlagNoWait (RWF_NOWAIT) succeeds or
	// fails with EAGAIN, rather than being refused with EOPNOTSUPP as on
	// NFS, 9p, CephFS and kernels before 4.14. (Without DirectIO the read
	// is a buffered one.)
	NoWait bool
	// Append: a write with FlagAppend (RWF_APPEND) lands at the end of the
	// file, not at its offset.
	Append bool
	// DSync: a write with FlagDSync (RWF_DSYNC) succeeds.
	DSync bool
	// NoAppend: on a file opened with O_APPEND, a write with FlagNoAppend
	// (RWF_NOAPPEND, Linux 6.9+) lands at its offset.
	NoAppend bool
	// Atomic: an O_DIRECT write with FlagAtomic (RWF_ATOMIC, Linux 6.11+)
	// of AtomicWriteMin bytes succeeds. Where AtomicWriteMin is 0 the
	// write is one block of 4 KiB (or of the O_DIRECT alignment, if that
	// is larger), which the kernel should refuse, and is tried all the
	// same.
	Atomic bool
	// DontCache: a buffered write with FlagDontCache (RWF_DONTCACHE, Linux
	// 6.14+) succeeds.
	DontCache bool

	// Whether io_submit returns without waiting for the I/O, for four kinds
	// of request (see SubmitCost): O_DIRECT reads, O_DIRECT writes over
	// allocated blocks, O_DIRECT writes that extend the file, and buffered
	// writes.
	DirectRead, DirectOverwrite, DirectAppend, BufferedWrite SubmitCost
}

// Probe reports what this kernel and the filesystem of path support for
// AIO, measured by trying each thing, not assumed from the kernel version.
//
// path is a directory or a regular file. Probe creates its temporary files
// in the directory, or in the file's directory, and removes them before it
// returns; a file's own alignment and atomic write units are reported, and
// the file is opened only for reading. Probe takes a fraction of a second on
// a disk.
//
// The error is only for a path that cannot be used at all: one that does
// not exist, is neither a directory nor a regular file, or whose directory
// is not writable. Whatever the kernel or the filesystem lacks, AIO itself
// included, is reported in the Capabilities.
func Probe(path string) (*Capabilities, error) {
	st, err := os.Stat(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, pathError("probe", path, err)
	}
	dir, file := path, ""
	switch {
	case st.IsDir():
	case st.Mode().IsRegular():
		dir, file = filepath.Dir(path), path
	default:
		return nil, pathError("probe", path, errNotProbable)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		return nil, pathError("statfs", path, err)
	}
	caps := &Capabilities{Path: path, Filesystem: filesystemName(uint32(fs.Type))}
	caps.Kernel, _ = kernelRelease()

	tmp, err := os.MkdirTemp(dir, ".aio-probe-")
	if err != nil {
		return nil, pathError("probe", path, notWritable(err, dir))
	}
	defer os.RemoveAll(tmp)

	p, err := newProber(tmp)
	if err != nil {
		caps.AIO = err
		return caps, nil
	}
	defer p.close()
	caps.Pgetevents = p.pgeteventsWorks()
	caps.Poll = p.poll()
	if err := p.probeFiles(caps, file); err != nil {
		return nil, pathError("probe", path, err)
	}
	return caps, nil
}

var errNotProbable = &argError{"it is neither a directory nor a regular file: Probe needs a directory to create its temporary files in, or a file whose filesystem to probe"}

// notWritable explains the error of creating a temporary directory in dir.
func notWritable(err error, dir string) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	return &hintError{errno: errno, hint: fmt.Sprintf("Probe creates its temporary files in %s and cannot create them there; give it a directory it can write, or a file in one", dir)}
}

// probeFiles fills in what needs files: O_DIRECT and its alignment, the
// atomic write units, the request flags and the cost of io_submit. file is
// the file Probe was given, or "" for a directory; it is opened only for
// reading.
func (p *prober) probeFiles(caps *Capabilities, file string) error {
	direct, directErr := p.create("direct", unix.O_DIRECT)
	if directErr != nil && !errors.Is(directErr, syscall.EINVAL) {
		return directErr
	}
	// subject is the file whose alignment and atomic units are reported.
	subject, subjectDirect := direct, directErr == nil
	if file != "" {
		fd, err := unix.Open(file, unix.O_RDONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
		subjectDirect = err == nil
		if errors.Is(err, syscall.EINVAL) {
			// Without O_DIRECT, for the atomic write units.
			fd, err = unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		}
		if err != nil {
			return err
		}
		p.fds = append(p.fds, fd)
		subject = fd
	}
	caps.DirectIO = subjectDirect
	if caps.DirectIO {
		a := directIOAlignment(subject)
		caps.DirectMemAlign, caps.DirectOffsetAlign = int(a.mem), int(a.offset)
	}
	if subject >= 0 {
		u := atomicWriteUnits(subject)
		caps.AtomicWriteMin, caps.AtomicWriteMax = int(u.min), int(u.max)
	}
	var a alignment
	if direct >= 0 {
		a = directIOAlignment(direct)
	}
	block := alignedBytes(max(4096, int(a.offset)), max(pageSize, int(a.mem)))
	buffered, err := p.create("buffered", 0)
	if err != nil {
		return err
	}
	p.submitCosts(caps, direct, directErr, buffered, block)
	p.requestFlags(caps, direct, block)
	return nil
}

// filesystemNames names the filesystems by their statfs magic number.
var filesystemNames = map[uint32]string{
	unix.EXT4_SUPER_MAGIC:      "ext4",
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.RAMFS_MAGIC:           "ramfs",
	unix.HUGETLBFS_MAGIC:       "hugetlbfs",
	unix.F2FS_SUPER_MAGIC:      "f2fs",
	unix.BCACHEFS_SUPER_MAGIC:  "bcachefs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlay",
	unix.FUSE_SUPER_MAGIC:      "fuse",
	unix.NFS_SUPER_MAGIC:       "nfs",
	unix.V9FS_MAGIC:            "9p",
	unix.CEPH_SUPER_MAGIC:      "ceph",
	unix.SMB2_SUPER_MAGIC:      "smb",
	unix.CIFS_SUPER_MAGIC:      "cifs",
	unix.OCFS2_SUPER_MAGIC:     "ocfs2",
	unix.NILFS_SUPER_MAGIC:     "nilfs2",
	unix.REISERFS_SUPER_MAGIC:  "reiserfs",
	unix.ZONEFS_MAGIC:          "zonefs",
	unix.EXFAT_SUPER_MAGIC:     "exfat",
	unix.MSDOS_SUPER_MAGIC:     "vfat",
	unix.UDF_SUPER_MAGIC:       "udf",
	unix.SQUASHFS_MAGIC:        "squashfs",
	unix.EROFS_SUPER_MAGIC_V1:  "erofs",
}

// filesystemName names the filesystem whose statfs magic number is magic,
// or gives the number in hexadecimal.
func filesystemName(magic uint32) string {
	if name, ok := filesystemNames[magic]; ok {
		return name
	}
	return fmt.Sprintf("%#x", magic)
}

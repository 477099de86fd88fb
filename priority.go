package aio

import (
	"fmt"
	"syscall"
)

// A Priority is the I/O priority of a request (IOCB_FLAG_IOPRIO and
// aio_reqprio, Linux 4.18+): a scheduling class and a level within it, as
// ioprio_set(2) describes them. Block I/O schedulers that honour priorities
// (BFQ, mq-deadline) serve higher classes first, and lower levels first
// within a class. The zero Priority is none: the request gets the priority
// of the thread that submits it, as every request does by default.
type Priority uint16

// A PriorityClass is the scheduling class of a Priority.
type PriorityClass uint8

// The classes of I/O priority.
const (
	// PriorityRealtime is served before anything else. It needs
	// CAP_SYS_ADMIN or CAP_SYS_NICE; without them the kernel refuses the
	// request with EPERM.
	PriorityRealtime PriorityClass = ioprioClassRT
	// PriorityBestEffort is the class of ordinary I/O.
	PriorityBestEffort PriorityClass = ioprioClassBE
	// PriorityIdle is served only when nothing else wants the device.
	PriorityIdle PriorityClass = ioprioClassIdle
)

// invalidPriority marks a Priority that IOPriority was given bad arguments
// for, in the class bits, where the kernel has no class 7. The low bits say
// which argument was bad, and the class if it was that.
const (
	invalidPriority = 7 << ioprioClassShift
	badClass        = 0x100
	badLevel        = 0x200
)

// IOPriority returns the Priority of class at level, which must be from 0
// (served first) to 7. It never panics: bad arguments give a Priority that
// the call or request using it fails with an error that says what is wrong,
// before anything reaches the kernel.
func IOPriority(class PriorityClass, level int) Priority {
	switch {
	case class != PriorityRealtime && class != PriorityBestEffort && class != PriorityIdle:
		return Priority(invalidPriority | badClass | uint16(class))
	case level < 0 || level >= ioprioNrLevels:
		return Priority(invalidPriority | badLevel | uint16(class))
	}
	return Priority(uint16(class)<<ioprioClassShift | uint16(level))
}

// Class returns p's scheduling class.
func (p Priority) Class() PriorityClass { return PriorityClass(p >> ioprioClassShift) }

// Level returns p's level within its class.
func (p Priority) Level() int { return int(p & (1<<ioprioClassShift - 1)) }

// String returns p as class/level, such as "best-effort/4", or says what
// is wrong with it.
func (p Priority) String() string {
	if p == 0 {
		return "none"
	}
	if err := p.check(); err != nil {
		return fmt.Sprintf("Priority(%#x: %v)", uint16(p), err)
	}
	return fmt.Sprintf("%v/%d", p.Class(), p.Level())
}

// String returns the class's name.
func (c PriorityClass) String() string {
	switch c {
	case PriorityRealtime:
		return "realtime"
	case PriorityBestEffort:
		return "best-effort"
	case PriorityIdle:
		return "idle"
	}
	return fmt.Sprintf("PriorityClass(%d)", uint8(c))
}

// check reports what is wrong with p, which is 0 or came from IOPriority,
// or from a caller's own arithmetic.
func (p Priority) check() error {
	if p == 0 {
		return nil
	}
	class, level := p.Class(), p.Level()
	switch {
	case class == 7 && level&badClass != 0:
		return &argError{fmt.Sprintf("I/O priority of unknown class %d: use PriorityRealtime, PriorityBestEffort or PriorityIdle", uint8(level))}
	case class == 7 && level&badLevel != 0:
		return &argError{fmt.Sprintf("I/O priority of class %v with a level out of range: levels go from 0 (served first) to 7", PriorityClass(uint8(level)))}
	case class != PriorityRealtime && class != PriorityBestEffort && class != PriorityIdle:
		return &argError{fmt.Sprintf("I/O priority %#x has no valid class: make it with aio.IOPriority", uint16(p))}
	case level >= ioprioNrLevels:
		return &argError{fmt.Sprintf("I/O priority %#x has level %d: levels go from 0 (served first) to 7; make it with aio.IOPriority", uint16(p), level)}
	}
	return nil
}

// SetPriority sets the Priority of f's calls (ReadAt, WriteAt, and the
// rest) and of its batch requests whose Priority is 0. Zero, the default,
// leaves requests the priority of the thread that submits them. A bad p,
// one that IOPriority was given bad arguments for, makes those calls and
// requests fail with an error that says what is wrong.
func (f *File) SetPriority(p Priority) { f.priority.Store(uint32(p)) }

// priorityOf returns the Priority of a request of f that asks for p.
func (f *File) priorityOf(p Priority) Priority {
	if p != 0 {
		return p
	}
	return Priority(f.priority.Load())
}

// setPriority gives the request of cb the priority p, unless p is 0.
func (cb *iocb) setPriority(p Priority) {
	if p != 0 {
		cb.Flags |= iocbFlagIoprio
		cb.Reqprio = int16(p)
	}
}

// priorityHint explains the kernel's errno for a request with priority p,
// or returns "" if p is not the likely cause.
func priorityHint(errno syscall.Errno, p Priority) string {
	switch {
	case p == 0:
	case errno == syscall.EPERM && p.Class() == PriorityRealtime:
		return "the realtime I/O priority class needs CAP_SYS_ADMIN or CAP_SYS_NICE, which this process lacks; use PriorityBestEffort"
	case errno == syscall.EINVAL:
		return fmt.Sprintf("the kernel refused I/O priority %v (per-request priorities need Linux 4.18 or later)", p)
	}
	return ""
}

// Package crashlog is what the guest and the host of the VM crash test
// (vmtests/crash_test.go, vmtests/crashguest) share: the records the guest
// appends, which check themselves, and the report of a recovery.
package crashlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"time"
)

// Writers is how many goroutines of the guest append at once.
const Writers = 24

// Files of the shared directory that the guest writes.
const (
	// RecoveredFile holds the Recovery of the boot, as JSON.
	RecoveredFile = "recovered.json"
	// AppendingFile exists once the guest has written RecoveredFile and
	// started appending: from then on the host may kill it.
	AppendingFile = "appending"
	// AcksFile gets a line "writer counter" for each record whose Append
	// returned nil, written after it returned.
	AcksFile = "acks"
)

// ModeParam is the kernel command line parameter that tells the guest
// whether to append after recovering until it is killed (ModeAppend), only
// recover (ModeRecover), or append for ReplayAppendTime writing marks (see
// mark.go), then close the log and power off (ModeReplay).
const (
	ModeParam   = "aio.crash"
	ModeAppend  = "append"
	ModeRecover = "recover"
	ModeReplay  = "replay"
)

// ReplayAppendTime is how long the guest appends in ModeReplay.
const ReplayAppendTime = 3 * time.Second

// A Recovery is what the guest found when it opened the log.
type Recovery struct {
	LastSeq   uint64 // wal's Recovered()
	Records   int    // records Replay gave
	PerWriter []int  // records of each writer, which must be its counters 0 to n-1
	Bad       int    // records that did not check, or were out of order
	Problem   string // the first of them
	Reset     bool   // the log was then removed, being large: the next boot starts anew
}

// Record returns the record counter of writer: its writer, counter and a
// CRC-32 of all that follows, then between 0 and about 5000 bytes derived
// from both.
func Record(writer, counter int) []byte {
	rng := rand.New(rand.NewPCG(uint64(writer), uint64(counter)))
	size := 12 + rng.IntN(200)
	if rng.IntN(4) == 0 {
		size += rng.IntN(5000)
	}
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b, uint32(writer))
	binary.LittleEndian.PutUint32(b[4:], uint32(counter))
	for i := 12; i < len(b); i++ {
		b[i] = byte(rng.Uint32())
	}
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:])^crc32.ChecksumIEEE(b[:8]))
	return b
}

// Check returns the writer and counter of a record of Record, or why it is
// not one intact.
func Check(b []byte) (writer, counter int, err error) {
	if len(b) < 12 {
		return 0, 0, fmt.Errorf("a record of %d bytes", len(b))
	}
	writer, counter = int(binary.LittleEndian.Uint32(b)), int(binary.LittleEndian.Uint32(b[4:]))
	if writer >= Writers {
		return 0, 0, fmt.Errorf("a record of writer %d", writer)
	}
	if string(Record(writer, counter)) != string(b) {
		return 0, 0, errors.New("a record whose bytes differ from what was appended")
	}
	return writer, counter, nil
}

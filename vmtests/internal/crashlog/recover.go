package crashlog

import (
	"fmt"

	"github.com/linuxaio/aio/examples/wal"
)

// Options are the log's options on every boot, and in the host's recovery
// of a replayed image.
func Options() *wal.Options { return &wal.Options{Preallocate: 1 << 20} }

// Recover opens the log at path, creating it if it is missing, and checks
// every record it recovered: each must be a Record intact, and each
// writer's must be its counters 0, 1, 2… in order. It returns the open log
// and what it found; records that do not check are counted in the
// Recovery, not returned as an error.
func Recover(path string) (*wal.Log, Recovery, error) {
	l, err := wal.Open(path, Options())
	if err != nil {
		return nil, Recovery{}, err
	}
	r := Recovery{LastSeq: l.Recovered(), PerWriter: make([]int, Writers)}
	err = l.Replay(func(seq uint64, rec []byte) error {
		r.Records++
		w, n, err := Check(rec)
		if err == nil && n != r.PerWriter[w] {
			err = fmt.Errorf("writer %d's record %d after its %d", w, n, r.PerWriter[w])
		}
		if err != nil {
			if r.Bad++; r.Problem == "" {
				r.Problem = fmt.Sprintf("record %d: %v", seq, err)
			}
			return nil
		}
		r.PerWriter[w]++
		return nil
	})
	if err != nil {
		l.Close()
		return nil, r, err
	}
	return l, r, nil
}

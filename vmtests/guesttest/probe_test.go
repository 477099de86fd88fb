package guesttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hugelgupf/vmtest/guest"
	"github.com/linuxaio/aio"
	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// TestProbe reports to the host what aio.Probe finds on the ext4 disk with
// the guest's kernel, for the summary of the kernel matrix.
func TestProbe(t *testing.T) {
	guest.SkipIfNotInVM(t)
	caps, err := aio.Probe(os.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if caps.AIO != nil {
		t.Fatalf("AIO does not work: %v", caps.AIO)
	}
	t.Logf("aio.Probe:\n%s", caps)
	report := testvm.ProbeReport{
		Kernel: caps.Kernel,
		Features: map[string]bool{
			"io_pgetevents": caps.Pgetevents,
			"POLL":          caps.Poll,
			"O_DIRECT":      caps.DirectIO,
			"RWF_NOWAIT":    caps.NoWait,
			"RWF_APPEND":    caps.Append,
			"RWF_DSYNC":     caps.DSync,
			"RWF_NOAPPEND":  caps.NoAppend,
			"RWF_ATOMIC":    caps.Atomic,
			"RWF_DONTCACHE": caps.DontCache,
		},
	}
	b, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(testvm.SharedDir, testvm.ProbeResults), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Command mountdisk prepares the test VM's disks and then runs its
// arguments: it limits the slow disk's request queue (testvm.LimitQueues),
// mounts the ext4 disk on testvm.Ext4Mount and points TMPDIR and
// AIO_TEST_DIR at a directory there, since the guest's initramfs supports no
// O_DIRECT. The VM tests install it as the guest's uinit, in front of
// vmtest's guest commands.
//
// Usage: mountdisk -- command [args...]
package main

import (
	"log"
	"os"
	"os/exec"
	"syscall"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

func main() {
	log.SetPrefix("mountdisk: ")
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		log.Fatal("usage: mountdisk -- command [args...]")
	}

	// A failure here is reported but does not stop the tests: the ones that
	// need the disk then fail with a clearer message than a VM that never
	// ran them.
	if err := testvm.LimitQueues(); err != nil {
		log.Printf("request queues not limited: %v", err)
	}
	if err := testvm.MountExt4(); err != nil {
		log.Printf("ext4 test disk not mounted: %v", err)
	} else {
		tmp := testvm.Ext4Path(testvm.TempDir)
		if err := os.MkdirAll(tmp, 0o1777); err != nil {
			log.Print(err)
		}
		os.Setenv("TMPDIR", tmp)
		os.Setenv("AIO_TEST_DIR", tmp)
	}

	path, err := exec.LookPath(args[0])
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(syscall.Exec(path, args, os.Environ()))
}

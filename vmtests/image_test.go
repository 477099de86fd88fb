package vmtests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// buildImage writes the image of d to img, using scratch for temporary files.
// For a faulty disk it also writes blkdebug's configuration next to it.
func buildImage(d testvm.Disk, img, scratch string) error {
	if d == testvm.Ext4 {
		return buildExt4Image(img, scratch)
	}
	if d.Faulty {
		if err := os.WriteFile(blkdebugConfigPath(img), []byte(blkdebugConfig()), 0o644); err != nil {
			return err
		}
	}
	f, err := os.Create(img)
	if err != nil {
		return err
	}
	if err := writePattern(f, d.Size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// blkdebugConfigPath returns where buildImage writes the blkdebug
// configuration of the faulty disk's image img.
func blkdebugConfigPath(img string) string { return img + ".blkdebug" }

// blkdebugConfig returns the blkdebug rules that fail the faulty disk's I/O
// on the sectors that testvm lists. A rule without "once" fires on every
// request that holds the sector's first byte, for as long as QEMU runs.
func blkdebugConfig() string {
	var b strings.Builder
	for _, r := range []struct {
		event   string
		sectors []int64
	}{
		{"read_aio", testvm.FaultyReadSectors},
		{"write_aio", testvm.FaultyWriteSectors},
	} {
		for _, s := range r.sectors {
			fmt.Fprintf(&b, "[inject-error]\nevent = \"%s\"\nerrno = \"%d\"\nsector = \"%d\"\n\n", r.event, int(syscall.EIO), s)
		}
	}
	return b.String()
}

// faultyDriveOptions returns the QEMU block options of the faulty disk with
// the image img. The raw format driver raises blkdebug's read_aio and
// write_aio events on its file child, which is why blkdebug sits there,
// between the format and the image file, rather than on top.
func faultyDriveOptions(img string) string {
	return fmt.Sprintf("driver=raw,file.driver=blkdebug,file.config=%s,file.image.driver=file,file.image.filename=%s",
		blkdebugConfigPath(img), img)
}

// checkBlkdebug checks with qemu-io, on a faulty disk image of its own in
// dir, that the block options the VM gets fail exactly the I/O that
// testvm.ReadFails and testvm.WriteFails predict: the sectors listed and
// whatever holds them, and not their neighbours.
func checkBlkdebug(t *testing.T, dir string) {
	img := filepath.Join(dir, "faulty.img")
	if err := buildImage(testvm.Faulty, img, dir); err != nil {
		t.Fatal(err)
	}
	type check struct {
		op      string // a qemu-io command: read or write
		off, n  int64
		failing bool
	}
	var checks []check
	add := func(op string, off, n int64) {
		fails := testvm.ReadFails(off, n)
		if op == "write" {
			fails = testvm.WriteFails(off, n)
		}
		checks = append(checks, check{op, off, n, fails})
	}
	const sector = testvm.SectorSize
	add("read", 0, 4096)
	add("read", testvm.Faulty.Size-4096, 4096)
	for _, s := range testvm.FaultyReadSectors {
		add("read", s*sector, sector)
		add("read", (s-1)*sector, sector)
		add("read", (s+1)*sector, sector)
		add("read", s*sector&^4095, 4096)
		add("write", s*sector, sector) // only reads fail there
	}
	for _, s := range testvm.FaultyWriteSectors {
		add("write", s*sector, sector)
		add("write", s*sector&^4095, 4096)
		add("write", (s-1)*sector, sector)
		add("read", s*sector, sector) // only writes fail there
	}

	failing := 0
	for _, c := range checks {
		cmd := exec.Command("qemu-io", "--image-opts", faultyDriveOptions(img),
			"-c", fmt.Sprintf("%s %d %d", c.op, c.off, c.n))
		out, err := cmd.CombinedOutput()
		what := fmt.Sprintf("qemu-io %s of %d bytes at offset %d", c.op, c.n, c.off)
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatalf("%s: %v", what, err)
		}
		switch {
		case c.failing && (err == nil || !strings.Contains(string(out), "Input/output error")):
			t.Errorf("%s: %v, want an input/output error:\n%s", what, err, out)
		case !c.failing && err != nil:
			t.Errorf("%s: %v, want success:\n%s", what, err, out)
		}
		if c.failing {
			failing++
		}
	}
	if want := 2*len(testvm.FaultyReadSectors) + 2*len(testvm.FaultyWriteSectors); failing != want {
		t.Errorf("%d of the checks expect an error, want %d: the sectors are too close together", failing, want)
	}
}

// writePattern writes size bytes of the pattern with seed
// testvm.ImageSeed to f.
func writePattern(f *os.File, size int64) error {
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		p := buf[:min(int64(len(buf)), size-off)]
		testvm.Fill(p, off, testvm.ImageSeed)
		if _, err := f.WriteAt(p, off); err != nil {
			return err
		}
	}
	return nil
}

// buildExt4Image makes the ext4 disk's file system with mkfs.ext4, which
// copies its contents from a directory.
func buildExt4Image(img, scratch string) error {
	root := filepath.Join(scratch, "ext4-root")
	if err := os.MkdirAll(filepath.Join(root, testvm.TempDir), 0o1777); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(root, testvm.SeedFile))
	if err != nil {
		return err
	}
	if err := writePattern(f, testvm.SeedFileSize); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Truncate(img, 0); err != nil && !os.IsNotExist(err) {
		return err
	}
	cmd := exec.Command("mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-d", root, img,
		fmt.Sprintf("%dk", testvm.Ext4.Size>>10))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd, err, out)
	}
	return nil
}

package vmtests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/linuxaio/aio/vmtests/internal/testvm"
)

// buildImage writes the image of d to img, using scratch for temporary files.
func buildImage(d testvm.Disk, img, scratch string) error {
	if d == testvm.Ext4 {
		return buildExt4Image(img, scratch)
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

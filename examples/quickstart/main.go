// Command quickstart writes 4 KiB to a new file through kernel AIO, reads
// them back, and compares. Its file is created in the current directory,
// which must be on a filesystem with O_DIRECT: ext4, xfs, btrfs, or tmpfs
// since Linux 6.6.
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"

	"github.com/linuxaio/aio"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	c, err := aio.NewContext(8) // up to 8 requests in flight
	if err != nil {
		return err
	}
	defer c.Close()

	name := fmt.Sprintf("aio-quickstart-%d.tmp", os.Getpid())
	f, err := c.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644) // opened with O_DIRECT
	if err != nil {
		return err
	}
	defer os.Remove(name)
	defer f.Close()

	// O_DIRECT moves whole blocks between the device and aligned memory:
	// AlignedBytes gives page-aligned memory that the garbage collector frees.
	out := aio.AlignedBytes(4096)
	copy(out, "hello, kernel AIO")
	ctx := context.Background()
	if _, err := f.WriteAtContext(ctx, out, 0, aio.FlagDSync); err != nil { // durable when it returns
		return err
	}

	in := aio.AlignedBytes(4096)
	n, err := f.ReadAtContext(ctx, in, 0, 0)
	if err != nil {
		return err
	}
	if !bytes.Equal(in[:n], out) {
		return fmt.Errorf("read %d bytes that differ from the %d written", n, len(out))
	}
	fmt.Printf("wrote %d bytes and read them back through kernel AIO: %q\n", n, bytes.TrimRight(in[:32], "\x00"))
	return f.Close()
}

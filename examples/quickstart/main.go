// Command quickstart writes a buffer to a new file with an appending
// asynchronous write, reads it back asynchronously, and compares the two.
// It creates its temporary file in the current directory, which must be on a
// filesystem that supports O_DIRECT (ext4, xfs, btrfs; tmpfs since Linux 6.6).
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
	ctx := context.Background()

	aioCtx, err := aio.NewContext(8)
	if err != nil {
		return err
	}
	defer aioCtx.Close()

	name := fmt.Sprintf("aio-quickstart-%d.tmp", os.Getpid())
	file, err := aioCtx.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(name)
	defer file.Close()

	writeBuf, err := aio.NewLockedBuf(1024)
	if err != nil {
		return err
	}
	defer writeBuf.Free()
	readBuf, err := aio.NewLockedBuf(1024)
	if err != nil {
		return err
	}
	defer readBuf.Free()

	for i := range writeBuf.Bytes() {
		writeBuf.Bytes()[i] = byte(i)
	}
	written, err := file.WriteAtContext(ctx, writeBuf.Bytes(), 0, aio.FlagAppend)
	if err != nil {
		return err
	}
	read, err := file.ReadAtContext(ctx, readBuf.Bytes(), 0, 0)
	if err != nil {
		return err
	}
	if !bytes.Equal(writeBuf.Bytes(), readBuf.Bytes()) {
		return fmt.Errorf("read back %d bytes that differ from the %d written", read, written)
	}
	fmt.Printf("wrote %d bytes and read %d back through kernel AIO: identical\n", written, read)
	return nil
}

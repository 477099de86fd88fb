// Command gocopy copies a file the way a Go program does without the aio
// package, for bench/streams.sh to compare with: io.Copy between two
// os.Files (which the os package hands to copy_file_range(2) where it can),
// then Sync if -sync is given.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	durable := flag.Bool("sync", false, "fsync the copy before returning")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: gocopy [-sync] SRC DST")
		os.Exit(2)
	}
	if err := copyFile(flag.Arg(0), flag.Arg(1), *durable); err != nil {
		fmt.Fprintln(os.Stderr, "gocopy:", err)
		os.Exit(1)
	}
}

func copyFile(src, dst string, durable bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if durable {
		if err := out.Sync(); err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}

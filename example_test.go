package aio_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/linuxaio/aio"
)

func Example() {
	c, err := aio.NewContext(8)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	dir, err := os.MkdirTemp("", "aio-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	f, err := c.OpenFile(filepath.Join(dir, "data"), os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	out, _ := aio.NewLockedBuf(1024)
	defer out.Free()
	in, _ := aio.NewLockedBuf(1024)
	defer in.Free()
	copy(out.Bytes(), "hello, kernel AIO")

	ctx := context.Background()
	if _, err := f.WriteAtContext(ctx, out.Bytes(), 0, aio.FlagAppend); err != nil {
		log.Fatal(err)
	}
	if _, err := f.ReadAtContext(ctx, in.Bytes(), 0, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(in.Bytes()[:17]))
	// Output: hello, kernel AIO
}

func ExampleNewContext() {
	// Up to 64 requests in flight; more callers wait for a slot.
	c, err := aio.NewContext(64)
	if err != nil {
		log.Fatal(err) // for example: io_setup: resource temporarily unavailable: ... fs.aio-max-nr ...
	}
	defer c.Close()
	fmt.Println(c.MaxEvents())
	// Output: 64
}

func ExampleFile_ReadAt() {
	c, _ := aio.NewContext(4)
	defer c.Close()
	name := filepath.Join(os.TempDir(), fmt.Sprintf("aio-example-%d", os.Getpid()))
	defer os.Remove(name)
	f, err := c.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	_, offset := f.Alignment() // O_DIRECT needs offsets and lengths in these units
	buf, _ := aio.NewBuf(offset)
	defer buf.Free()
	if _, err := f.WriteAt(buf.Bytes(), 0); err != nil {
		log.Fatal(err)
	}
	n, err := f.ReadAt(buf.Bytes(), 0)
	fmt.Println(n == offset, err)
	// Output: true <nil>
}

func ExampleContext_Submit() {
	c, err := aio.NewContext(32)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	name := filepath.Join(os.TempDir(), fmt.Sprintf("aio-example-batch-%d", os.Getpid()))
	defer os.Remove(name)
	f, err := c.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	// Eight 4 KiB writes in one io_submit, then collect the completions.
	mem, err := aio.NewBuf(8 * 4096)
	if err != nil {
		log.Fatal(err)
	}
	defer mem.Free()
	reqs := make([]*aio.Request, 8)
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpWrite, Buf: mem.Bytes()[i*4096 : (i+1)*4096], Offset: int64(i) * 4096}
	}
	if _, err := c.Submit(reqs...); err != nil {
		log.Fatal(err)
	}
	done := make([]*aio.Request, len(reqs))
	total := 0
	for n := 0; n < len(reqs); {
		got, err := c.Wait(context.Background(), done, len(reqs)-n)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range done[:got] {
			if r.Err != nil {
				log.Fatal(r.Err)
			}
			total += r.N
		}
		n += got
	}
	fmt.Println(total)
	// Output: 32768
}

// Run keeps a set of requests in flight: here eight reads of 64 KiB go
// through a file, each sent on to the next unread chunk as soon as handle
// has used what it read. They complete in any order.
func ExampleContext_Run() {
	name := filepath.Join(os.TempDir(), fmt.Sprintf("aio-example-run-%d", os.Getpid()))
	defer os.Remove(name)
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(name, data, 0o600); err != nil {
		log.Fatal(err)
	}

	c, err := aio.NewContext(8)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	f, err := c.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	const chunk = 64 << 10
	reqs := make([]*aio.Request, 8)
	next := int64(0)
	for i := range reqs {
		reqs[i] = &aio.Request{File: f, Op: aio.OpRead, Buf: aio.AlignedBytes(chunk), Offset: next}
		next += chunk
	}
	var read, sum int64 // a sum of the bytes, which needs no order
	err = c.Run(context.Background(), reqs, func(r *aio.Request) (bool, error) {
		if r.Err != nil {
			return false, r.Err
		}
		for _, b := range r.Buf[:r.N] {
			sum += int64(b)
		}
		read += int64(r.N)
		if r.N < chunk || next >= int64(len(data)) {
			return false, nil // this request reached the end of the file
		}
		r.Offset, next = next, next+chunk
		return true, nil // read the next chunk with it
	})
	if err != nil {
		log.Fatal(err)
	}
	want := int64(0)
	for _, b := range data {
		want += int64(b)
	}
	fmt.Println(read, sum == want)
	// Output: 4194304 true
}

func ExampleNewBuf() {
	buf, err := aio.NewBuf(1 << 20) // page-aligned, outside the Go heap
	if err != nil {
		log.Fatal(err)
	}
	defer buf.Free()
	fmt.Println(buf.Len())
	// Output: 1048576
}

// A File with O_DIRECT is an io.ReaderAt for any buffer and any offset:
// here io.SectionReader reads 5 bytes at offset 7 into memory of its own.
func ExampleAlignedBytes() {
	c, err := aio.NewContext(4)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	dir, err := os.MkdirTemp("", "aio-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	f, err := c.OpenFile(filepath.Join(dir, "data"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	// Whole blocks from aligned memory: written as they are.
	block := aio.AlignedBytes(4096)
	copy(block, "hello, kernel AIO")
	if _, err := f.WriteAt(block, 0); err != nil {
		log.Fatal(err)
	}
	part, err := io.ReadAll(io.NewSectionReader(f, 7, 5))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(part))
	// Output: kerne
}

// Two components share one Context, each with a Queue of its own: each
// Wait returns only its own requests. A Wait that reaches its deadline
// with fewer than min requests returns those it has, with no error; the
// deadline's error comes from the next Wait, which has none.
func ExampleQueue_Wait() {
	c, err := aio.NewContext(16)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	dir, err := os.MkdirTemp("", "aio-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	f, err := c.OpenFile(filepath.Join(dir, "data"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	logs, index := c.NewQueue(), c.NewQueue()
	buf := aio.AlignedBytes(3 * 4096)
	if _, err := logs.Submit(&aio.Request{File: f, Op: aio.OpWrite, Buf: buf[:4096], Tag: 1}); err != nil {
		log.Fatal(err)
	}
	if _, err := index.Submit(
		&aio.Request{File: f, Op: aio.OpWrite, Buf: buf[4096:8192], Offset: 4096, Tag: 2},
		&aio.Request{File: f, Op: aio.OpWrite, Buf: buf[8192:], Offset: 8192, Tag: 3},
	); err != nil {
		log.Fatal(err)
	}

	done := make([]*aio.Request, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	// Asks for more than the Queue will ever have: Wait ends at the
	// deadline, with the one request it has.
	for {
		n, err := logs.Wait(ctx, done, 2)
		if err != nil {
			fmt.Println("logs:", err)
			break
		}
		for _, r := range done[:n] {
			fmt.Println("logs:", r.Tag, r.N, r.Err)
		}
	}

	for got := 0; got < 2; {
		n, err := index.Wait(context.Background(), done[got:], 1)
		if err != nil {
			log.Fatal(err)
		}
		got += n
	}
	fmt.Println("index:", done[0].Tag+done[1].Tag)
	// Output:
	// logs: 1 4096 <nil>
	// logs: context deadline exceeded
	// index: 5
}

// A file copy with read-ahead and write-behind, through no page cache: the
// copy has the source's exact length, whatever it is.
func ExampleNewWriter() {
	dir, err := os.MkdirTemp("", "aio-example-copy-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, make([]byte, 3<<20+1234), 0o600); err != nil {
		log.Fatal(err)
	}

	c, err := aio.NewContext(16)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	in, err := c.OpenFile(src, os.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	out, err := c.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()

	r := aio.NewReader(in, 0, nil) // 4 reads of 1 MiB in flight ahead
	defer r.Close()
	w := aio.NewWriter(out, 0, nil) // 4 writes of 1 MiB in flight behind
	n, err := io.Copy(w, r)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Sync(); err != nil { // on stable storage, at its exact length
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, fi.Size())
	// Output: 3146962 3146962
}

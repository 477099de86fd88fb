package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	backing := flag.String("backing", "", "directory whose files the disk serves (required)")
	mountpoint := flag.String("mount", "", "empty directory to mount the disk on (required)")
	mean := flag.Duration("latency", time.Millisecond, "time each read, write and flush takes")
	jitter := flag.Duration("jitter", 200*time.Microsecond, "each request's latency is drawn uniformly from latency±jitter")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: clouddisk -backing DIR -mount MOUNTPOINT [flags]\n\n"+
			"clouddisk serves the files of DIR at MOUNTPOINT through FUSE, each read, write\n"+
			"and flush taking a cloud disk's latency while any number overlap, until SIGINT\n"+
			"or SIGTERM. It prints \"ready\" once mounted.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*backing, *mountpoint, *mean, *jitter); err != nil {
		fmt.Fprintln(os.Stderr, "clouddisk:", err)
		os.Exit(1)
	}
}

func run(backing, mountpoint string, mean, jitter time.Duration) error {
	if backing == "" || mountpoint == "" || flag.NArg() > 0 {
		flag.Usage()
		return errors.New("-backing and -mount are required, and nothing else")
	}
	lat, err := newLatency(mean, jitter)
	if err != nil {
		return err
	}
	// go-fuse reads requests with up to GOMAXPROCS goroutines blocked in
	// read(2) on /dev/fuse, each holding a P until sysmon hands it off. With
	// as many Ps as CPUs, the goroutines whose latency has passed then wait
	// for a P, up to sysmon's 10 ms tick: the tail of a 1 ms disk became
	// 25 ms. Spare Ps keep the timers running; parallelism is still bounded
	// by the CPUs.
	if runtime.GOMAXPROCS(0) < 32 {
		runtime.GOMAXPROCS(32)
	}
	server, err := mount(backing, mountpoint, lat)
	if err != nil {
		return err
	}
	fmt.Println("ready")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		if err := server.Unmount(); err != nil {
			// Busy: detach it, so that the mount point is free and the
			// files still open keep working until they are closed.
			fmt.Fprintln(os.Stderr, "clouddisk: unmount:", err, "(detaching it)")
			if err := syscall.Unmount(mountpoint, syscall.MNT_DETACH); err != nil {
				fmt.Fprintln(os.Stderr, "clouddisk: detach:", err)
			}
		}
	}()
	server.Wait()
	return nil
}

// mount serves backing at mountpoint with the latency lat and returns once
// the mount is in place.
func mount(backing, mountpoint string, lat latency) (*fuse.Server, error) {
	root, err := newRoot(backing, lat)
	if err != nil {
		return nil, fmt.Errorf("backing directory: %w", err)
	}
	// Attributes only change through this mount, whose kernel side keeps
	// them up to date itself: without long timeouts every read of a page
	// cache miss first asked for the file's attributes, a synchronous
	// request that made io_submit wait.
	forever := 24 * time.Hour
	opts := &fs.Options{
		AttrTimeout:  &forever,
		EntryTimeout: &forever,
		MountOptions: fuse.MountOptions{
			FsName:            "clouddisk",
			Name:              "clouddisk",
			DirectMountStrict: true,
			AllowOther:        true,
			// Direct I/O from kernel AIO is sent as background
			// requests: let as many be in flight as FUSE allows.
			ExtraCapabilities:        fuse.CAP_ASYNC_DIO,
			MaxBackground:            65535,
			CongestionThreshold:      65535,
			ExplicitDataCacheControl: true,
			// The kernel must not read the backing files itself.
			DisabledCapabilities: fuse.CAP_PASSTHROUGH,
		},
	}
	server, err := fs.Mount(mountpoint, root, opts)
	if err != nil {
		return nil, fmt.Errorf("mounting %s: %w (it needs root and /dev/fuse)", mountpoint, err)
	}
	return server, nil
}

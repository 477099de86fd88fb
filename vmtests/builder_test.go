package vmtests

import (
	"fmt"
	"path/filepath"

	"github.com/u-root/mkuimage/uimage"
	"github.com/u-root/mkuimage/uimage/builder"
	"github.com/u-root/mkuimage/uimage/initramfs"
	"github.com/u-root/uio/llog"
)

// cachedBinaries builds each command of the initramfs as a binary of its
// own, as u-root's binary builder does, but lets the Go build cache work.
// u-root's builders run `go build -a`, which recompiles the standard library
// and every dependency on each run: most of a VM test's time otherwise.
type cachedBinaries struct{}

// DefaultBinaryDir implements builder.Builder.
func (cachedBinaries) DefaultBinaryDir() string { return "bin" }

// Build implements builder.Builder.
func (b cachedBinaries) Build(_ *llog.Logger, af *initramfs.Files, opts builder.Opts) error {
	if opts.Env == nil || opts.TempDir == "" {
		return fmt.Errorf("cachedBinaries: missing Go environment or temporary directory")
	}
	dir := opts.BinaryDir
	if dir == "" {
		dir = b.DefaultBinaryDir()
	}
	// With -o naming a directory, go build writes one binary per package,
	// named after the package's directory.
	args := append([]string{"-trimpath", "-ldflags=-s -w", "-o", filepath.Join(opts.TempDir, dir) + "/"}, opts.Packages...)
	cmd := opts.Env.GoCmd("build", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd, err, out)
	}
	return af.AddFile(opts.TempDir, "")
}

// buildWithCache makes the initramfs build all its commands with
// cachedBinaries.
func buildWithCache(o *uimage.Opts) error {
	for i := range o.Commands {
		o.Commands[i].Builder = cachedBinaries{}
	}
	return nil
}

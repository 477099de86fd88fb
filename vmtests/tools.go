//go:build tools

package vmtests

// The VM's initramfs is built from this u-root command. Importing it here,
// in a file that is never compiled, keeps its module in go.mod through
// go mod tidy.
import (
	_ "github.com/u-root/u-root/cmds/core/init"
)

//go:build tools

package vmtests

// The VM's initramfs is built from these commands (see initramfs_test.go).
// Importing them here, in a file that is never compiled, keeps their modules
// and dependencies in go.mod and go.sum through go mod tidy.
import (
	_ "github.com/hugelgupf/vmtest/vminit/gouinit"
	_ "github.com/hugelgupf/vmtest/vminit/shutdownafter"
	_ "github.com/hugelgupf/vmtest/vminit/vmmount"
	_ "github.com/u-root/u-root/cmds/core/init"
)

package vmtests

import "github.com/hugelgupf/vmtest/qemu"

// guestGOARCH returns the GOARCH of the guest that VMTEST_ARCH names.
// vmtest's names are GOARCH values but for 32-bit x86, which it calls i386.
func guestGOARCH() string {
	if arch := qemu.GuestArch(); arch != qemu.ArchI386 {
		return string(arch)
	}
	return "386"
}

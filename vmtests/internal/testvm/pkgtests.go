package testvm

// The root package's test binary, which the host builds for the guest's
// architecture and shares with the guest over 9p, and its results.
const (
	// PackagePath is the root package's import path.
	PackagePath = "github.com/linuxaio/aio"
	// PackageTestsTag is the 9p mount tag of the directory holding it; the
	// guest mounts it on /mount/9p/<tag>.
	PackageTestsTag = "aiopkg"
	// PackageTestsBinary is its file name in that directory.
	PackageTestsBinary = "aio.test"
	// PackageTestsPath is where the guest finds it.
	PackageTestsPath = "/mount/9p/" + PackageTestsTag + "/" + PackageTestsBinary
	// PackageResults is the file in that directory where the guest writes
	// the test2json events of its run, PackageResultsPath its path in the
	// guest.
	PackageResults     = "results.json"
	PackageResultsPath = "/mount/9p/" + PackageTestsTag + "/" + PackageResults

	// ProbeResults is the file in vmtest's shared directory where the guest
	// writes what aio.Probe found on the ext4 disk, as JSON (ProbeReport).
	ProbeResults = "probe.json"
)

// ProbeReport is what the guest's TestProbe found: the kernel and, for each
// feature that aio.Probe checks, whether it works.
type ProbeReport struct {
	Kernel   string
	Features map[string]bool
}

// vmtest's shared directory, where its guest commands find the guest test
// binaries and write their results.
const (
	// SharedTag is its 9p mount tag.
	SharedTag = "gotestdata"
	// SharedDir is where the guest mounts it.
	SharedDir = "/mount/9p/" + SharedTag
)

package testvm

// The root package's test binary, which the host builds for the guest's
// architecture and shares with the guest over 9p.
const (
	// PackageTestsTag is the 9p mount tag of the directory holding it; the
	// guest mounts it on /mount/9p/<tag>.
	PackageTestsTag = "aiopkg"
	// PackageTestsBinary is its file name in that directory.
	PackageTestsBinary = "aio.test"
	// PackageTestsPath is where the guest finds it.
	PackageTestsPath = "/mount/9p/" + PackageTestsTag + "/" + PackageTestsBinary
)

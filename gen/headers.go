package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Generation compiles against the UAPI headers of Debian unstable, not the
// build machine's: bookworm's linux-libc-dev is Linux 6.1, and every stable
// release lags the kernel by years, while gen/defs use constants up to Linux
// 6.14 (RWF_DONTCACHE). Unstable ships the newest kernel's headers, and in
// linux-libc-dev-<arch>-cross (Architecture: all) a tree for each target
// under /usr/<triple>/include, so one package index serves every target.
//
// Unstable moves on, so nothing generated may depend on which release is
// fetched: the generated files hold only values the kernel's ABI fixes, and
// never the release. headerFloor is the oldest release that defines every
// constant gen/defs use; raise it with them.
const (
	headerMirror = "http://deb.debian.org/debian"
	headerSuite  = "unstable"
	headerFloor  = 6<<16 | 14<<8 // KERNEL_VERSION(6, 14, 0)

	// The -cross packages are symbolic links into linux-libc-dev.
	headerCommonPackage = "linux-libc-dev"

	// Unstable's InRelease is signed with the bookworm and the trixie
	// archive keys, which bookworm's debian-archive-keyring both holds, so
	// the machine's keyring verifies it. Once unstable is signed with
	// neither, apt reports NO_PUBKEY: upgrade debian-archive-keyring, which
	// stable updates bring new keys to.
	headerKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

	// headerCache is where the unpacked packages are kept, relative to the
	// package directory (and ignored by git). A complete tree at least
	// headerFloor is used as is; remove the directory to fetch again.
	headerCache = "gen/.headers"
)

// includeDir is the directory of t's UAPI headers (linux/, asm/,
// asm-generic/) in the unpacked tree.
func includeDir(root string, t target) string {
	return filepath.Join(root, "usr", t.Triple, "include")
}

// includeFlags puts dir before the compiler's own include directories, where
// the machine's linux-libc-dev packages installed bookworm's older linux/ and
// asm/ headers. The C library's headers are not in dir and still come from
// there.
func includeFlags(dir string) []string {
	return []string{"-isystem", dir}
}

// uapiHeaders returns the root of the unpacked header packages, fetching them
// unless the cache already has a tree at least headerFloor for every target.
func uapiHeaders(pkgDir string) (string, error) {
	cache, err := filepath.Abs(filepath.Join(pkgDir, headerCache))
	if err != nil {
		return "", err
	}
	root := filepath.Join(cache, "root")
	version, err := checkHeaders(root)
	if err != nil {
		if _, statErr := os.Stat(root); statErr == nil {
			fmt.Fprintf(os.Stderr, "gen: fetching the headers again: %v\n", err)
		}
		if err := fetchHeaders(cache, root); err != nil {
			return "", fmt.Errorf("fetching the UAPI headers of Debian %s: %v", headerSuite, err)
		}
		if version, err = checkHeaders(root); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(os.Stderr, "gen: UAPI headers of Linux %s (at least %s) in %s\n", versionString(version), versionString(headerFloor), cache)
	return root, nil
}

// checkHeaders checks that root has every target's headers, all of the same
// release and not older than headerFloor, and returns that release.
func checkHeaders(root string) (int, error) {
	release := 0
	for _, t := range targets {
		v, err := headerVersion(filepath.Join(includeDir(root, t), "linux", "version.h"))
		if err != nil {
			return 0, fmt.Errorf("%s: %v", t.GOARCH, err)
		}
		if v < headerFloor {
			return 0, fmt.Errorf("%s: the UAPI headers are Linux %s, older than the %s that gen/defs need (headerFloor in gen/headers.go)",
				t.GOARCH, versionString(v), versionString(headerFloor))
		}
		if release != 0 && v != release {
			return 0, fmt.Errorf("%s: the UAPI headers are Linux %s, the others %s", t.GOARCH, versionString(v), versionString(release))
		}
		release = v
	}
	return release, nil
}

var versionCode = regexp.MustCompile(`(?m)^#define LINUX_VERSION_CODE (\d+)$`)

func headerVersion(versionH string) (int, error) {
	src, err := os.ReadFile(versionH)
	if err != nil {
		return 0, err
	}
	m := versionCode.FindSubmatch(src)
	if m == nil {
		return 0, fmt.Errorf("%s defines no LINUX_VERSION_CODE", versionH)
	}
	return strconv.Atoi(string(m[1]))
}

// checkIncludeOrder checks that t's compiler, given the flags that godefs
// passes, takes the UAPI headers from inc and not from where bookworm's
// packages installed them (linux/ and asm/ are side by side in both).
func checkIncludeOrder(t target, inc string) error {
	want, err := headerVersion(filepath.Join(inc, "linux", "version.h"))
	if err != nil {
		return err
	}
	cc, err := compiler(t)
	if err != nil {
		return err
	}
	args := slices.Concat(cc[1:], includeFlags(inc), []string{"-E", "-P", "-x", "c", "-"})
	cmd := exec.Command(cc[0], args...)
	cmd.Stdin = strings.NewReader("#include <linux/version.h>\nLINUX_VERSION_CODE\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(cc, " "), err, stderr.Bytes())
	}
	fields := strings.Fields(string(out))
	seen := strings.Join(fields, " ")
	if len(fields) > 0 {
		got, err := strconv.Atoi(fields[len(fields)-1])
		if err == nil && got == want {
			return nil
		}
		if err == nil {
			seen = "Linux " + versionString(got)
		}
	}
	return fmt.Errorf("%s %s takes the UAPI headers of %s, not those of Linux %s in %s",
		strings.Join(cc, " "), strings.Join(includeFlags(inc), " "), seen, versionString(want), inc)
}

// versionString formats a LINUX_VERSION_CODE as the kernel names its
// releases: 6.14, 7.2.13.
func versionString(code int) string {
	v := fmt.Sprintf("%d.%d", code>>16, code>>8&0xff)
	if code&0xff != 0 {
		v += fmt.Sprintf(".%d", code&0xff)
	}
	return v
}

// fetchHeaders downloads the header packages of every target with apt and
// unpacks them into root, replacing what was there.
//
// apt works in a directory of its own (sources, package lists, status,
// cache), so the machine's apt state and architectures are never touched.
// The machine's apt.conf still applies, for its proxies and its policy on
// expired Release files (a frozen mirror needs Acquire::Check-Valid-Until
// off), except for its update hooks.
func fetchHeaders(cache, root string) error {
	for _, tool := range []string{"apt-get", "dpkg", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: the headers are fetched with Debian's apt and dpkg", tool)
		}
	}
	if _, err := os.Stat(headerKeyring); err != nil {
		return fmt.Errorf("%v: install debian-archive-keyring", err)
	}
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		return fmt.Errorf("dpkg --print-architecture: %v", err)
	}
	arch := strings.TrimSpace(string(out))

	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(cache, "fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if strings.Contains(work, `"`) {
		return fmt.Errorf("%s: apt.conf cannot quote a path with a double quote", work)
	}
	apt := filepath.Join(work, "apt")
	debs := filepath.Join(work, "debs")
	for _, d := range []string{"lists/partial", "cache/archives/partial", "empty"} {
		if err := os.MkdirAll(filepath.Join(apt, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return err
	}

	// Only the Packages index: no translations, no AppStream data.
	sources := fmt.Sprintf("deb [signed-by=%s target=Packages] %s %s main\n", headerKeyring, headerMirror, headerSuite)
	// Read after the machine's configuration, so it overrides it.
	conf := []string{
		"#clear APT::Update;",
		"#clear APT::Architectures;",
		// The packages are Architecture: all; the native index lists them.
		aptOption("APT::Architecture", arch),
		aptOption("APT::Architectures::", arch),
		aptOption("Dir::Etc::SourceList", filepath.Join(apt, "sources.list")),
		aptOption("Dir::Etc::SourceParts", filepath.Join(apt, "empty")),
		aptOption("Dir::Etc::Preferences", filepath.Join(apt, "preferences")),
		aptOption("Dir::Etc::PreferencesParts", filepath.Join(apt, "empty")),
		aptOption("Dir::State::Lists", filepath.Join(apt, "lists")),
		aptOption("Dir::State::status", filepath.Join(apt, "status")),
		aptOption("Dir::Cache", filepath.Join(apt, "cache")),
		aptOption("Dir::Cache::pkgcache", ""),
		aptOption("Dir::Cache::srcpkgcache", ""),
		// The private directories are not writable by apt's _apt user.
		aptOption("APT::Sandbox::User", "root"),
		aptOption("Acquire::Retries", "3"),
	}
	files := map[string]string{
		"sources.list": sources,
		"status":       "",
		"apt.conf":     strings.Join(conf, "\n") + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(apt, name), []byte(content), 0o644); err != nil {
			return err
		}
	}

	packages := []string{headerCommonPackage}
	for _, t := range targets {
		packages = append(packages, t.Headers...)
	}
	fmt.Fprintf(os.Stderr, "gen: fetching %s from %s %s\n", strings.Join(packages, " "), headerMirror, headerSuite)
	aptConf := filepath.Join(apt, "apt.conf")
	if err := run(work, "apt-get", "-qq", "-c", aptConf, "update"); err != nil {
		return err
	}
	if err := run(debs, "apt-get", append([]string{"-qq", "-c", aptConf, "download"}, packages...)...); err != nil {
		return err
	}
	names, err := filepath.Glob(filepath.Join(debs, "*.deb"))
	if err != nil {
		return err
	}
	if len(names) != len(packages) {
		return fmt.Errorf("apt-get download left %d packages, want %d", len(names), len(packages))
	}
	unpacked := filepath.Join(work, "root")
	for _, deb := range names {
		if err := run(work, "dpkg-deb", "-x", deb, unpacked); err != nil {
			return err
		}
	}
	if _, err := checkHeaders(unpacked); err != nil {
		return err
	}
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	return os.Rename(unpacked, root)
}

func aptOption(key, value string) string {
	return key + ` "` + value + `";`
}

// run runs a command in dir, its output going to standard error.
func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return nil
}

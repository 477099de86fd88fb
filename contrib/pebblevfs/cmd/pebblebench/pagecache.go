package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// pageCacheBytes returns the page cache charged to this process's memory
// cgroup: memory.stat's "file" under cgroup v2, its "cache" under v1's
// memory controller. bench.sh runs pebblebench in a cgroup of its own, so
// this is the page cache the run's reads and writes filled. It returns -1
// where there is no such cgroup file (the root cgroup has none).
func pageCacheBytes() int64 {
	raw, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(raw)) {
		fields := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(fields) != 3 {
			continue
		}
		switch {
		case fields[0] == "0" && fields[1] == "":
			if n := statField(filepath.Join("/sys/fs/cgroup", fields[2], "memory.stat"), "file"); n >= 0 {
				return n
			}
		case strings.Contains(","+fields[1]+",", ",memory,"):
			if n := statField(filepath.Join("/sys/fs/cgroup/memory", fields[2], "memory.stat"), "cache"); n >= 0 {
				return n
			}
		}
	}
	return -1
}

// statField returns the value of key in the memory.stat file path, or -1.
func statField(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), " ")
		if ok && k == key {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// sizeUnits maps the suffixes that -size and -bs accept to their multipliers.
// They are powers of two, as in fio: 4k is 4096 bytes.
var sizeUnits = []struct {
	suffix     string
	multiplier int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// parseSize reads a byte count such as 4096, 4k, 64MiB or 1g. Its errors
// say what it wants rather than repeat s, since they end up after the name
// and value of a flag.
func parseSize(s string) (int64, error) {
	text := strings.ToLower(strings.TrimSpace(s))
	multiplier := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(text, u.suffix) {
			text = strings.TrimSpace(strings.TrimSuffix(text, u.suffix))
			multiplier = u.multiplier
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("want a byte count such as 4096, 4k, 64m or 1g")
	}
	if n > (1<<62)/multiplier {
		return 0, errors.New("too large: want at most 4 EiB")
	}
	return n * multiplier, nil
}

// formatSize writes a byte count in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		name       string
		multiplier int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.multiplier && n%u.multiplier == 0 {
			return fmt.Sprintf("%d %s", n/u.multiplier, u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// byteSize is a flag.Value holding a byte count written as parseSize reads it.
type byteSize int64

func (b *byteSize) String() string {
	if b == nil || *b == 0 {
		return "0"
	}
	return formatSize(int64(*b))
}

func (b *byteSize) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The flag package reports a value that a flag.Value refuses as
// `invalid value "x" for flag -name: ` followed by the Value's error, and
// says only "parse error" for its own numbers, durations and booleans. The
// Values here say instead what they want, so that the one line that a bad
// value gets also says how to put it right.

// An intRange is a flag.Value holding a whole number from min to max.
type intRange struct {
	value    *int
	min, max int
}

func (r intRange) String() string {
	if r.value == nil {
		return "0"
	}
	return strconv.Itoa(*r.value)
}

func (r intRange) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < r.min || n > r.max {
		return fmt.Errorf("want a whole number from %d to %d", r.min, r.max)
	}
	*r.value = n
	return nil
}

// A positiveDuration is a flag.Value holding a duration longer than zero.
type positiveDuration struct{ value *time.Duration }

func (d positiveDuration) String() string {
	if d.value == nil {
		return "0s"
	}
	return d.value.String()
}

func (d positiveDuration) Set(s string) error {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || v <= 0 {
		return errors.New("want a positive duration with its unit, such as 3s, 500ms or 1m")
	}
	*d.value = v
	return nil
}

// A switchFlag is a boolean flag.Value: given alone it means true, and
// -name=false turns it off.
type switchFlag struct{ value *bool }

func (f switchFlag) IsBoolFlag() bool { return true }

func (f switchFlag) String() string {
	return strconv.FormatBool(f.value != nil && *f.value)
}

func (f switchFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want the flag alone, or =true or =false")
	}
	*f.value = v
	return nil
}

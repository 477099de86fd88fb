package aio

import (
	"fmt"
	"testing"
	"time"
)

// within returns what ch delivers, failing the test if nothing comes within
// 10 s.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing after 10 s", what)
		var zero T
		return zero
	}
}

// eventually waits until state returns want, failing the test with the
// last state after 10 s.
func eventually[T comparable](t *testing.T, state func() T, want T, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		got := state()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v after 10 s, want %v", what, got, want)
		}
	}
}

// reapState is what the reaping tests wait for: requests in the kernel,
// whether one goroutine leads, and how many are parked.
type reapState struct {
	inKernel int64
	leading  bool
	parked   int32
}

func (s reapState) String() string {
	return fmt.Sprintf("%d in the kernel, leading %v, %d parked", s.inKernel, s.leading, s.parked)
}

func (c *Context) reapState() reapState {
	r := &c.reaper
	return reapState{r.inKernel.Load(), r.leading.Load(), r.parked.Load()}
}

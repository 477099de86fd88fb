package main

import "time"

// defaultEngines are what aiobench runs when neither -engine nor -compare
// chooses: the aio package's goroutine API and batch API next to what plain
// Go does (a pool of goroutines calling os.File.ReadAt) and next to fio,
// which is left out, with a note that says so, where it is not installed.
// Without other flags that is four runs of defaultRuntime on a temporary
// file, about 20 seconds in all.
var defaultEngines = []string{"aio", "aio-batch", "pread", "fio"}

// defaultRuntime is the measured time of each run when -runtime does not
// say.
const defaultRuntime = 4 * time.Second

package main

import "github.com/linuxaio/aio/internal/platform"

// A target is one architecture to generate for: a row of the table in
// internal/platform, which the Makefile and the VM tests read too.
type target = platform.Arch

var targets = platform.Arches

func findTarget(goArch string) (target, bool) { return platform.Find(goArch) }

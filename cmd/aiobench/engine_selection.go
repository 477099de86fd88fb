package main

import (
	"fmt"
	"slices"
)

// An engineSelection is what a benchmark runs: the engines that can run on
// this machine, the path of the fio program if one of them is fio, and a
// note for each engine asked for that is left out.
type engineSelection struct {
	engines []string
	fioPath string
	notes   []string
}

// selectEngines finds, with lookPath (exec.LookPath outside tests), the
// programs that cfg's engines need. An engine that cannot run here is left
// out with a note where cfg did not name it (-compare, or no -engine at
// all), and is an error where cfg did.
func selectEngines(cfg *config, lookPath func(string) (string, error), geteventsRuns bool) (engineSelection, error) {
	sel := engineSelection{engines: cfg.engines}
	optional := cfg.compare || cfg.defaultComparison
	if slices.ContainsFunc(sel.engines, isFioEngine) {
		path, err := lookPath("fio")
		switch {
		case err != nil && optional:
			sel.engines = slices.DeleteFunc(slices.Clone(sel.engines), isFioEngine)
			sel.notes = append(sel.notes, "fio is not installed, so its rows are left out and only the Go engines ran "+
				"(Debian: apt-get install fio)")
		case err != nil:
			return engineSelection{}, fmt.Errorf("engine fio: %w (Debian: apt-get install fio)", err)
		default:
			sel.fioPath = path
		}
	}
	if slices.Contains(sel.engines, "getevents") && !geteventsRuns {
		if !optional {
			return engineSelection{}, errGeteventsUnavailable
		}
		sel.engines = slices.DeleteFunc(slices.Clone(sel.engines), func(e string) bool { return e == "getevents" })
		sel.notes = append(sel.notes, "getevents skipped: "+errGeteventsUnavailable.Error())
	}
	return sel, nil
}

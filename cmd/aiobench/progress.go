package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/term"
)

// progressInterval is how often the progress line is redrawn.
const progressInterval = 250 * time.Millisecond

// progressLabelEnv names the environment variable through which a parent
// aiobench tells a child run what to put before its progress line, such as
// "[3/24] ", so that a sweep shows how far along it is.
const progressLabelEnv = "AIOBENCH_PROGRESS_LABEL"

// A progressOutput is where a run shows its progress line, and what it puts
// before it. A zero progressOutput shows nothing.
type progressOutput struct {
	file  *os.File
	label string
}

// A progressLine redraws one status line on a terminal while a run goes on.
// When the output is not a terminal it draws nothing, so that logs and pipes
// get only the report. A nil *progressLine is valid and draws nothing.
type progressLine struct {
	out  progressOutput
	text func() string
	stop chan struct{}
	done chan struct{}
}

// start redraws text() every progressInterval until finish, if the output
// is a terminal; otherwise it returns nil.
func (o progressOutput) start(text func() string) *progressLine {
	if o.file == nil || !term.IsTerminal(int(o.file.Fd())) {
		return nil
	}
	p := &progressLine{out: o, text: text, stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *progressLine) loop() {
	defer close(p.done)
	ticker := time.NewTicker(progressInterval)
	defer ticker.Stop()
	for {
		select {
		case <-p.stop:
			fmt.Fprint(p.out.file, "\r\033[K")
			return
		case <-ticker.C:
			fmt.Fprintf(p.out.file, "\r\033[K%s%s", p.out.label, p.text())
		}
	}
}

// finish stops redrawing and clears the line.
func (p *progressLine) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}

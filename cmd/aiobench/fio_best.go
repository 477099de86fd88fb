package main

import "strconv"

// fioBatching is how fio's libaio engine batches system calls: how many
// I/Os it hands to one io_submit, the least and the most completions it
// asks one io_getevents for, and whether it reads completions from the
// kernel's ring in user space instead of calling io_getevents.
type fioBatching struct {
	submit        int // --iodepth_batch_submit
	completeMin   int // --iodepth_batch_complete_min
	completeMax   int // --iodepth_batch_complete_max
	userspaceReap bool
}

// fioBestSettings returns the batching of the fio-best engine at queue
// depth qd: fio libaio at its fastest, so that the Go engines are measured
// against the best that C does with the same system calls. At every depth
// that is the whole depth per io_submit, and from one to the whole depth
// per io_getevents, sleeping in the kernel until at least one completes.
//
// The choice rests on 2 s runs of 4 KiB random reads on a 1 GiB loop
// device over /dev/shm (fio 3.33, Linux 6.18, 2 CPUs shared with other
// work), four rounds of each setting in turn; IOPS, median (min–max):
//
//	setting                              QD1              QD32              QD128
//	fio's defaults                       30k (30k–51k)    174k (126k–220k)  175k (143k–276k)
//	submit=QD complete_min=1 max=QD      39k (23k–51k)    199k (176k–235k)  238k (169k–338k)
//	  the same with --userspace_reap     46k (31k–62k)    234k (147k–293k)  339k (285k–420k)
//	submit=QD complete_min=0 max=QD      29k (27k–47k)    143k (98k–301k)   179k (107k–335k)
//	  the same with --userspace_reap     36k (32k–62k)    124k (99k–287k)   176k (117k–380k)
//
// The machine was noisy: at QD1 the first three rows are one and the same
// setting (a depth of one leaves nothing to batch), and --userspace_reap
// changes nothing with complete_min=1, since fio reads the completion ring
// itself only when it polls for zero events (fio(1); under strace both
// runs made one io_getevents per 32 I/Os at QD32). The gap between those
// two rows is therefore noise, and the flag is left out. With
// complete_min=0 fio never sleeps: it spins on io_getevents, or on the
// ring with --userspace_reap, burning a CPU that the loop device's worker
// needs on a 2-CPU machine, for fewer IOPS at QD32 and QD128.
func fioBestSettings(qd int) fioBatching {
	return fioBatching{submit: qd, completeMin: 1, completeMax: qd}
}

// arguments returns the fio options that set b.
func (b fioBatching) arguments() []string {
	args := []string{
		"--iodepth_batch_submit=" + strconv.Itoa(b.submit),
		"--iodepth_batch_complete_min=" + strconv.Itoa(b.completeMin),
		"--iodepth_batch_complete_max=" + strconv.Itoa(b.completeMax),
	}
	if b.userspaceReap {
		args = append(args, "--userspace_reap")
	}
	return args
}

// fioBestHelp describes fio-best's settings in aiobench -help.
const fioBestHelp = `--iodepth_batch_submit=QD --iodepth_batch_complete_min=1
             --iodepth_batch_complete_max=QD; not --userspace_reap, which
             fio honours only with --iodepth_batch_complete_min=0, where it
             spins instead of sleeping and was slower on a loop device`

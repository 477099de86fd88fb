package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// A prototype is one //sys or //sysnb line of syscall_linux.go:
//
//	//sys	ioSubmit(ctx contextID, nr int, iocbs **iocb) (n int, err error) = sysIoSubmit
//
// //sys stubs call unix.Syscall, which tells the scheduler the thread may
// block; //sysnb stubs call unix.RawSyscall and are only for calls that never
// block.
type prototype struct {
	name     string
	params   []param
	results  []param
	number   string
	blocking bool
}

type param struct{ name, typ string }

var prototypeLine = regexp.MustCompile(`^//(sys|sysnb)\s+(\w+)\(([^)]*)\)\s*(?:\(([^)]*)\))?\s*=\s*(\w+)\s*$`)

func parsePrototypes(path string) ([]prototype, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	var protos []prototype
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if !strings.HasPrefix(text, "//sys") {
			continue
		}
		m := prototypeLine.FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("%s:%d: malformed prototype %q", path, line, text)
		}
		p := prototype{name: m[2], number: m[5], blocking: m[1] == "sys"}
		if p.params, err = parseParams(m[3]); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if p.results, err = parseParams(m[4]); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if len(p.params) > 6 {
			return nil, fmt.Errorf("%s:%d: %s has more than 6 arguments", path, line, p.name)
		}
		if len(p.results) == 0 || p.results[len(p.results)-1] != (param{"err", "error"}) || len(p.results) > 2 {
			return nil, fmt.Errorf("%s:%d: %s must return (err error) or (x T, err error)", path, line, p.name)
		}
		protos = append(protos, p)
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if len(protos) == 0 {
		return nil, fmt.Errorf("%s has no //sys prototypes", path)
	}
	return protos, nil
}

func parseParams(list string) ([]param, error) {
	var params []param
	for _, field := range strings.Split(list, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		name, typ, ok := strings.Cut(field, " ")
		if !ok {
			return nil, fmt.Errorf("parameter %q needs a name and a type", field)
		}
		params = append(params, param{name, strings.TrimSpace(typ)})
	}
	return params, nil
}

// renderStubs returns the Go functions for protos and the imports they need.
func renderStubs(protos []prototype) (code, imports string) {
	var b strings.Builder
	usesUnsafe := false
	for _, p := range protos {
		var sig, args []string
		for _, a := range p.params {
			sig = append(sig, a.name+" "+a.typ)
			if strings.HasPrefix(a.typ, "*") {
				args = append(args, "uintptr(unsafe.Pointer("+a.name+"))")
				usesUnsafe = true
			} else {
				args = append(args, "uintptr("+a.name+")")
			}
		}
		var results []string
		for _, r := range p.results {
			results = append(results, r.name+" "+r.typ)
		}

		fn := "Syscall"
		if !p.blocking {
			fn = "RawSyscall"
		}
		if len(args) > 3 {
			fn += "6"
			for len(args) < 6 {
				args = append(args, "0")
			}
		} else {
			for len(args) < 3 {
				args = append(args, "0")
			}
		}

		fmt.Fprintf(&b, "func %s(%s) (%s) {\n", p.name, strings.Join(sig, ", "), strings.Join(results, ", "))
		r0 := "_"
		if len(p.results) == 2 {
			r0 = "r0"
		}
		fmt.Fprintf(&b, "\t%s, _, e1 := unix.%s(%s, %s)\n", r0, fn, p.number, strings.Join(args, ", "))
		if len(p.results) == 2 {
			fmt.Fprintf(&b, "\t%s = %s(r0)\n", p.results[0].name, p.results[0].typ)
		}
		b.WriteString("\tif e1 != 0 {\n\t\terr = errnoErr(e1)\n\t}\n\treturn\n}\n\n")
	}
	imports = "\"golang.org/x/sys/unix\"\n"
	if usesUnsafe {
		imports = "\"unsafe\"\n\n" + imports
	}
	return b.String(), imports
}

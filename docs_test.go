package aio_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The Go blocks of the README and of docs/ are held to the code in one of
// three ways, after what each block is:
//
//   - a program (package main) is one of examples/*/main.go, verbatim,
//     which its own test runs; the README's quick start is
//     examples/quickstart;
//   - a listing of declarations (functions without bodies, types, vars) is
//     checked against the declarations of the package it lists: every name
//     exists with the signature shown;
//   - a fragment of statements is, verbatim, the body of an Example in the
//     repository, which go test compiles and runs.

// A goBlock is a fenced Go block of a Markdown file.
type goBlock struct {
	file string
	line int // of its first line
	text string
}

func (b goBlock) String() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var fence = regexp.MustCompile("(?m)^```go\n((?s:.*?))^```$")

// markdownGoBlocks returns the Go blocks of the README and of docs/*.md.
func markdownGoBlocks(t *testing.T) []goBlock {
	t.Helper()
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []goBlock
	for _, name := range append([]string{"README.md"}, files...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllSubmatchIndex(b, -1) {
			blocks = append(blocks, goBlock{
				file: name,
				line: bytes.Count(b[:m[2]], []byte("\n")) + 1,
				text: string(b[m[2]:m[3]]),
			})
		}
	}
	return blocks
}

func TestDocsQuickStartIsExamplesQuickstart(t *testing.T) {
	blocks := markdownGoBlocks(t)
	want, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b.file == "README.md" {
			if b.text != string(want) {
				t.Errorf("%v: the README's first Go block is not examples/quickstart/main.go verbatim; copy the file into it", b)
			}
			return
		}
	}
	t.Fatal("README.md has no Go block")
}

func TestDocsGoBlocks(t *testing.T) {
	examples := exampleBodies(t)
	for _, b := range markdownGoBlocks(t) {
		switch {
		case regexp.MustCompile(`(?m)^package main$`).MatchString(b.text):
			checkProgram(t, b)
		case isDeclarations(b.text):
			checkListing(t, b)
		default:
			if !slices.Contains(examples, b.text) {
				t.Errorf("%v: a fragment that is not the body of any Example; make it one (an Example's body, one tab less, verbatim), so that go test runs it", b)
			}
		}
	}
}

// checkProgram checks that b is one of examples/*/main.go.
func checkProgram(t *testing.T, b goBlock) {
	t.Helper()
	mains, err := filepath.Glob("examples/*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mains {
		if text, err := os.ReadFile(m); err == nil && string(text) == b.text {
			return
		}
	}
	t.Errorf("%v: a program that is none of examples/*/main.go; put it there, with a test that runs it", b)
}

// isDeclarations reports whether text parses as top-level declarations.
func isDeclarations(text string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+text, 0)
	return err == nil && len(f.Decls) > 0
}

// exampleBodies returns the bodies of every Example function in the
// repository's example_test.go files, one tab less indented.
func exampleBodies(t *testing.T) []string {
	t.Helper()
	var bodies []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "example_test.go" {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fn.Name.Name, "Example") || fn.Body == nil {
				continue
			}
			start := fset.Position(fn.Body.Lbrace).Offset + 2 // past "{\n"
			end := fset.Position(fn.Body.Rbrace).Offset
			var body strings.Builder
			for line := range strings.Lines(string(src[start:end])) {
				body.WriteString(strings.TrimPrefix(line, "\t"))
			}
			bodies = append(bodies, body.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

// listedPackages maps the qualifier a listing uses for its own package's
// names to that package's directory; a listing without one lists the root
// package.
var listedPackages = map[string]string{"wal": "examples/wal"}

// checkListing checks every declaration of the listing b against the
// package it lists.
func checkListing(t *testing.T, b goBlock) {
	t.Helper()
	dir, qual := ".", ""
	for q, d := range listedPackages {
		if strings.Contains(b.text, q+".") {
			dir, qual = d, q
		}
	}
	pkg := loadDecls(t, dir)
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+b.text, 0)
	if err != nil {
		t.Fatal(err)
	}
	unqualify(f, qual)
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			key := funcKey(d)
			real, ok := pkg.funcs[key]
			if !ok {
				t.Errorf("%v: %s lists %s, which %s does not have", b, b.file, key, dir)
				continue
			}
			if got, want := render(d.Type), render(real.Type); got != want {
				t.Errorf("%v: %s is listed as\n\t%s\nbut is\n\t%s", b, key, got, want)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					checkListedType(t, b, pkg, s)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if !pkg.values[n.Name] {
							t.Errorf("%v: lists %s, which %s does not have", b, n.Name, dir)
						}
					}
				}
			}
		}
	}
}

// checkListedType checks a listed type against the package's: the same
// underlying type, and for a struct every exported field, listed with its
// type.
func checkListedType(t *testing.T, b goBlock, pkg *decls, s *ast.TypeSpec) {
	t.Helper()
	real, ok := pkg.types[s.Name.Name]
	if !ok {
		t.Errorf("%v: lists type %s, which does not exist", b, s.Name.Name)
		return
	}
	listed, isStruct := s.Type.(*ast.StructType)
	realStruct, realIsStruct := real.Type.(*ast.StructType)
	if !isStruct || !realIsStruct {
		if got, want := render(s.Type), render(real.Type); got != want {
			t.Errorf("%v: type %s is listed as %s but is %s", b, s.Name.Name, got, want)
		}
		return
	}
	fields := func(st *ast.StructType) map[string]string {
		m := map[string]string{}
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.IsExported() {
					m[n.Name] = render(f.Type)
				}
			}
		}
		return m
	}
	got, want := fields(listed), fields(realStruct)
	for name, typ := range want {
		switch g, ok := got[name]; {
		case !ok:
			t.Errorf("%v: the listing of %s lacks its field %s %s", b, s.Name.Name, name, typ)
		case g != typ:
			t.Errorf("%v: %s.%s is listed as %s but is %s", b, s.Name.Name, name, g, typ)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%v: lists field %s.%s, which does not exist", b, s.Name.Name, name)
		}
	}
}

// decls are a package's exported declarations.
type decls struct {
	funcs  map[string]*ast.FuncDecl // by funcKey
	types  map[string]*ast.TypeSpec
	values map[string]bool
}

// loadDecls parses the non-test files of the package in dir.
func loadDecls(t *testing.T, dir string) *decls {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	d := &decls{funcs: map[string]*ast.FuncDecl{}, types: map[string]*ast.TypeSpec{}, values: map[string]bool{}}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				d.funcs[funcKey(decl)] = decl
			case *ast.GenDecl:
				for _, s := range decl.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						d.types[s.Name.Name] = s
					case *ast.ValueSpec:
						for _, n := range s.Names {
							d.values[n.Name] = true
						}
					}
				}
			}
		}
	}
	return d
}

// funcKey names a function "F", or a method "T.M".
func funcKey(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return render(typ) + "." + fn.Name.Name
}

// unqualify rewrites qual.Name to Name throughout f: a listing may qualify
// its own package's names, as its users write them.
func unqualify(f *ast.File, qual string) {
	if qual == "" {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		for _, field := range fieldsOf(n) {
			field.Type = stripQual(field.Type, qual)
		}
		return true
	})
}

func fieldsOf(n ast.Node) []*ast.Field {
	if fl, ok := n.(*ast.FieldList); ok && fl != nil {
		return fl.List
	}
	return nil
}

func stripQual(e ast.Expr, qual string) ast.Expr {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && id.Name == qual {
			return x.Sel
		}
	case *ast.StarExpr:
		x.X = stripQual(x.X, qual)
	case *ast.ArrayType:
		x.Elt = stripQual(x.Elt, qual)
	}
	return e
}

func render(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, token.NewFileSet(), n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

// TestDocsListTheWholeAPI checks that the README's listing of the package has
// every exported function and method.
func TestDocsListTheWholeAPI(t *testing.T) {
	listed := map[string]bool{}
	for _, b := range markdownGoBlocks(t) {
		if b.file != "README.md" || !isDeclarations(b.text) {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+b.text, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				listed[funcKey(fn)] = true
			}
		}
	}
	var missing []string
	for key, fn := range loadDecls(t, ".").funcs {
		recv, _, isMethod := strings.Cut(key, ".")
		if !fn.Name.IsExported() || isMethod && !ast.IsExported(recv) || isMethod && slices.Contains([]string{"String", "Error", "Unwrap"}, fn.Name.Name) || listed[key] {
			continue
		}
		missing = append(missing, key)
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("the README's API lacks %s", strings.Join(missing, ", "))
	}
}

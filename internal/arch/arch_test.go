// Package arch holds no code, only the test that keeps sak's floors
// apart: each package imports only what stands below it (README.md,
// "Layout"):
//
//	internal · parse · mailstore · smtpd, importer, httpd · cli · cmd
package arch

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// pkg is what go list says of one package.
type pkg struct {
	ImportPath   string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
}

// rule forbids the packages under from (the package or below it) to
// depend on anything under one of the prefixes in not.
type rule struct {
	from string
	not  []string
	why  string
}

var rules = []rule{
	{"sak/internal", []string{"sak/parse", "sak/mailstore", "sak/smtpd", "sak/importer", "sak/httpd", "sak/cli", "sak/cmd"}, "internal/ holds leaf helpers beneath everything"},
	{"sak/parse", []string{"sak/mailstore", "sak/smtpd", "sak/importer", "sak/httpd", "sak/cli", "sak/cmd", "sak/torture"}, "parse reads untrusted mail and imports nothing of sak but internal/ leaves"},
	{"sak/mailstore", []string{"sak/smtpd", "sak/importer", "sak/httpd", "sak/cli", "sak/cmd"}, "the store stands below everything that speaks mail, HTTP or prints"},
	{"sak/smtpd", []string{"sak/importer", "sak/httpd", "sak/cli", "sak/cmd"}, "the mail daemon stands below the importers and the CLI, beside the HTTP layer"},
	{"sak/importer", []string{"sak/httpd", "sak/cli", "sak/cmd"}, "the importers stand below the CLI"},
	{"sak/httpd", []string{"sak/smtpd", "sak/importer", "sak/cli", "sak/cmd"}, "the HTTP layer calls the store, as the CLI does, and nothing that speaks mail"},
	{"sak/cli", []string{"sak/cmd"}, "cmd calls cli, not the other way"},
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func (r rule) forbids(path string) bool {
	return slices.ContainsFunc(r.not, func(p string) bool { return under(path, p) })
}

func list(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Deps,TestImports,XTestImports", "sak/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[p.ImportPath] = &p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list sak/... found %d packages", len(pkgs))
	}
	return pkgs
}

// chain is the import path from from to to through the imports of the
// packages in pkgs (breadth first), e.g. "a -> b -> c".
func chain(pkgs map[string]*pkg, from, to string) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for p := to; p != ""; p = prev[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return strings.Join(path, " -> ")
		}
		if p := pkgs[cur]; p != nil {
			for _, imp := range p.Imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = cur
					queue = append(queue, imp)
				}
			}
		}
	}
	return from + " -> ... -> " + to
}

// TestFloors checks every rule on every package of the module: its
// dependencies (transitive, as go list -deps names them) and the direct
// imports of its tests.
func TestFloors(t *testing.T) {
	pkgs := list(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range pkgs {
			if !yield(k) {
				return
			}
		}
	})
	for _, r := range rules {
		checked := 0
		for _, name := range names {
			if !under(name, r.from) {
				continue
			}
			checked++
			p := pkgs[name]
			for _, d := range p.Deps {
				if r.forbids(d) {
					t.Errorf("%s depends on %s (%s): %s", name, d, chain(pkgs, name, d), r.why)
				}
			}
			for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
				if r.forbids(imp) {
					t.Errorf("the tests of %s import %s: %s", name, imp, r.why)
				}
			}
		}
		if checked == 0 {
			t.Errorf("rule for %s checked no package: has it moved?", r.from)
		}
	}
}

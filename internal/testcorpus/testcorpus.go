// Package testcorpus finds ../shared, the material that lies beside a checkout
// of sak (the real-world mail corpus, the RT fixture) and that tests read
// where it is rather than copy into the repository.
package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Find returns the path of shared/rel in the nearest directory above the
// working directory that has it, or "" when none has.
func Find(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// Dir is Find for a test: without shared/rel the test is skipped, except
// under CI=true, where a skip would hide what the test is for.
func Dir(t testing.TB, rel string) string {
	t.Helper()
	if p := Find(rel); p != "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("../shared/%s not found above the working directory", rel)
	}
	t.Skipf("../shared/%s not found above the working directory", rel)
	return ""
}

// CorpusFiles lists every mail of the corpus (shared/corpus/*/*.eml).
func CorpusFiles(t testing.TB) []string {
	t.Helper()
	c := Dir(t, "corpus")
	files, err := filepath.Glob(filepath.Join(c, "*", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .eml files in %s (%v)", c, err)
	}
	return files
}

package version_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sak/cli"
	"sak/cli/cmdutil"
	"sak/cli/version"
	"sak/mailstore"
)

func TestVersion(t *testing.T) {
	run := func(args ...string) string {
		ios, out, errb := cmdutil.TestStreams()
		f := &cmdutil.Factory{IOStreams: ios, Output: cmdutil.OutputTable}
		if code := cli.Run(context.Background(), f, args); code != 0 {
			t.Fatalf("sak %v: exit %d, %s", args, code, errb)
		}
		return out.String()
	}
	line := run("version")
	if line != version.Get().String()+"\n" || !strings.Contains(line, "schema version ") {
		t.Errorf("sak version = %q", line)
	}
	if got := run("--version"); got != line {
		t.Errorf("sak --version = %q, want %q", got, line)
	}
	var in version.Info
	if err := json.Unmarshal([]byte(run("version", "-o", "json")), &in); err != nil || in.Schema != mailstore.SchemaVersionBuilt() || in.Go == "" {
		t.Errorf("sak version -o json = %+v, %v", in, err)
	}
}

func TestString(t *testing.T) {
	in := version.Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", Modified: true, Schema: 17, Go: "go1.26.8"}
	if got, want := in.String(), "sak v1.2.3, commit 0123456789ab (modified), schema version 17, go1.26.8"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

package cmdutil_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/cli/cmdutil"
	"sak/cli/remote"
)

func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text string
		want       cmdutil.Config
		err        string
	}{
		{"all", "# mine\n\ndb = /srv/sak.db\nserver=https://helpdesk.example.org\n  user = alice  \noutput = json\n",
			cmdutil.Config{DB: "/srv/sak.db", Server: "https://helpdesk.example.org", User: "alice", Output: "json"}, ""},
		{"quoted", `db = "postgres://sak@db/sak?sslmode=disable"`, cmdutil.Config{DB: "postgres://sak@db/sak?sslmode=disable"}, ""},
		{"unknown key", "db = a.db\ndatabase = b.db\n", cmdutil.Config{}, "line 2: no setting \"database\""},
		{"no equals", "user alice\n", cmdutil.Config{}, "line 1: \"user alice\" is not KEY = VALUE"},
		{"bad output", "output = yaml\n", cmdutil.Config{}, "line 1: output \"yaml\" is not table or json"},
		{"twice", "user = a\nuser = b\n", cmdutil.Config{}, "line 2: user is set twice"},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := cmdutil.ReadConfig(path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: ReadConfig err = %v, want %q naming the file", tc.name, err, tc.err)
			}
			continue
		}
		tc.want.Path = path
		if err != nil || *got != tc.want {
			t.Errorf("%s: ReadConfig = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if got, err := cmdutil.ReadConfig(filepath.Join(dir, "none")); err != nil || *got != (cmdutil.Config{}) {
		t.Errorf("no file: %+v, %v; want an empty Config", got, err)
	}
}

// TestConfigLayers: the file is the lowest layer, under the environment
// (and the flags, TestConfigFlags in package cli).
func TestConfigLayers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte("db = file.db\nuser = filer\noutput = json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAK_CONFIG", path)
	for _, k := range []string{"SAK_DB", "SAK_USER", "SAK_SERVER", "SAK_TOKEN"} {
		t.Setenv(k, "")
	}
	f := cmdutil.New()
	if f.DB != "file.db" || f.As != "filer" || f.Output != "json" || f.DBGiven || f.AsGiven || f.ConfigErr != nil {
		t.Errorf("from the file: db %q, as %q, output %q, given %v %v, err %v", f.DB, f.As, f.Output, f.DBGiven, f.AsGiven, f.ConfigErr)
	}
	t.Setenv("SAK_DB", "env.db")
	t.Setenv("SAK_USER", "envy")
	if f := cmdutil.New(); f.DB != "env.db" || f.As != "envy" || f.Output != "json" {
		t.Errorf("the environment over the file: db %q, as %q, output %q", f.DB, f.As, f.Output)
	}
	if err := os.WriteFile(path, []byte("colour = yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if f := cmdutil.New(); f.ConfigErr == nil {
		t.Errorf("a bad config file is no error")
	}
}

// TestConfigServer: the file's server is worked through with the token
// 'sak login' keeps for it, unless a database is given; the file's db
// wins over the server 'sak login' keeps as current.
func TestConfigServer(t *testing.T) {
	hosts := func() (*remote.Hosts, error) {
		return &remote.Hosts{Current: "https://other.example.org", Hosts: map[string]remote.Host{
			"https://helpdesk.example.org": {User: "alice", Token: "tok-a"},
			"https://other.example.org":    {User: "bob", Token: "tok-b"},
		}}, nil
	}
	for _, tc := range []struct {
		name   string
		f      *cmdutil.Factory
		remote bool
		server string
		token  string
	}{
		{"file server", &cmdutil.Factory{Config: cmdutil.Config{Server: "https://helpdesk.example.org"}}, true, "https://helpdesk.example.org", "tok-a"},
		{"file server, SAK_DB", &cmdutil.Factory{DBGiven: true, Config: cmdutil.Config{Server: "https://helpdesk.example.org"}}, false, "", ""},
		{"file server, SAK_SERVER", &cmdutil.Factory{Server: "https://other.example.org", Token: "t", Config: cmdutil.Config{Server: "https://helpdesk.example.org"}}, true, "https://other.example.org", "t"},
		{"file db", &cmdutil.Factory{Config: cmdutil.Config{DB: "x.db"}}, false, "", ""},
		{"nothing", &cmdutil.Factory{}, true, "https://other.example.org", "tok-b"},
	} {
		f := tc.f
		f.Hosts = hosts
		got, err := f.Remote()
		if err != nil || got != tc.remote || f.Server != tc.server || f.Token != tc.token {
			t.Errorf("%s: Remote = %v, %v; server %q token %q; want %v, %q, %q", tc.name, got, err, f.Server, f.Token, tc.remote, tc.server, tc.token)
		}
	}
}

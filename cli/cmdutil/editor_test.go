package cmdutil_test

import (
	"io"
	"strings"
	"testing"

	"sak/cli/cmdutil"
)

func TestStripComments(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"# only\n#\n", ""},
		{"\n\n   \n# x\n", ""},
		{"Hello\n# gone\nthere\n", "Hello\nthere\n"},
		{"\n\nHello\n\n\n", "Hello\n"},
		{"Hi\n\n-- \nAlice\n\n# > quoted\n", "Hi\n\n-- \nAlice\n"},
		{" # kept: not at the start\n", " # kept: not at the start\n"},
		{"a\r\n# b\r\nc", "a\nc\n"},
	} {
		if got := cmdutil.StripComments(tc.in); got != tc.want {
			t.Errorf("StripComments(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPager(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, cmdutil.DefaultPager},
		{map[string]string{"PAGER": "more"}, "more"},
		{map[string]string{"PAGER": "more", "SAK_PAGER": "most"}, "most"},
		{map[string]string{"PAGER": "more", "SAK_PAGER": ""}, ""},
		{map[string]string{"PAGER": ""}, ""},
		{map[string]string{"PAGER": "cat"}, ""},
	} {
		f := &cmdutil.Factory{Env: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }}
		if got := f.PagerCommand(); got != tc.want {
			t.Errorf("PagerCommand with %v = %q, want %q", tc.env, got, tc.want)
		}
	}
	// Through the pager on a terminal, straight out elsewhere.
	for _, tty := range []bool{true, false} {
		ios, stdout, _ := cmdutil.TestStreams()
		ios.IsTTY = tty
		f := &cmdutil.Factory{IOStreams: ios, Env: func(k string) (string, bool) { return map[string]string{"PAGER": "sed s/^/paged:/"}[k], k == "PAGER" }}
		err := f.Page(func() error { _, err := io.WriteString(ios.Out, "one\ntwo\n"); return err })
		want := "one\ntwo\n"
		if tty {
			want = "paged:one\npaged:two\n"
		}
		if err != nil || stdout.String() != want {
			t.Errorf("Page on a terminal %v: %q, %v; want %q", tty, stdout.String(), err, want)
		}
	}
	// A reader who quits the pager early is no error.
	ios, _, _ := cmdutil.TestStreams()
	ios.IsTTY = true
	f := &cmdutil.Factory{IOStreams: ios, Env: func(k string) (string, bool) { return "true", k == "PAGER" }}
	err := f.Page(func() error {
		for i := 0; i < 10000; i++ {
			if _, err := io.WriteString(ios.Out, strings.Repeat("x", 100)+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("Page after the pager quit: %v", err)
	}
}

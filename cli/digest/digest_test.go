package digest_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
)

// TestDigestSend: 'sak user set --digest' and 'sak digest send'.
func TestDigestSend(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		if out := e.MustRunAs("alice", "user", "set", "alice", "--digest", "07:30"); out != "Daily digest of alice: at 07:30.\n" {
			t.Errorf("user set: %q", out)
		}
		if r := e.RunAs("alice", "user", "set", "bob", "--digest", "07:30"); r.Code == 0 {
			t.Errorf("user set of another by a caseworker succeeded")
		}
		if out := e.MustRunAs("alice", "digest", "send", "--user", "alice"); out != "1 digest queued.\n" {
			t.Errorf("digest send: %q", out)
		}
		if out := e.MustRunAs("root", "digest", "send"); !strings.Contains(out, "No digest queued") {
			t.Errorf("digest send for all, alice's sent already: %q", out)
		}
		if out := e.MustRun("outbox", "list"); !strings.Contains(out, "digest") || !strings.Contains(out, "alice@example.org") {
			t.Errorf("outbox lacks alice's digest:\n%s", out)
		}
	})
}

package token_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

func TestToken(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		r := e.RunAs("alice", "token", "create", "--name", "laptop")
		secret := strings.TrimSuffix(r.Out, "\n")
		if r.Code != 0 || !strings.HasPrefix(secret, mailstore.TokenPrefix) || strings.Contains(secret, "\n") {
			t.Fatalf("token create: exit %d, out %q, err %q", r.Code, r.Out, r.Err)
		}
		if r.Err != "Token 1 for alice expires 2027-02-25 09:17. It is shown only this once.\n" {
			t.Errorf("token create stderr: %q", r.Err)
		}
		if strings.Contains(r.Err, secret) {
			t.Errorf("the token is on stderr too")
		}
		r = e.RunAs("alice", "token", "create", "--user", "bob")
		if r.Code != 1 || r.Err != "sak: only a sysadmin may make tokens for others, and alice is not one\n" {
			t.Errorf("alice makes bob a token: exit %d, %q", r.Code, r.Err)
		}
		var issued mailstore.IssuedToken
		e.JSON("root", &issued, "token", "create", "--user", "bob", "--name", "script", "--expires", "never")
		if issued.User != "bob" || issued.Expires != nil || !strings.HasPrefix(issued.Secret, mailstore.TokenPrefix) {
			t.Errorf("token create -o json: %+v", issued)
		}
		if r := e.RunAs("alice", "token", "create", "--expires", "soon"); r.Code != 2 {
			t.Errorf("--expires soon: exit %d, %q", r.Code, r.Err)
		}
		clitest.Golden(t, "testdata/list_bob.golden", e.MustRunAs("root", "token", "list", "--user", "bob"))
		var ts []mailstore.Token
		e.JSON("alice", &ts, "token", "list")
		if len(ts) != 1 || ts[0].Name != "laptop" {
			t.Errorf("alice's tokens: %+v", ts)
		}
		b, _ := json.Marshal(ts)
		if strings.Contains(string(b), secret[len(mailstore.TokenPrefix):]) {
			t.Errorf("token list shows the secret")
		}
		r = e.RunAs("alice", "token", "revoke", "2")
		if r.Code != 1 || r.Err != "sak: no token 2: see 'sak token list'\n" {
			t.Errorf("alice revokes bob's token: exit %d, %q", r.Code, r.Err)
		}
		if out := e.MustRunAs("alice", "token", "revoke", "1"); out != "Token 1 revoked.\n" {
			t.Errorf("revoke: %q", out)
		}
		if r := e.RunAs("alice", "token", "list"); r.Out != "" || r.Err != "No tokens.\n" {
			t.Errorf("list after revoke: %q %q", r.Out, r.Err)
		}
	})
}

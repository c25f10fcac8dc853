package mailstore

import (
	"strings"
	"testing"
)

// FuzzDetail reads arbitrary +details as signed ones (reply addresses,
// return paths): nothing panics, what parses formats back to a detail
// that parses the same, and no detail passes a check without the token
// the secret makes for it.
func FuzzDetail(f *testing.F) {
	secret := []byte("fuzz secret")
	for _, s := range []string{
		"t42-k3x9q7mz2aab", "b7-abcdefghijkl", "B7-ABCDEFGHIJKL", "t0-aaaaaaaaaaaa", "b999999999999999999-aaaaaaaaaaaa",
		"t-1-aaaaaaaaaaaa", "x1-aaaaaaaaaaaa", "b1-aaaaaaaaaaa", "b1-aaaaaaaaaaa1", "urgent", "", "b1-", "t42-k3x9q7mz2aab\n",
		returnPath(secret, "support@example.org", 12)[len("support+") : len(returnPath(secret, "support@example.org", 12))-len("@example.org")],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		kind, id, tok, ok := parseDetail(detail)
		if !ok {
			if checkReturnPath(secret, detail) != 0 || checkReplyDetail(secret, detail, "pat@example.com", KindCorrespond) != 0 {
				t.Fatalf("%q does not parse but passes a check", detail)
			}
			return
		}
		addr := detailAddress("support@example.org", kind, id, tok)
		local, _, _ := strings.Cut(addr, "@")
		_, again, _ := strings.Cut(local, "+")
		k2, id2, tok2, ok2 := parseDetail(again)
		if !ok2 || k2 != kind || id2 != id || tok2 != tok {
			t.Fatalf("parseDetail(%q) = %c %d %q; formatted %q parses as %c %d %q %v", detail, kind, id, tok, again, k2, id2, tok2, ok2)
		}
		if got := checkReturnPath(secret, detail); got != 0 && (kind != 'b' || tok != token(secret, id, "", purposeBounce)) {
			t.Fatalf("checkReturnPath(%q) = %d without the row's token", detail, got)
		}
	})
}

package mailstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clk := &fixedClock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
		s := open(t, mailstore.WithClock(clk.now))
		storetest.Desk(t, s)

		tok, secret, err := s.CreateToken(ctx, "alice", "", "laptop", clk.now().Add(24*time.Hour))
		mustDo(t, err)
		if !strings.HasPrefix(secret, mailstore.TokenPrefix) || tok.User != "alice" || tok.Name != "laptop" {
			t.Fatalf("CreateToken = %+v, %q", tok, secret)
		}
		got, err := s.Authenticate(ctx, secret)
		mustDo(t, err)
		if got.ID != tok.ID || got.User != "alice" || got.LastUsed == nil {
			t.Errorf("Authenticate = %+v, want token %d of alice, used", got, tok.ID)
		}
		var stored string
		mustDo(t, s.DB().QueryRow(`SELECT hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&stored))
		if strings.Contains(stored, secret[len(mailstore.TokenPrefix):]) {
			t.Errorf("the store holds the token itself: %q", stored)
		}

		unauth := func(what, secret string) {
			t.Helper()
			_, err := s.Authenticate(ctx, secret)
			if !errors.Is(err, mailstore.ErrUnauthenticated) {
				t.Errorf("%s: Authenticate err = %v, want ErrUnauthenticated", what, err)
			}
			if err != nil && secret != "" && strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error holds the token: %v", what, err)
			}
		}
		unauth("empty", "")
		unauth("malformed", "sak_nonsense")
		flip := "A"
		if strings.HasSuffix(secret, "A") {
			flip = "B"
		}
		unauth("bad checksum", secret[:len(secret)-1]+flip)
		_, other, err := s.CreateToken(ctx, "root", "bob", "", time.Time{})
		mustDo(t, err)
		unauth("well-formed, unknown", mailstore.FormatToken([]byte(strings.Repeat("x", 32))))
		unauth("bob's with another prefix", "ghp_"+other[4:])

		// Rights: alice makes none for bob, root makes them for anyone.
		if _, _, err := s.CreateToken(ctx, "alice", "bob", "", time.Time{}); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("alice makes bob a token: err = %v, want ErrPermission", err)
		}
		if _, err := s.ListTokens(ctx, "alice", "bob"); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("alice lists bob's tokens: err = %v, want ErrPermission", err)
		}
		ts, err := s.ListTokens(ctx, "root", "bob")
		mustDo(t, err)
		if len(ts) != 1 || ts[0].User != "bob" || ts[0].Expires != nil {
			t.Errorf("bob's tokens = %+v, want one that never expires", ts)
		}
		if err := s.RevokeToken(ctx, "alice", ts[0].ID); !errors.Is(err, mailstore.ErrNotFound) {
			t.Errorf("alice revokes bob's token: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Authenticate(ctx, other); err != nil {
			t.Errorf("bob's token after alice tried to revoke it: %v", err)
		}

		// Expired.
		clk.set(clk.now().Add(24 * time.Hour))
		unauth("expired", secret)
		// A disabled user's tokens stop at once.
		mustDo(t, s.DisableUser(ctx, "root", "bob"))
		unauth("disabled user", other)

		// Revoked.
		_, third, err := s.CreateToken(ctx, "carol", "carol", "", time.Time{})
		mustDo(t, err)
		ts, err = s.ListTokens(ctx, "carol", "")
		mustDo(t, err)
		mustDo(t, s.RevokeToken(ctx, "carol", ts[0].ID))
		unauth("revoked", third)
		if _, _, err := s.CreateToken(ctx, "carol", "", "", clk.now()); !errors.Is(err, mailstore.ErrInvalid) {
			t.Errorf("expiry now: err = %v, want ErrInvalid", err)
		}
	})
}

func TestLoginCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clk := &fixedClock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
		s := open(t, mailstore.WithClock(clk.now))
		storetest.Desk(t, s)
		outbox := func() int {
			rows, err := s.Outbox(ctx, mailstore.OutboxFilter{})
			mustDo(t, err)
			return len(rows)
		}
		before := outbox()

		// Unknown and disabled logins: the same answer, no mail.
		mustDo(t, s.RequestLoginCode(ctx, "nobody", "192.0.2.1"))
		mustDo(t, s.DisableUser(ctx, "root", "walt"))
		mustDo(t, s.RequestLoginCode(ctx, "walt", "192.0.2.1"))
		if n := outbox(); n != before {
			t.Errorf("login codes for an unknown and a disabled user queued %d mails", n-before)
		}
		if _, _, err := s.RedeemLoginCode(ctx, "nobody", "12345678", ""); !errors.Is(err, mailstore.ErrUnauthenticated) {
			t.Errorf("redeem for an unknown login: err = %v, want ErrUnauthenticated", err)
		}

		// A code works once.
		mustDo(t, s.RequestLoginCode(ctx, "alice", "192.0.2.1"))
		code := storetest.LoginCode(t, s, "alice@example.org")
		if len(code) != mailstore.LoginCodeDigits {
			t.Fatalf("code %q", code)
		}
		tok, secret, err := s.RedeemLoginCode(ctx, "Alice", code, "laptop")
		mustDo(t, err)
		if tok.User != "alice" || tok.Expires == nil || !tok.Expires.Equal(clk.now().Add(mailstore.LoginTokenLife)) {
			t.Errorf("token = %+v", tok)
		}
		if u, err := s.Authenticate(ctx, secret); err != nil || u.User != "alice" {
			t.Errorf("Authenticate(the code's token) = %v, %v", u, err)
		}
		if _, _, err := s.RedeemLoginCode(ctx, "alice", code, ""); !errors.Is(err, mailstore.ErrUnauthenticated) {
			t.Errorf("code used twice: err = %v, want ErrUnauthenticated", err)
		}

		// Five wrong tries kill the code.
		mustDo(t, s.RequestLoginCode(ctx, "bob", "192.0.2.2"))
		code = storetest.LoginCode(t, s, "bob@example.org")
		wrong := "00000000"
		if code == wrong {
			wrong = "00000001"
		}
		for i := 0; i < mailstore.LoginCodeTries; i++ {
			if _, _, err := s.RedeemLoginCode(ctx, "bob", wrong, ""); !errors.Is(err, mailstore.ErrUnauthenticated) {
				t.Fatalf("wrong code %d: err = %v", i, err)
			}
		}
		if _, _, err := s.RedeemLoginCode(ctx, "bob", code, ""); !errors.Is(err, mailstore.ErrUnauthenticated) {
			t.Errorf("right code after %d wrong ones: err = %v, want ErrUnauthenticated", mailstore.LoginCodeTries, err)
		}

		// Expired after 10 minutes.
		mustDo(t, s.RequestLoginCode(ctx, "carol", "192.0.2.3"))
		code = storetest.LoginCode(t, s, "carol@example.org")
		clk.set(clk.now().Add(mailstore.LoginCodeLife))
		if _, _, err := s.RedeemLoginCode(ctx, "carol", code, ""); !errors.Is(err, mailstore.ErrUnauthenticated) {
			t.Errorf("expired code: err = %v, want ErrUnauthenticated", err)
		}

		// Rate limits: per login (known or not alike), per client.
		for _, login := range []string{"carol", "nobody2"} {
			var err error
			for i := 0; i < 10 && err == nil; i++ {
				err = s.RequestLoginCode(ctx, login, "198.51.100."+login)
			}
			if !errors.Is(err, mailstore.ErrLimited) {
				t.Errorf("many codes for %s: err = %v, want ErrLimited", login, err)
			}
		}
		var err2 error
		for i := 0; i < 30 && err2 == nil; i++ {
			err2 = s.RequestLoginCode(ctx, "x"+string(rune('a'+i)), "203.0.113.9")
		}
		if !errors.Is(err2, mailstore.ErrLimited) {
			t.Errorf("many codes from one client: err = %v, want ErrLimited", err2)
		}
		clk.set(clk.now().Add(time.Hour + time.Second))
		mustDo(t, s.RequestLoginCode(ctx, "carol", "203.0.113.9"))
	})
}

func TestAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		id := newTicket(t, s, "alice", "support", "Printer", "It burns.")
		mustDo(t, s.Take(mailstore.WithAgent(ctx, "root"), "alice", id))
		txs, err := s.History(ctx, id)
		mustDo(t, err)
		last := txs[len(txs)-1]
		if last.Type != mailstore.TxTake || last.Actor != "alice" || last.Agent != "root" {
			t.Errorf("take as alice by root: %+v, want actor alice, agent root", last)
		}
		if txs[0].Agent != "" {
			t.Errorf("create by alice herself: agent %q, want none", txs[0].Agent)
		}
	})
}

func FuzzParseToken(f *testing.F) {
	f.Add("sak_")
	f.Add("sak_" + strings.Repeat("A", 49))
	f.Add("ghp_abc")
	f.Add(mailstore.FormatToken([]byte(strings.Repeat("k", 32))))
	f.Fuzz(func(t *testing.T, s string) {
		b, err := mailstore.ParseToken(s)
		if err != nil {
			return
		}
		if len(b) != 32 {
			t.Fatalf("ParseToken(%q) = %d bytes", s, len(b))
		}
		if again := mailstore.FormatToken(b); again != s {
			t.Fatalf("ParseToken(%q) then FormatToken = %q", s, again)
		}
	})
}

// TestDisableRevokesTokens: disabling a user ends their tokens for good:
// enabled again, they log in anew.
func TestDisableRevokesTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		_, secret, err := s.CreateToken(ctx, "bob", "bob", "laptop", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableUser(ctx, "root", "bob"); err != nil {
			t.Fatal(err)
		}
		if err := s.EnableUser(ctx, "root", "bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); !errors.Is(err, mailstore.ErrUnauthenticated) {
			t.Errorf("bob's token after disable and enable: %v, want ErrUnauthenticated", err)
		}
	})
}

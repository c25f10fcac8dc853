package smtpd

import (
	"reflect"
	"strings"
	"testing"
)

// Headers as OpenDKIM, OpenDMARC, rspamd and Postfix's SPF policy daemon
// write them (values after "Authentication-Results:", folding kept).
var realAuthRes = []string{
	// OpenDKIM 2.11
	" mail.example.com;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.org header.i=@example.org header.a=rsa-sha256 header.s=default header.b=KwXZ8Hcg;\r\n\tdkim-atps=neutral",
	// OpenDKIM 2.10
	" mx.example.org; dkim=pass (1024-bit key; unprotected) header.d=example.org header.i=@example.org header.b=\"abc/d+e=\"",
	" mx.example.org; dkim=fail reason=\"signature verification failed\" (2048-bit key; secure) header.d=example.org header.i=@example.org header.b=\"x\"",
	" mx.example.org; dkim=none",
	// OpenDMARC
	" mx.example.org; dmarc=pass (p=none dis=none) header.from=example.org",
	" mx.example.org; dmarc=fail (p=reject dis=none) header.from=example.org",
	" mx.example.org; spf=pass smtp.mailfrom=example.org",
	// policyd-spf (Header_Type = AR)
	" mx.example.org; spf=pass (sender SPF authorized) smtp.mailfrom=alice@example.org (client-ip=192.0.2.1; helo=mail.example.org; envelope-from=alice@example.org; receiver=<UNKNOWN>)",
	// rspamd
	" mx.example.org;\r\n\tdkim=pass header.d=example.org header.s=sel header.b=Ab+/cd;\r\n\tspf=pass (mx.example.org: domain of alice@example.org designates 192.0.2.1 as permitted sender) smtp.mailfrom=alice@example.org;\r\n\tdmarc=pass (policy=reject) header.from=example.org",
	// RFC 8601 appendix B
	" example.com 1; none",
	" example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net; sender-id=pass header.from=example.net",
	" example.com; dkim=pass reason=\"good signature\" header.i=@mail-router.example.net; dkim=fail reason=\"bad signature\" header.i=@newyork.example.com",
	" mail-router.example.net; dkim/1=pass (good signature) header.d=newyork.example.com header.b=oINEO8hg",
}

func TestParseAuthRes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want *arHeader
	}{
		{realAuthRes[1], &arHeader{ID: "mx.example.org", Results: []arResult{{Method: "dkim", Value: "pass",
			Props: map[string]string{"header.d": "example.org", "header.i": "@example.org", "header.b": "abc/d+e="}}}}},
		{realAuthRes[2], &arHeader{ID: "mx.example.org", Results: []arResult{{Method: "dkim", Value: "fail", Reason: "signature verification failed",
			Props: map[string]string{"header.d": "example.org", "header.i": "@example.org", "header.b": "x"}}}}},
		{realAuthRes[4], &arHeader{ID: "mx.example.org", Results: []arResult{{Method: "dmarc", Value: "pass",
			Props: map[string]string{"header.from": "example.org"}}}}},
		{realAuthRes[9], &arHeader{ID: "example.com"}},
		{`mx; spf=pass smtp.mailfrom="x;dkim=pass header.d=example.org x="@evil.test`, &arHeader{ID: "mx", Results: []arResult{{Method: "spf", Value: "pass",
			Props: map[string]string{"smtp.mailfrom": "x;dkim=pass header.d=example.org x=@evil.test"}}}}},
		{"mx; spf=pass (a; dkim=pass header.d=example.org) smtp.mailfrom=evil.test", &arHeader{ID: "mx", Results: []arResult{{Method: "spf", Value: "pass",
			Props: map[string]string{"smtp.mailfrom": "evil.test"}}}}},
		{"(c) \"mx\" (d) ; dkim = pass ( nested (comment; here) ) header . d = example.org ;", &arHeader{ID: "mx", Results: []arResult{{Method: "dkim", Value: "pass",
			Props: map[string]string{"header.d": "example.org"}}}}},
	} {
		got, err := parseAuthRes(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseAuthRes(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for i, in := range realAuthRes {
		if _, err := parseAuthRes(in); err != nil {
			t.Errorf("parseAuthRes(realAuthRes[%d]) = %v", i, err)
		}
	}
	for _, in := range []string{
		"",
		"mx.example.org; dkim=pass (unterminated header.d=example.org",
		"mx.example.org; dkim=pass header.d=\"example.org",
		"mx.example.org dkim=pass header.d=example.org",
		"mx.example.org 2; dkim=pass header.d=example.org",
		"mx.example.org; dkim=pass header.d=example.org header.d=evil.example",
		"mx.example.org; dkim=pass header.d=example.org;;",
		"mx.example.org; dkim=pass header=example.org",
		"mx.example.org; dkim pass",
		"mx.example.org; dkim=pass header.d=example.org\"x\"",
		"mx.example.org; none; dkim=pass header.d=example.org",
		"mx.example.org; dkim=pass header.d=example.org reason=late",
	} {
		if h, err := parseAuthRes(in); err == nil {
			t.Errorf("parseAuthRes(%q) = %+v, want an error", in, h)
		}
	}
}

// FuzzAuthRes: the parser never panics, and what it reads it formats so
// that it reads back the same.
func FuzzAuthRes(f *testing.F) {
	for _, s := range realAuthRes {
		f.Add(s)
	}
	f.Add(`mx; spf=pass smtp.mailfrom="x;dkim=pass header.d=example.org x="@evil.test`)
	f.Add("(c) \"mx\" (d) ; dkim = pass ( nested (comment; here) ) header . d = example.org ;")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := parseAuthRes(in)
		if err != nil {
			return
		}
		out := h.String()
		h2, err := parseAuthRes(out)
		if err != nil {
			t.Fatalf("parseAuthRes(%q) = %+v, formatted %q, which does not parse: %v", in, h, out, err)
		}
		if !reflect.DeepEqual(h, h2) {
			t.Fatalf("parseAuthRes(%q) = %+v, formatted %q, parsed again %+v", in, h, out, h2)
		}
		if strings.Count(out, ";") < len(h.Results) {
			t.Fatalf("formatted %q has fewer ';' than %d results", out, len(h.Results))
		}
	})
}

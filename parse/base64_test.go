package parse

import (
	"bytes"
	"testing"
)

// decodeBase64Plain is the lenient base64 decoder written plainly, one
// byte and one rule at a time: decodeBase64's table-driven loop must agree
// with it on every input.
func decodeBase64Plain(src []byte) (out []byte, size int, clean bool) {
	clean = true
	var quad [4]byte
	n := 0
	flush := func() {
		if n == 1 {
			clean = false
		}
		w := max(n-1, 0)
		v := uint32(quad[0])<<18 | uint32(quad[1])<<12 | uint32(quad[2])<<6 | uint32(quad[3])
		b := [3]byte{byte(v >> 16), byte(v >> 8), byte(v)}
		out = append(out, b[:w]...)
		size += w
		n, quad = 0, [4]byte{}
	}
	for _, c := range src {
		var v byte
		ok := true
		switch {
		case 'A' <= c && c <= 'Z':
			v = c - 'A'
		case 'a' <= c && c <= 'z':
			v = c - 'a' + 26
		case '0' <= c && c <= '9':
			v = c - '0' + 52
		case c == '+':
			v = 62
		case c == '/':
			v = 63
		default:
			ok = false
		}
		switch {
		case ok:
			quad[n] = v
			if n++; n == 4 {
				flush()
			}
		case c == '=':
			flush()
		case c != ' ' && c != '\t' && c != '\r' && c != '\n':
			clean = false
		}
	}
	flush()
	return out, size, clean
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "aGVsbG8=", "aGVs\r\nbG8=\r\n", "aGVsbG8=d29ybGQ=", "a", "ab=cd", "!!aGk*", "aGVsbG8gd29ybGQ\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want, wantSize, wantClean := decodeBase64Plain(src)
		got, size, clean := decodeBase64(src, true)
		if !bytes.Equal(got, want) || size != wantSize || clean != wantClean {
			t.Fatalf("decodeBase64(%q) = %q, %d, %v; want %q, %d, %v", src, got, size, clean, want, wantSize, wantClean)
		}
		if _, size, clean := decodeBase64(src, false); size != wantSize || clean != wantClean {
			t.Fatalf("decodeBase64(%q, size only) = %d, %v; want %d, %v", src, size, clean, wantSize, wantClean)
		}
	})
}

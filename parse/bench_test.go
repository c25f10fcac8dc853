package parse

import (
	"bytes"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

// plainMail is a ~2 KiB plain text message.
func plainMail() []byte {
	var b bytes.Buffer
	b.WriteString("From: Ola Nordmann <ola@example.no>\r\nTo: support@example.no\r\n" +
		"Subject: =?utf-8?Q?Sp=C3=B8rsm=C3=A5l?= [support #42]\r\nDate: Tue, 5 Mar 2024 10:15:00 +0100\r\n" +
		"Message-ID: <bench.1@example.no>\r\nIn-Reply-To: <sak-42-1@sak.example.no>\r\n" +
		"References: <sak-42-0@sak.example.no> <sak-42-1@sak.example.no>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for b.Len() < 2048 {
		b.WriteString("Jeg får ikke logget inn på portalen, og skriveren virker ikke.\r\n")
	}
	return b.Bytes()
}

// attachmentMail is a message with a 200 KiB base64 attachment.
func attachmentMail() []byte {
	data := bytes.Repeat([]byte("0123456789abcdef"), 200*1024/16)
	enc := base64.StdEncoding.EncodeToString(data)
	var lines strings.Builder
	for len(enc) > 76 {
		lines.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	lines.WriteString(enc + "\r\n")
	return []byte("From: ola@example.no\r\nTo: support@example.no\r\nSubject: vedlegg\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nSe vedlegg.\r\n" +
		"--b\r\nContent-Type: application/pdf; name=\"big.pdf\"\r\nContent-Disposition: attachment; filename=\"big.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + lines.String() + "--b--\r\n")
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name string
		raw  []byte
	}{
		{"plain-2KiB", plainMail()},
		{"attachment-200KiB", attachmentMail()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.raw)))
			for b.Loop() {
				Parse(bc.raw)
			}
		})
	}
}

func TestBenchMails(t *testing.T) {
	m := Parse(attachmentMail())
	want := []Attachment{{Name: "big.pdf", ContentType: "application/pdf", Size: 200 * 1024}}
	if len(m.Attachments) != 1 || !reflect.DeepEqual(described(m.Attachments), want) || m.Text != "Se vedlegg." {
		t.Errorf("Parse(attachment mail) = %+v, %q, want %+v, %q", m.Attachments, m.Text, want, "Se vedlegg.")
	}
	if m := Parse(plainMail()); m.Subject != "Spørsmål [support #42]" || len(m.Defects) != 0 {
		t.Errorf("Parse(plain mail) = %q, %v, want %q, no defects", m.Subject, m.Defects, "Spørsmål [support #42]")
	}
}

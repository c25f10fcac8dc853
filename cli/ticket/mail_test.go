package ticket_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sak/cli"
	"sak/cli/clitest"
	"sak/mailstore"
)

// TestMail checks that 'sak ticket mail' writes a ticket's mail byte for
// byte, names it in 'ticket show', and refuses a mail of another ticket
// and a terminal.
func TestMail(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		raw := "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Skjema\r\nMessage-ID: <form.1@example.com>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHer er det.\r\n" +
			"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=skjema.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjcK\r\n--b--\r\n"
		if r := e.Exec("root", raw, "mailgate", "--recipient", "support@example.org"); r.Code != 0 {
			t.Fatalf("mailgate: exit %d, %s", r.Code, r.Err)
		}
		var d mailstore.Detail
		e.JSON("alice", &d, "ticket", "show", "4")
		if len(d.Transactions) == 0 || d.Transactions[0].Message == nil {
			t.Fatalf("ticket 4 holds no mail: %+v", d)
		}
		m := d.Transactions[0].Message.ID
		if got := e.MustRunAs("alice", "ticket", "mail", "4", fmt.Sprint(m)); got != raw {
			t.Errorf("ticket mail 4 %d =\n%q\nwant\n%q", m, got, raw)
		}
		if show := e.MustRunAs("alice", "ticket", "show", "4"); !strings.Contains(show, fmt.Sprintf("sak ticket mail 4 %d > mail.eml", m)) {
			t.Errorf("ticket show does not name the mail:\n%s", show)
		}
		if r := e.RunAs("alice", "ticket", "mail", "1", fmt.Sprint(m)); r.Code != 1 || r.Out != "" || !strings.Contains(r.Err, fmt.Sprintf("ticket 1 has no mail %d", m)) {
			t.Errorf("mail of ticket 4 asked of ticket 1: exit %d, %q, %q", r.Code, r.Out, r.Err)
		}
		// Merged into ticket 1, the mail is ticket 1's.
		e.MustRunAs("alice", "ticket", "merge", "4", "1")
		if got := e.MustRunAs("alice", "ticket", "mail", "1", fmt.Sprint(m)); got != raw {
			t.Errorf("after the merge, ticket mail 1 %d = %q", m, got)
		}
		f, stdout, stderr := e.Factory("alice")
		f.IOStreams.IsTTY = true
		if code := cli.Run(context.Background(), f, []string{"ticket", "mail", "4", fmt.Sprint(m)}); code != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "redirect it") {
			t.Errorf("to a terminal: exit %d, %d bytes out, %q", code, stdout.Len(), stderr.String())
		}
	})
}

package queue_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/cli/clitest"
)

// TestQueueTemplate: set, show, preview and reset a queue's template,
// and a broken one refused with its line.
func TestQueueTemplate(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		dir := t.TempDir()
		write := func(name, text string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		if out := e.MustRunAs("mona", "queue", "set", "support", "--lang", "nb", "--signature-file", write("sig", "IT-støtta\n"), "--notify-resolved"); out != "Queue support (support@example.org, comments support-comment@example.org): mail in nb, resolve notice on, digest default off.\n" {
			t.Errorf("queue set: %q", out)
		}
		if r := e.RunAs("alice", "queue", "set", "support", "--lang", "en"); r.Code == 0 || !strings.Contains(r.Err, "only its managers and sysadmins") {
			t.Errorf("queue set by a caseworker: %d %q", r.Code, r.Err)
		}
		r := e.RunAs("mona", "queue", "template", "show", "support", "autoreply")
		if r.Code != 0 || !strings.HasPrefix(r.Out, "Subject: Mottatt: {{.Ticket.Subject}}") || !strings.Contains(r.Err, "the built-in (nb)") {
			t.Errorf("template show: %d %q %q", r.Code, r.Out, r.Err)
		}
		r = e.RunAs("mona", "queue", "template", "set", "support", "autoreply", "--file", write("bad", "Subject: x\n\n{{.Ticket.Emne}}\n"))
		if r.Code == 0 || !strings.Contains(r.Err, "line 3: can't evaluate field Emne") {
			t.Errorf("template set of a broken template: %d %q", r.Code, r.Err)
		}
		e.MustRunAs("mona", "queue", "template", "set", "support", "autoreply", "--file", write("ok", "Subject: Takk: {{.Ticket.Subject}}\n\nSak {{.Ticket.ID}} er mottatt.\n{{.Signature}}\n"))
		if out := e.MustRunAs("mona", "queue", "template", "preview", "support", "autoreply", "--ticket", "1"); out != "Subject: [support #1] Takk: Printer on fire\nContent-Language: nb\n\nSak 1 er mottatt.\nIT-støtta\n" {
			t.Errorf("template preview: %q", out)
		}
		// A preview for a ticket shows only a ticket the user sees.
		if r := e.RunAs("carol", "queue", "template", "preview", "support", "autoreply", "--ticket", "1"); r.Code != 1 || r.Err != "sak: no ticket 1\n" {
			t.Errorf("carol previews with ticket 1: exit %d, %q", r.Code, r.Err)
		}
		e.MustRunAs("mona", "queue", "template", "reset", "support", "autoreply")
		if r := e.RunAs("mona", "queue", "template", "show", "support", "autoreply"); !strings.Contains(r.Err, "built-in") {
			t.Errorf("template show after reset: %q", r.Err)
		}
	})
}

package httpd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"sak/httpd"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// newEnvTwo is newEnv with a second ticket in support, other.
func newEnvTwo(t *testing.T, open storetest.Opener) (e *env, other int64) {
	t.Helper()
	e = newEnv(t, open, httpd.Config{})
	other, err := e.s.CreateTicket(context.Background(), "bob", mailstore.NewTicket{Queue: "support", Requestors: []string{"kim@example.com"}, Subject: "Toner"})
	if err != nil {
		t.Fatal(err)
	}
	return e, other
}

// TestEditTicket changes a ticket through PATCH, untake, links and
// requestors; refusals (an outsider, bad values) change nothing.
func TestEditTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e, other := newEnvTwo(t, open)
		path := fmt.Sprintf("/api/v1/tickets/%d", e.ticket)
		before := e.state()
		status, body := e.do("PATCH", path, e.tokens["carol"], map[string]any{"priority": 5})
		wantError(t, "carol edits a support ticket", status, body, http.StatusNotFound, "not_found")
		status, body = e.do("PATCH", path, e.tokens["alice"], map[string]any{"priority": 500})
		wantError(t, "priority 500", status, body, http.StatusBadRequest, "invalid")
		status, body = e.do("PATCH", path, e.tokens["alice"], map[string]any{"due": "tomorrow"})
		wantError(t, "due tomorrow", status, body, http.StatusBadRequest, "invalid")
		status, body = e.do("PATCH", path, e.tokens["alice"], map[string]any{})
		wantError(t, "an empty PATCH", status, body, http.StatusBadRequest, "invalid")
		status, body = e.do("POST", path+"/links", e.tokens["carol"], map[string]any{"type": "DependsOn", "ticket": other})
		wantError(t, "carol links a support ticket", status, body, http.StatusNotFound, "not_found")
		status, body = e.do("POST", path+"/requestors", e.tokens["carol"], map[string]any{"address": "x@example.com"})
		wantError(t, "carol adds a requestor", status, body, http.StatusNotFound, "not_found")
		if after := e.state(); after != before {
			t.Errorf("after refused requests: %s, want %s", after, before)
		}

		var tk mailstore.Ticket
		decode := func(status int, body []byte) {
			t.Helper()
			tk = mailstore.Ticket{}
			if status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
				t.Fatalf("a change answered %d %s", status, body)
			}
		}
		decode(e.do("PATCH", path, e.tokens["alice"], map[string]any{"subject": "Printer on fire, room 101", "priority": 40, "due": "2027-01-15T12:00:00Z"}))
		if tk.Subject != "Printer on fire, room 101" || tk.Priority != 40 || tk.Due == nil || !tk.Due.Equal(time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("after PATCH: %+v", tk)
		}
		decode(e.do("PATCH", path, e.tokens["alice"], `{"due": null}`))
		if tk.Due != nil || tk.Priority != 40 {
			t.Errorf("after due null: due %v, priority %d", tk.Due, tk.Priority)
		}
		decode(e.do("POST", path+"/take", e.tokens["alice"], nil))
		decode(e.do("POST", path+"/untake", e.tokens["bob"], nil))
		if tk.Owner != nil {
			t.Errorf("after untake: owner %q", *tk.Owner)
		}
		decode(e.do("POST", path+"/links", e.tokens["alice"], map[string]any{"type": "DependsOn", "ticket": other}))
		if len(tk.Links) != 1 || tk.Links[0] != (mailstore.Link{Type: "DependsOn", Direction: "out", Ticket: other}) {
			t.Errorf("links after POST: %+v", tk.Links)
		}
		status, body = e.do("POST", path+"/links", e.tokens["alice"], map[string]any{"type": "DependsOn", "ticket": other})
		wantError(t, "the same link again", status, body, http.StatusConflict, "conflict")
		decode(e.do("DELETE", path+"/links", e.tokens["bob"], map[string]any{"type": "DependsOn", "ticket": other}))
		if len(tk.Links) != 0 {
			t.Errorf("links after DELETE: %+v", tk.Links)
		}
		decode(e.do("POST", path+"/requestors", e.tokens["alice"], map[string]any{"address": "kari@example.com"}))
		decode(e.do("POST", path+"/requestors/remove", e.tokens["alice"], map[string]any{"address": "pat@example.com"}))
		if strings.Join(tk.Requestors, ",") != "kari@example.com" {
			t.Errorf("requestors: %q", tk.Requestors)
		}
		status, body = e.do("POST", path+"/requestors/remove", e.tokens["alice"], map[string]any{"address": "kari@example.com"})
		wantError(t, "the last requestor", status, body, http.StatusConflict, "conflict")

		var d mailstore.Detail
		if status, body = e.do("GET", path, e.tokens["alice"], nil); json.Unmarshal(body, &d) != nil {
			t.Fatalf("show: %d %s", status, body)
		}
		var types []string
		for _, x := range d.Transactions[1:] {
			types = append(types, x.Type)
		}
		want := "set-subject set-priority set-due set-due take untake link unlink add-requestor del-requestor"
		if got := strings.Join(types, " "); got != want {
			t.Errorf("history: %s, want %s", got, want)
		}
	})
}

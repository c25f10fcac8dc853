package login

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client speaks to one sak server's API.
type client struct {
	base  string // the server's URL, without a trailing slash
	token string
	http  *http.Client
}

func newClient(base, token string) *client {
	return &client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// ServerURL checks a server URL: https, or http to a loopback address
// (a reverse proxy or a test on this machine), never a token in clear
// over a network. It returns the URL without a trailing slash.
func ServerURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not a server URL: give it as https://sak.example.org", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("%s is plain HTTP to another machine: use https://", raw)
		}
	default:
		return "", fmt.Errorf("%q is not a server URL: give it as https://sak.example.org", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// do sends body as JSON and decodes the answer into out (when not nil).
// An error answer becomes an error with the server's sentence.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is known; the error need not repeat it
		}
		return fmt.Errorf("reach %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read the answer of %s: %w", c.base, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
			Code  string `json:"code"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			return &apiError{Status: resp.StatusCode, Msg: fmt.Sprintf("%s answered %s", c.base, resp.Status)}
		}
		return &apiError{Status: resp.StatusCode, Code: e.Code, Msg: e.Error}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("read the answer of %s: %w", c.base, err)
		}
	}
	return nil
}

// apiError is an error the server answered.
type apiError struct {
	Status int
	Code   string
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

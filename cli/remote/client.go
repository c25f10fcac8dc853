// Package remote is the sak CLI's side of the HTTP API (package httpd):
// the client, hosts.json where 'sak login' keeps its tokens, and Desk,
// the commands' operations over the API. An answer's error comes back as
// the mailstore.Error the server refused with (its kind from the error
// document's code), so that the CLI prints and exits on it as it does on
// the database.
package remote

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

	"sak/mailstore"
)

// Client speaks to one sak server's API.
type Client struct {
	base  string // the server's URL, without a trailing slash
	token string
	as    string // X-Sak-As: the user a sysadmin acts as; "" for the token's
	http  *http.Client
}

// NewClient is a client of the server at base (see ServerURL) with token
// ("" for the login endpoints).
func NewClient(base, token string) *Client {
	return &Client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 2 * time.Minute}}
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

// Do sends body as JSON and decodes the answer into out (when not nil).
// An error answer becomes the server's refusal: a mailstore.Error of the
// kind its code names, so that errors.Is works as on the database.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.do(ctx, method, path, body, out)
	return err
}

// do is Do, also returning the answer's header.
func (c *Client) do(ctx context.Context, method, path string, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	b, h, err := c.send(ctx, method, path, rd, "application/json")
	if err != nil {
		return nil, err
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("read the answer of %s: %w", c.base, err)
		}
	}
	return h, nil
}

// maxAnswer bounds an answer read into memory: a raw mail may be as large
// as the server takes mail.
const maxAnswer = 256 << 20

// send sends one request and reads the whole answer; an error answer is
// returned as an error.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, contentType string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.as != "" {
		req.Header.Set("X-Sak-As", c.as)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is known; the error need not repeat it
		}
		if errors.Is(err, context.Canceled) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("reach %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, nil, fmt.Errorf("read the answer of %s: %w", c.base, err)
	}
	if resp.StatusCode >= 300 {
		return nil, nil, c.refusal(resp, b)
	}
	return b, resp.Header, nil
}

// kinds maps the API's error codes to the store's kinds.
var kinds = map[string]error{
	"unauthenticated": mailstore.ErrUnauthenticated,
	"forbidden":       mailstore.ErrPermission,
	"not_found":       mailstore.ErrNotFound,
	"conflict":        mailstore.ErrConflict,
	"invalid":         mailstore.ErrInvalid,
	"too_large":       mailstore.ErrInvalid,
	"rate_limited":    mailstore.ErrLimited,
}

func (c *Client) refusal(resp *http.Response, b []byte) error {
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		return fmt.Errorf("%s answered %s", c.base, resp.Status)
	}
	kind, ok := kinds[e.Code]
	if !ok {
		// 503 and anything new: a failure, not a refusal.
		return fmt.Errorf("%s: %s", c.base, e.Error)
	}
	return &mailstore.Error{Kind: kind, Msg: e.Error}
}

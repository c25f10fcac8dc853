package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Host is one server the CLI is logged in to.
type Host struct {
	User    string     `json:"user"`
	Token   string     `json:"token"`
	TokenID int64      `json:"token_id"`
	Expires *time.Time `json:"expires"`
}

// Hosts is hosts.json: the servers the CLI is logged in to, and the one
// in use. 'sak login' writes it, readable by its owner alone.
type Hosts struct {
	Current string          `json:"current"`
	Hosts   map[string]Host `json:"hosts"`
}

// Lookup is the server named (the current one for ""), and its Host if
// the CLI is logged in to it.
func (h *Hosts) Lookup(server string) (string, Host, bool) {
	if server == "" {
		server = h.Current
	}
	host, ok := h.Hosts[server]
	return server, host, ok
}

// ConfigDir is $XDG_CONFIG_HOME/sak, or ~/.config/sak.
func ConfigDir() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "sak"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration directory: %w", err)
	}
	return filepath.Join(home, ".config", "sak"), nil
}

// HostsPath is where hosts.json is.
func HostsPath() (string, error) {
	d, err := ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "hosts.json"), nil
}

// ReadHosts reads hosts.json; none is an empty Hosts.
func ReadHosts() (*Hosts, error) {
	p, err := HostsPath()
	if err != nil {
		return nil, err
	}
	h := &Hosts{Hosts: map[string]Host{}}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if err := json.Unmarshal(b, h); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if h.Hosts == nil {
		h.Hosts = map[string]Host{}
	}
	return h, nil
}

// Write stores hosts.json with mode 0600 in a directory of mode 0700,
// replacing the old one at once (a new file renamed over it), so that no
// token is ever in a file others may read.
func (h *Hosts) Write() error {
	p, err := HostsPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("make %s: %w", filepath.Dir(p), err)
	}
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".hosts-*.json")
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

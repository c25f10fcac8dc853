package cmdutil

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/remote"
)

// ConfigHelp is what the config file holds, for 'sak --help' and the
// errors of a file sak cannot read.
const ConfigHelp = `Config file: $XDG_CONFIG_HOME/sak/config (else ~/.config/sak/config), or
the file SAK_CONFIG names: lines of KEY = VALUE, '#' starts a comment.
  db      the database, as for --db
  server  the sak server to work through, as for --server (the token is
          the one 'sak login' keeps for it, or SAK_TOKEN); a --db or
          SAK_DB given wins over it
  user    your login on the database, as for --as (over the API you are
          the token's user)
  output  table or json, as for -o
Flags and environment variables win over the file.`

// Config is the config file: the defaults of the global flags below the
// environment and the flags.
type Config struct {
	Path   string // where it was read from; "" when there is none
	DB     string
	Server string
	User   string
	Output string
}

// ConfigPath is the config file: SAK_CONFIG when set, else config in
// remote.ConfigDir; "" when there is no configuration directory.
func ConfigPath() (string, error) {
	if p := os.Getenv("SAK_CONFIG"); p != "" {
		return p, nil
	}
	d, err := remote.ConfigDir()
	if err != nil {
		// No home and no XDG_CONFIG_HOME (an MTA's pipe transport, a
		// service): no config file, not an error.
		return "", nil
	}
	return filepath.Join(d, "config"), nil
}

// ReadConfig reads the config file at path; none there is an empty
// Config, and a file sak cannot read is an error that says where.
func ReadConfig(path string) (*Config, error) {
	if path == "" {
		return &Config{}, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the config file: %w", err)
	}
	c := &Config{Path: path}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		bad := func(why string) error {
			return fmt.Errorf("config file %s, line %d: %s; lines are KEY = VALUE with KEY db, server, user or output (see 'sak --help')", path, n, why)
		}
		if !ok || key == "" {
			return nil, bad(fmt.Sprintf("%q is not KEY = VALUE", Sanitize(line)))
		}
		var field *string
		switch key {
		case "db":
			field = &c.DB
		case "server":
			field = &c.Server
		case "user":
			field = &c.User
		case "output":
			if value != OutputTable && value != OutputJSON {
				return nil, bad(fmt.Sprintf("output %q is not table or json", Sanitize(value)))
			}
			field = &c.Output
		default:
			return nil, bad(fmt.Sprintf("no setting %q", Sanitize(key)))
		}
		if *field != "" {
			return nil, bad(fmt.Sprintf("%s is set twice", key))
		}
		*field = value
	}
	return c, nil
}

// SetupExitCode is the annotation of a command whose exit status when it
// cannot start (a broken config file) is its own: mailgate's 75, so that
// the MTA keeps the mail and retries instead of bouncing it.
const SetupExitCode = "sak-setup-exit-code"

// SetupError is err, a failure before cmd could start, with cmd's
// SetupExitCode when it has one.
func SetupError(cmd *cobra.Command, err error) error {
	if code, e := strconv.Atoi(cmd.Annotations[SetupExitCode]); e == nil {
		return &codedError{code: code, err: err}
	}
	return err
}

type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }
func (e *codedError) ExitCode() int { return e.code }

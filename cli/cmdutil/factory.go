// Package cmdutil holds what every sak command shares: the Factory that
// carries the global options and opens the store, the IO streams, usage
// errors, and the output helpers (JSON, tables, sanitising of untrusted
// text for terminals).
package cmdutil

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"sak/mailstore"
)

// Output formats for -o.
const (
	OutputTable = "table"
	OutputJSON  = "json"
)

// Factory carries the global options and the lazily opened store to every
// command. The root command binds DB, As and Output to its flags.
type Factory struct {
	IOStreams *IOStreams
	DB        string // DSN: a file path, sqlite:PATH or postgres://…
	As        string // login of the acting user
	Output    string // OutputTable or OutputJSON
	// Now is the clock the store records times with.
	Now func() time.Time
	// Location is the time zone times are shown in (default time.Local).
	Location *time.Location

	mu    sync.Mutex
	store *mailstore.Store
}

// New returns a Factory for the process: the system's streams, and the
// defaults of the global flags from the environment (SAK_DB, SAK_USER) or
// else "sak.db" and the OS login.
func New() *Factory {
	f := &Factory{
		IOStreams: System(),
		DB:        os.Getenv("SAK_DB"),
		As:        os.Getenv("SAK_USER"),
		Output:    OutputTable,
		Now:       time.Now,
		Location:  time.Local,
	}
	if f.DB == "" {
		f.DB = "sak.db"
	}
	if f.As == "" {
		f.As = osLogin()
	}
	return f
}

// osLogin is the login of the user running sak, or "" when unknown.
func osLogin() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		name := u.Username
		if i := strings.LastIndexAny(name, `\`); i >= 0 { // DOMAIN\user on Windows
			name = name[i+1:]
		}
		return strings.ToLower(name)
	}
	return strings.ToLower(os.Getenv("USER"))
}

// JSON reports whether -o json was asked for.
func (f *Factory) JSON() bool { return f.Output == OutputJSON }

// Loc is the time zone to show times in.
func (f *Factory) Loc() *time.Location {
	if f.Location == nil {
		return time.Local
	}
	return f.Location
}

// Clock is the clock of the process: Now, or else time.Now.
func (f *Factory) Clock() func() time.Time {
	if f.Now == nil {
		return time.Now
	}
	return f.Now
}

// RawStore opens the store once, without checking its schema: for
// 'sak db migrate'.
func (f *Factory) RawStore(ctx context.Context) (*mailstore.Store, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open(ctx)
}

func (f *Factory) open(ctx context.Context) (*mailstore.Store, error) {
	if f.store != nil {
		return f.store, nil
	}
	s, err := mailstore.Open(ctx, f.DB, mailstore.WithClock(f.Clock()))
	if err != nil {
		return nil, err
	}
	f.store = s
	return s, nil
}

// Store opens the store once and checks that its schema is the one this
// sak was built for. A brand-new SQLite database is migrated on the spot,
// so that 'sak user add' works first thing on a fresh machine; PostgreSQL
// is only ever migrated by 'sak db migrate'.
func (f *Factory) Store(ctx context.Context) (*mailstore.Store, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v == 0 && s.AutoMigrate() {
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "sak: created a new database %s (schema version %d)\n", Sanitize(s.String()), s.CodeVersion())
		return s, nil
	}
	if err := s.CheckVersion(v); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the store if it was opened.
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store == nil {
		return nil
	}
	err := f.store.Close()
	f.store = nil
	return err
}

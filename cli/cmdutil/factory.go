// Package cmdutil holds what every sak command shares: the Factory that
// carries the global options and opens the store, the IO streams, usage
// errors, and the output helpers (JSON, tables, sanitising of untrusted
// text for terminals).
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"sak/cli/remote"
	"sak/mailstore"
)

// Output formats for -o.
const (
	OutputTable = "table"
	OutputJSON  = "json"
)

// Factory carries the global options and the lazily opened store to every
// command. The root command binds DB, As, Server and Output to its flags.
//
// A command works in one of two modes. With a server (Server, from
// --server, SAK_SERVER or the one 'sak login' keeps), the commands of
// caseworkers and queue managers go through its API (Desk) with Token;
// without one they work on the database (Store) as a sysadmin on the
// server does. Commands only a sysadmin on the server runs (db, import,
// serve, outbox …) always work on the database.
type Factory struct {
	IOStreams *IOStreams
	DB        string // DSN: a file path, sqlite:PATH or postgres://…
	As        string // login of the acting user
	Output    string // OutputTable or OutputJSON
	// Server is the URL of the sak server the CLI works through; "" works
	// on the database. Token is the API token, and User the token's user
	// when known (else the server is asked).
	Server string
	Token  string
	User   string
	// DBGiven and AsGiven say that --db or SAK_DB, and --as or SAK_USER,
	// were given rather than defaulted: a database given explicitly wins
	// over the server 'sak login' keeps, and --as over the API is a
	// sysadmin acting for another user.
	DBGiven bool
	AsGiven bool
	// StoreOptions are more options of the store Store opens.
	StoreOptions []mailstore.Option
	// MayCreate lets Store make a new SQLite database where none is:
	// for 'sak serve' and the first sysadmin ('sak user add --sysadmin').
	// Any other command on a path with no database says so, rather than
	// answer from a new empty one ('sak db migrate' makes one too).
	MayCreate bool
	// Hosts reads hosts.json for the server in use when neither a
	// database nor a server was given; nil reads none (tests).
	Hosts func() (*remote.Hosts, error)
	// Now is the clock the store records times with.
	Now func() time.Time
	// Location is the time zone times are shown in (default time.Local).
	Location *time.Location
	// Config is the config file's defaults (lowest of the layers: the
	// flags, then the environment, then the file); ConfigErr why it could
	// not be read, told before any command runs.
	Config    Config
	ConfigErr error
	// Env looks a variable of the environment up (VISUAL, EDITOR, PAGER
	// …) as os.LookupEnv does; nil looks in the process's.
	Env func(string) (string, bool)

	mu    sync.Mutex
	store *mailstore.Store
	desk  Desk
}

// New returns a Factory for the process: the system's streams, and the
// defaults of the global flags from the environment (SAK_DB, SAK_USER,
// SAK_SERVER), else the config file (ConfigPath), else "sak.db", the OS
// login and tables.
func New() *Factory {
	f := &Factory{
		IOStreams: System(),
		DB:        os.Getenv("SAK_DB"),
		As:        os.Getenv("SAK_USER"),
		Output:    OutputTable,
		Now:       time.Now,
		Location:  time.Local,
		Server:    os.Getenv("SAK_SERVER"),
		Token:     os.Getenv("SAK_TOKEN"),
		Hosts:     remote.ReadHosts,
	}
	f.DBGiven, f.AsGiven = f.DB != "", f.As != ""
	if path, err := ConfigPath(); err != nil {
		f.ConfigErr = err
	} else if c, err := ReadConfig(path); err != nil {
		f.ConfigErr = err
	} else {
		f.Config = *c
	}
	f.useConfig()
	if f.DB == "" {
		f.DB = "sak.db"
	}
	if f.As == "" {
		f.As = osLogin()
	}
	return f
}

// useConfig takes the config file's db, user and output where the
// environment gave none; its server counts in remote.
func (f *Factory) useConfig() {
	c := f.Config
	if f.DB == "" {
		f.DB = c.DB
	}
	if f.As == "" {
		f.As = c.User
	}
	if c.Output != "" {
		f.Output = c.Output
	}
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

// Remote reports whether caseworkers' commands go through a server: one
// was given (--server, SAK_SERVER), or none and no database was, and
// 'sak login' keeps one. It fills in Server, Token and User from
// hosts.json in the last case.
func (f *Factory) Remote() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remote()
}

func (f *Factory) remote() (bool, error) {
	if f.Server != "" {
		return true, nil
	}
	if f.DBGiven {
		return false, nil
	}
	if c := f.Config.Server; c != "" {
		// The config file's server, with the token 'sak login' keeps
		// for it unless SAK_TOKEN gives one.
		f.Server = c
		if f.Token == "" && f.Hosts != nil {
			hosts, err := f.Hosts()
			if err != nil {
				return false, err
			}
			if u, err := remote.ServerURL(c); err == nil {
				c = u
			}
			if _, h, ok := hosts.Lookup(c); ok {
				f.Token, f.User = h.Token, h.User
			}
		}
		return true, nil
	}
	if f.Config.DB != "" || f.Hosts == nil {
		return false, nil
	}
	hosts, err := f.Hosts()
	if err != nil {
		return false, err
	}
	server, h, ok := hosts.Lookup("")
	if !ok {
		return false, nil
	}
	f.Server, f.Token, f.User = server, h.Token, h.User
	return true, nil
}

// Desk is what the commands of caseworkers work on: a server's API in
// remote mode, else the database. Over the API, As becomes the token's
// user unless --as was given (a sysadmin acting for someone).
func (f *Factory) Desk(ctx context.Context) (Desk, error) {
	f.mu.Lock()
	if f.desk != nil {
		f.mu.Unlock()
		return f.desk, nil
	}
	remoteMode, err := f.remote()
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !remoteMode {
		s, err := f.Store(ctx)
		if err != nil {
			return nil, err
		}
		f.desk = local{s}
		return f.desk, nil
	}
	server, err := remote.ServerURL(f.Server)
	if err != nil {
		return nil, err
	}
	if f.Token == "" {
		return nil, fmt.Errorf("no token for %s: log in with 'sak login %s --user LOGIN', or set SAK_TOKEN", server, server)
	}
	if f.User == "" {
		var who struct {
			User string `json:"user"`
		}
		if err := remote.NewClient(server, f.Token).Do(ctx, "GET", "/api/v1/whoami", nil, &who); err != nil {
			return nil, err
		}
		f.User = who.User
	}
	if !f.AsGiven || f.As == "" {
		f.As = f.User
	}
	f.desk = remote.NewDesk(server, f.Token, f.User)
	return f.desk, nil
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
	if remoteMode, err := f.remote(); err != nil {
		return nil, err
	} else if remoteMode && !f.DBGiven && f.Config.DB == "" {
		return nil, fmt.Errorf("this command works on the database, not through %s: run it on the server, giving the database with --db or SAK_DB", f.Server)
	}
	if p, ok := mailstore.SQLitePath(f.DB); ok && !f.MayCreate {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: check --db or SAK_DB; 'sak db migrate' makes a new one (as do 'sak serve' and adding the first sysadmin with 'sak user add LOGIN --email ADDR --sysadmin')", p)
		}
	}
	s, err := mailstore.Open(ctx, f.DB, append([]mailstore.Option{mailstore.WithClock(f.Clock())}, f.StoreOptions...)...)
	if err != nil {
		return nil, err
	}
	f.store = s
	return s, nil
}

// Store opens the store once and checks that its schema is the one this
// sak was built for. A brand-new SQLite database is made and migrated on
// the spot for the commands that may (MayCreate: 'sak serve', the first
// 'sak user add --sysadmin' on a fresh machine); PostgreSQL is only ever
// migrated by 'sak db migrate'.
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

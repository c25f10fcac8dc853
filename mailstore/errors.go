package mailstore

import (
	"errors"
	"fmt"
)

// Sentinels that callers branch on with errors.Is. Errors returned by the
// operations wrap one of them and say what was refused and why.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnknownQueue = errors.New("unknown queue")
	ErrUnknownUser  = errors.New("unknown user")
	ErrPermission   = errors.New("permission denied")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid")
	ErrDisabled     = errors.New("user disabled")
	ErrSchema       = errors.New("schema version mismatch")
	// ErrUnauthenticated: no valid credential (a token or login code
	// that is wrong, expired, revoked, or of a disabled user).
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrLimited: too many requests of a kind; try again later.
	ErrLimited = errors.New("rate limited")
)

// Error is a refusal: Kind is one of the sentinels above, Msg the sentence a
// person reads ("ticket 42 is owned by alice: steal it instead").
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }
func (e *Error) Unwrap() error        { return e.Kind }

func refuse(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// IsRefusal reports whether err is a refusal of the request (bad input or no
// right), as opposed to a failure of the store.
func IsRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

package whmcsdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxLockName is the longest name GET_LOCK accepts on MySQL 5.7+.
const maxLockName = 64

// releaseTimeout bounds RELEASE_LOCK when the run's context is already done.
const releaseTimeout = 10 * time.Second

// LockName is the server-wide lock name for name in database dbName:
// "domainsync:<db>:<name>", or "domainsync:" + a SHA-256 prefix of that
// when it would exceed 64 bytes.
func LockName(dbName, name string) string {
	full := "domainsync:" + dbName + ":" + name
	if len(full) <= maxLockName {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	h := hex.EncodeToString(sum[:])
	return "domainsync:" + h[:maxLockName-len("domainsync:")]
}

// ErrLockLost is returned by Lock.Held when the run lock is no longer held
// by this run (its connection died or was killed, or the lock was released).
var ErrLockLost = errors.New("the run lock was lost")

// Lock is a run lock held with GET_LOCK on one connection of its own.
type Lock struct {
	conn *sql.Conn
	name string
	ctx  context.Context

	mu     sync.Mutex
	done   bool
	relErr error
}

// Lock takes the run lock name (scoped to this database) with GET_LOCK on
// a connection held until release. When another session holds it, the
// error wraps ErrLocked at once (no waiting). release runs RELEASE_LOCK and
// closes the connection; it may be called more than once. LockHeld is the
// same with a way to check the lock is still held.
func (db *DB) Lock(ctx context.Context, name string) (release func() error, err error) {
	l, err := db.LockHeld(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// LockHeld is Lock returning the lock itself: Held tells whether it is
// still held, Release releases it.
func (db *DB) LockHeld(ctx context.Context, name string) (*Lock, error) {
	if name == "" {
		return nil, errors.New("lock: empty name")
	}
	lockName := LockName(db.dbName, name)
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", lockName, err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lockName).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock %q: %w", lockName, err)
	}
	if !got.Valid {
		conn.Close()
		return nil, fmt.Errorf("lock %q: GET_LOCK failed", lockName)
	}
	if got.Int64 != 1 {
		var holder sql.NullInt64
		// Best effort: which connection holds it, for the message.
		_ = conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", lockName).Scan(&holder)
		conn.Close()
		if holder.Valid {
			return nil, fmt.Errorf("%w (lock %q held by connection %d)", ErrLocked, lockName, holder.Int64)
		}
		return nil, fmt.Errorf("%w (lock %q)", ErrLocked, lockName)
	}
	return &Lock{conn: conn, name: lockName, ctx: ctx}, nil
}

// Held returns nil while this run still holds the lock, and an error
// wrapping ErrLockLost when it does not (the lock's connection died or was
// killed: the server then released the lock, and another run may hold it).
// It asks the server on the lock's own connection.
func (l *Lock) Held(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return fmt.Errorf("%w: lock %q was released", ErrLockLost, l.name)
	}
	var mine sql.NullBool
	err := l.conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?) = CONNECTION_ID()", l.name).Scan(&mine)
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("checking lock %q: %w", l.name, err)
	case err != nil:
		return fmt.Errorf("%w: lock %q: its connection failed: %v", ErrLockLost, l.name, err)
	case !mine.Valid || !mine.Bool:
		return fmt.Errorf("%w: lock %q is no longer held by this run", ErrLockLost, l.name)
	}
	return nil
}

// Release runs RELEASE_LOCK and closes the lock's connection (which
// releases it in any case). It may be called more than once; later calls
// return the first call's result.
func (l *Lock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.relErr
	}
	l.done = true
	rctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), releaseTimeout)
	defer cancel()
	var released sql.NullInt64
	err := l.conn.QueryRowContext(rctx, "SELECT RELEASE_LOCK(?)", l.name).Scan(&released)
	switch {
	case err != nil:
		l.relErr = fmt.Errorf("releasing lock %q: %w", l.name, err)
	case !released.Valid || released.Int64 != 1:
		l.relErr = fmt.Errorf("releasing lock %q: it was no longer held by this run", l.name)
	}
	// Closing the connection releases the lock in any case.
	if err := l.conn.Close(); err != nil && l.relErr == nil {
		l.relErr = fmt.Errorf("releasing lock %q: %w", l.name, err)
	}
	return l.relErr
}

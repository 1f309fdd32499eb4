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

// Lock takes the run lock name (scoped to this database) with GET_LOCK on
// a connection held until release. When another session holds it, the
// error wraps ErrLocked at once (no waiting). release runs RELEASE_LOCK and
// closes the connection; it may be called more than once.
func (db *DB) Lock(ctx context.Context, name string) (release func() error, err error) {
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

	var once sync.Once
	var relErr error
	release = func() error {
		once.Do(func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			defer cancel()
			var released sql.NullInt64
			err := conn.QueryRowContext(rctx, "SELECT RELEASE_LOCK(?)", lockName).Scan(&released)
			switch {
			case err != nil:
				relErr = fmt.Errorf("releasing lock %q: %w", lockName, err)
			case !released.Valid || released.Int64 != 1:
				relErr = fmt.Errorf("releasing lock %q: it was no longer held by this run", lockName)
			}
			// Closing the connection releases the lock in any case.
			if err := conn.Close(); err != nil && relErr == nil {
				relErr = fmt.Errorf("releasing lock %q: %w", lockName, err)
			}
		})
		return relErr
	}
	return release, nil
}

package whmcsdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestLockHeld: Held is nil while the lock is held, ErrLockLost once the
// lock's connection is killed by another session (the server then frees
// the lock and another run can take it) or the lock is released.
func TestLockHeld(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	l, err := e.db.LockHeld(ctx, "sync")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Held(ctx); err != nil {
		t.Fatalf("Held while held: %v", err)
	}
	holder := e.scalar(t, "SELECT IS_USED_LOCK(?)", LockName(e.db.Name(), "sync"))
	if _, err := e.raw.Exec("KILL CONNECTION " + holder); err != nil {
		t.Fatal(err)
	}
	err = l.Held(ctx)
	if !errors.Is(err, ErrLockLost) {
		t.Fatalf("Held after KILL CONNECTION = %v, want ErrLockLost", err)
	}
	t.Logf("Held: %v", err)
	// The killed session frees the lock as it ends, which may be a moment
	// after KILL returns: wait for that (not a time), then another run can
	// take it.
	waitFree := time.Now().Add(30 * time.Second)
	for e.scalar(t, "SELECT IS_FREE_LOCK(?)", LockName(e.db.Name(), "sync")) != "1" {
		if time.Now().After(waitFree) {
			t.Fatal("the killed session still holds the lock after 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	other, err := e.db.LockHeld(ctx, "sync")
	if err != nil {
		t.Fatalf("another run cannot take the lost lock: %v", err)
	}
	if err := l.Held(ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("Held of the lost lock while another holds it = %v", err)
	}
	_ = l.Release() // its connection is gone: an error, no panic
	if err := other.Held(ctx); err != nil {
		t.Errorf("the new holder: %v", err)
	}
	if err := other.Release(); err != nil {
		t.Fatal(err)
	}
	if err := other.Held(ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("Held after Release = %v, want ErrLockLost", err)
	}
	if err := other.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	// A cancelled context is not reported as a lost lock.
	l3, err := e.db.LockHeld(ctx, "sync")
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Release()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l3.Held(cctx); err == nil || errors.Is(err, ErrLockLost) {
		t.Errorf("Held with a cancelled context = %v, want a context error", err)
	}
}

// TestInvalidStatusDomains: statuses outside the enum (stored as ” under
// sql_mode=”) are listed, for this registrar only, in id order.
func TestInvalidStatusDomains(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	valid := []string{"Pending", "Pending Registration", "Pending Transfer", "Active", "Grace", "Redemption", "Expired", "Cancelled", "Fraud", "Transferred Away"}
	var want []string
	for i, st := range []string{"Active", "Sleeping", "Cancelled", "", "Transferred Away", "active", "Expired?"} {
		name := fmt.Sprintf("s%d.com", i)
		id := whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: name, Registrar: "OpenProvider", Status: st, UserID: 9})
		if st == "" { // InsertDomain's default is Active: store '' itself
			if _, err := e.raw.Exec("UPDATE tbldomains SET status = '' WHERE id = ?", id); err != nil {
				t.Fatal(err)
			}
		}
		if slices.Contains([]string{"Sleeping", "", "Expired?"}, st) {
			want = append(want, name)
		}
	}
	whmcstest.InsertDomain(t, e.raw, whmcstest.DomainRow{Domain: "other.com", Registrar: "enom", Status: "Sleeping"})
	got, err := e.db.InvalidStatusDomains(ctx, []string{"openprovider"}, valid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(got), want) {
		t.Errorf("InvalidStatusDomains = %v, want %v", names(got), want)
	}
	for _, d := range got {
		if d.Status != "" || d.ID == 0 || d.UserID == 0 {
			t.Errorf("%+v: want status '' (the enum's invalid value), an id and a user id", d)
		}
	}
	if _, err := e.db.InvalidStatusDomains(ctx, []string{" "}, valid); err == nil {
		t.Error("no registrar accepted")
	}
	if _, err := e.db.InvalidStatusDomains(ctx, []string{"openprovider"}, nil); err == nil {
		t.Error("no valid statuses accepted")
	}
}

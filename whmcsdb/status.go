package whmcsdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// RegistrarStatus is what "domainsync status" shows for one registrar
// module, read without a lock and without writing anything.
type RegistrarStatus struct {
	Registrar string
	SyncTable string // "" when the table does not exist yet (nothing ever synced)

	// ByStatus counts every tbldomains row of the registrar by its status
	// as stored (synced statuses or not).
	ByStatus map[string]int
	// Selected counts the domains in the synced statuses (BatchQuery.Statuses):
	// the portfolio every update interval must cover.
	Selected int
	// NeverSynced counts the selected domains without a last_sync (no row,
	// NULL or a zero datetime).
	NeverSynced int
	// Due counts the selected domains a run would select now (without a limit).
	Due int
	// OldestSync is the oldest real last_sync among the selected domains
	// (zero when none was ever synced).
	OldestSync time.Time
	// RecentSyncs are the distinct last_sync values of the registrar's
	// domains, newest first (at most the number asked for). A run stamps all
	// its domains with one time, so these are the times of the latest runs.
	RecentSyncs []time.Time
}

// Status reads the registrar's counts for q (Registrar, Statuses,
// Interval, Now and SyncTable are used; Names and Limit are ignored), and
// up to recent distinct last_sync times.
func (db *DB) Status(ctx context.Context, q BatchQuery, recent int) (RegistrarStatus, error) {
	q.Names, q.Limit = nil, 0
	st := RegistrarStatus{Registrar: q.Registrar, ByStatus: map[string]int{}}
	regs, err := q.registrars()
	if err != nil {
		return st, err
	}
	if st.Registrar == "" {
		st.Registrar = strings.Join(regs, ", ")
	}

	rows, err := db.sql.QueryContext(ctx, "SELECT d.`status`, COUNT(*) FROM `tbldomains` d WHERE LOWER(d.`registrar`) IN ("+
		placeholders(len(regs))+") GROUP BY d.`status` ORDER BY d.`status`", anys(regs)...)
	if err != nil {
		return st, fmt.Errorf("counting the domains of %s by status: %w", st.Registrar, err)
	}
	for rows.Next() {
		var s sql.NullString
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("counting the domains of %s by status: %w", st.Registrar, err)
		}
		st.ByStatus[s.String] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("counting the domains of %s by status: %w", st.Registrar, err)
	}

	exists, err := db.tableExists(ctx, q.syncTable())
	if err != nil {
		return st, err
	}
	if exists {
		st.SyncTable = q.syncTable()
	}
	all := q
	all.Interval = 0
	b, err := all.build(db.loc, exists)
	if err != nil {
		return st, err
	}
	never := neverSynced(b.lastSync)
	var oldest sql.NullString
	var neverN sql.NullInt64
	err = db.sql.QueryRowContext(ctx, "SELECT COUNT(*), SUM("+never+"), MIN(CASE WHEN "+never+" THEN NULL ELSE "+b.lastSync+" END) "+
		"FROM "+b.from+" WHERE "+b.where, b.args...).Scan(&st.Selected, &neverN, &oldest)
	if err != nil {
		return st, fmt.Errorf("counting the synced domains of %s: %w", st.Registrar, err)
	}
	st.NeverSynced = int(neverN.Int64)
	if st.OldestSync, err = parseDateTime(nullToPtr(oldest), db.loc); err != nil {
		return st, fmt.Errorf("oldest last_sync of %s: %w", st.Registrar, err)
	}

	if st.Due, err = db.CountDue(ctx, q); err != nil {
		return st, err
	}

	if exists && recent > 0 {
		rb, err := all.build(db.loc, true)
		if err != nil {
			return st, err
		}
		rows, err := db.sql.QueryContext(ctx, "SELECT DISTINCT "+rb.lastSync+" FROM "+rb.from+" WHERE "+rb.where+
			" AND NOT "+neverSynced(rb.lastSync)+" ORDER BY 1 DESC LIMIT ?", append(rb.args, recent)...)
		if err != nil {
			return st, fmt.Errorf("reading the recent runs of %s: %w", st.Registrar, err)
		}
		defer rows.Close()
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				return st, fmt.Errorf("reading the recent runs of %s: %w", st.Registrar, err)
			}
			t, err := parseDateTime(nullToPtr(s), db.loc)
			if err != nil {
				return st, fmt.Errorf("last_sync of %s: %w", st.Registrar, err)
			}
			st.RecentSyncs = append(st.RecentSyncs, t)
		}
		if err := rows.Err(); err != nil {
			return st, fmt.Errorf("reading the recent runs of %s: %w", st.Registrar, err)
		}
	}
	return st, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

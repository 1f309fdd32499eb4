package whmcsdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LogPushIntent writes the activity-log row of a registrar write before the
// write is sent, so that a crash between the registrar accepting it and the
// row being written cannot lose the row. When an identical row for this
// client was written at or after since (the domain's last_sync as the batch
// read it: a previous run stopped between its row and its write), that row
// stands and none is added; id is then 0. The caller takes the row back with
// DeleteActivity when the registrar refuses the write.
func (db *DB) LogPushIntent(ctx context.Context, userID int64, desc string, since time.Time) (id int64, err error) {
	desc = cleanText(desc)
	if strings.TrimSpace(desc) == "" {
		return 0, errors.New("activity log: empty description")
	}
	if err := db.writable(ctx); err != nil {
		return 0, err
	}
	if !since.IsZero() {
		ts, err := formatDateTime(since, db.loc)
		if err != nil {
			return 0, err
		}
		var n int
		err = db.sql.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM `tblactivitylog` WHERE `userid` = ? AND `description` = ? AND `date` >= ?",
			max(userID, 0), desc, ts).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("reading the activity log: %w", err)
		}
		if n > 0 {
			return 0, nil
		}
	}
	q, err := db.activityInsert(ctx)
	if err != nil {
		return 0, err
	}
	now, err := formatDateTime(db.now(), db.loc)
	if err != nil {
		return 0, err
	}
	res, err := db.sql.ExecContext(ctx, q, now, desc, max(userID, 0))
	if err != nil {
		return 0, fmt.Errorf("writing the activity log: %w", err)
	}
	return res.LastInsertId()
}

// DeleteActivity takes back an activity-log row written by LogPushIntent
// for a registrar write that did not happen. id 0 is a no-op.
func (db *DB) DeleteActivity(ctx context.Context, id int64) error {
	if id <= 0 {
		return nil
	}
	if _, err := db.sql.ExecContext(ctx, "DELETE FROM `tblactivitylog` WHERE `id` = ? AND `user` = 'System'", id); err != nil {
		return fmt.Errorf("taking back activity-log row %d: %w", id, err)
	}
	return nil
}

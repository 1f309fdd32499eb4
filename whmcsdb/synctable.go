package whmcsdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/go-sql-driver/mysql"
)

// lastSyncChunk is how many ids one INSERT ... ON DUPLICATE KEY UPDATE carries.
const lastSyncChunk = 1000

var identRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// checkIdent accepts only plain table names, so they can be quoted with
// backticks and placed in SQL text.
func checkIdent(name string) error {
	if !identRE.MatchString(name) {
		return fmt.Errorf("table name %q: only 1 to 64 letters, digits and '_' are allowed", name)
	}
	return nil
}

// SyncTableName is the module's last-sync table for a registrar module:
// "tblDomainSync" + the module name with only [A-Za-z0-9] kept and its first
// letter upper-cased (openprovider → tblDomainSyncOpenprovider), as the
// Openprovider module names it.
func SyncTableName(registrar string) string {
	var b strings.Builder
	for _, r := range registrar {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return "tblDomainSync" + s
}

// EnsureSyncTable returns the last-sync table of a registrar module,
// creating it when missing (id INT UNSIGNED PRIMARY KEY, last_sync DATETIME
// NOT NULL, InnoDB). An existing table — e.g. the Openprovider module's own,
// whose rows may hold 0000-00-00 00:00:00 for "never" — is reused as it is,
// provided it has both columns.
func (db *DB) EnsureSyncTable(ctx context.Context, registrar string) (string, error) {
	if strings.TrimSpace(registrar) == "" {
		return "", errors.New("no registrar module name for the sync table")
	}
	table := SyncTableName(registrar)
	if err := checkIdent(table); err != nil || table == "tblDomainSync" {
		return "", fmt.Errorf("registrar %q gives no usable sync table name (%q)", registrar, table)
	}
	exists, err := db.tableExists(ctx, table)
	if err != nil {
		return "", err
	}
	if !exists {
		_, err := db.sql.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS `"+table+"` ("+
			"`id` int(10) unsigned NOT NULL, "+
			"`last_sync` datetime NOT NULL, "+
			"PRIMARY KEY (`id`)"+
			") ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci")
		if err != nil {
			return "", fmt.Errorf("creating the sync table %s: %w", table, err)
		}
		db.log.Info("created the sync table", "table", table)
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT `id`, `last_sync` FROM `"+table+"` LIMIT 0")
	if err != nil {
		return "", fmt.Errorf("the sync table %s lacks the columns id and last_sync: %w", table, err)
	}
	rows.Close()
	// The table is written in the same transactions as tbldomains: check
	// its engine too (a server without InnoDB may have substituted one).
	db.useSyncTable(table)
	if err := db.CheckEngines(ctx); err != nil {
		return "", err
	}
	return table, nil
}

// tableExists reports whether table exists, resolving the name the way the
// server does (case rules included).
func (db *DB) tableExists(ctx context.Context, table string) (bool, error) {
	if err := checkIdent(table); err != nil {
		return false, err
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT 1 FROM `"+table+"` LIMIT 0")
	if err == nil {
		rows.Close()
		return true, nil
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1146 { // ER_NO_SUCH_TABLE
		return false, nil
	}
	return false, fmt.Errorf("looking for table %s: %w", table, err)
}

// RecordLastSync sets last_sync = t for every id in the sync table, with one
// multi-row INSERT ... ON DUPLICATE KEY UPDATE per 1000 ids. t must not be
// the zero time: no zero datetime is ever written, so strict SQL modes work.
func (db *DB) RecordLastSync(ctx context.Context, table string, ids []int64, t time.Time) error {
	if err := checkIdent(table); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	ts, err := formatDateTime(t, db.loc)
	if err != nil {
		return fmt.Errorf("last_sync: %w", err)
	}
	for _, id := range ids {
		if id <= 0 || id > math.MaxUint32 {
			return fmt.Errorf("last_sync: domain id %d is out of range", id)
		}
	}
	if err := db.writable(ctx, table); err != nil {
		return err
	}
	for start := 0; start < len(ids); start += lastSyncChunk {
		chunk := ids[start:min(start+lastSyncChunk, len(ids))]
		q, args := lastSyncInsert(table, chunk, ts)
		if _, err := db.sql.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("recording last_sync in %s: %w", table, err)
		}
	}
	return nil
}

// lastSyncInsert builds the upsert for ids (values are parameters).
func lastSyncInsert(table string, ids []int64, ts string) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO `" + table + "` (`id`, `last_sync`) VALUES ")
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, id, ts)
	}
	b.WriteString(" ON DUPLICATE KEY UPDATE `last_sync` = VALUES(`last_sync`)")
	return b.String(), args
}

package whmcsdb

import (
	"context"
	"fmt"
	"strings"
)

// Settings reads tblconfiguration values by name. A name without a row is
// absent from the map (WHMCS treats it as ""); when a name has several rows
// (possible before 8.0) the one with the lowest id wins.
func (db *DB) Settings(ctx context.Context, names ...string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	cols, err := db.tableColumns(ctx, "tblconfiguration")
	if err != nil {
		return nil, err
	}
	order := ""
	if cols["id"] { // 7.x tables have no id column
		order = " ORDER BY `id` DESC"
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT `setting`, `value` FROM `tblconfiguration` WHERE `setting` IN ("+
		placeholders(len(names))+")"+order, args...)
	if err != nil {
		return nil, fmt.Errorf("reading tblconfiguration: %w", err)
	}
	defer rows.Close()
	canon := map[string]string{}
	for _, n := range names {
		canon[strings.ToLower(n)] = n
	}
	for rows.Next() {
		var setting, value string
		if err := rows.Scan(&setting, &value); err != nil {
			return nil, fmt.Errorf("reading tblconfiguration: %w", err)
		}
		// Rows arrive highest id first: the lowest id is written last.
		// The column is case-insensitive; report under the name asked for.
		if n, ok := canon[strings.ToLower(setting)]; ok {
			out[n] = value
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading tblconfiguration: %w", err)
	}
	return out, nil
}

// RegistrarSettings returns a registrar module's tblregistrars rows as
// setting → stored value. The values are as stored, i.e. WHMCS-encrypted
// (decrypt them with whmcscrypt). When a setting has several rows the one
// with the lowest id wins.
func (db *DB) RegistrarSettings(ctx context.Context, registrar string) (map[string]string, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT `setting`, `value` FROM `tblregistrars` "+
		"WHERE `registrar` = ? ORDER BY `id` DESC", registrar)
	if err != nil {
		return nil, fmt.Errorf("reading tblregistrars for %q: %w", registrar, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var setting, value string
		if err := rows.Scan(&setting, &value); err != nil {
			return nil, fmt.Errorf("reading tblregistrars for %q: %w", registrar, err)
		}
		out[setting] = value
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading tblregistrars for %q: %w", registrar, err)
	}
	return out, nil
}

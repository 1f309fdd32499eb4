package whmcsdb

import (
	"context"
	"fmt"
	"html"
	"strings"
)

// Recipients returns the administrators who receive System Emails, as WHMCS
// chooses them: enabled (disabled = 0), with a non-empty e-mail, whose role
// has systememails = 1. Addresses are trimmed, lower-cased and
// de-duplicated (the lowest admin id wins); the name is "first last",
// trimmed, with HTML entities (stored by WHMCS's input filter) decoded.
// Order: by admin id.
func (db *DB) Recipients(ctx context.Context) ([]Recipient, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT a.`firstname`, a.`lastname`, a.`email` "+
		"FROM `tbladmins` a JOIN `tbladminroles` r ON r.`id` = a.`roleid` "+
		"WHERE a.`disabled` = 0 AND r.`systememails` = 1 AND TRIM(a.`email`) <> '' "+
		"ORDER BY a.`id`")
	if err != nil {
		return nil, fmt.Errorf("reading the report recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	seen := map[string]bool{}
	for rows.Next() {
		var first, last, email string
		if err := rows.Scan(&first, &last, &email); err != nil {
			return nil, fmt.Errorf("reading the report recipients: %w", err)
		}
		email = strings.ToLower(strings.TrimSpace(email))
		if email == "" || seen[email] {
			continue
		}
		seen[email] = true
		name := strings.TrimSpace(html.UnescapeString(first + " " + last))
		out = append(out, Recipient{Name: name, Email: email})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the report recipients: %w", err)
	}
	return out, nil
}

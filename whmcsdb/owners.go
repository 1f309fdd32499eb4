package whmcsdb

import (
	"context"
	"fmt"
	"slices"
)

// ownersChunk bounds the name forms of one statement (placeholders); a
// contact's domains are far fewer, so they are read in one query.
const ownersChunk = 3000

// DomainOwners returns, for each of names, the WHMCS clients
// (tbldomains.userid, distinct, ascending) of every tbldomains row that
// holds the name, whatever its registrar or status. Names are matched as
// SelectBatch matches --domain: trimmed and lower-cased, as given, Unicode
// and punycode, byte for byte. The map is keyed by the names as given;
// names no row holds are absent. One query per 3,000 name forms.
func (db *DB) DomainOwners(ctx context.Context, names []string) (map[string][]int64, error) {
	// form → the given names it stands for.
	byForm := map[string][]string{}
	var forms []string
	for _, n := range names {
		for _, f := range nameForms([]string{n}) {
			if _, ok := byForm[f]; !ok {
				forms = append(forms, f)
			}
			if !slices.Contains(byForm[f], n) {
				byForm[f] = append(byForm[f], n)
			}
		}
	}
	out := map[string][]int64{}
	for start := 0; start < len(forms); start += ownersChunk {
		chunk := forms[start:min(len(forms), start+ownersChunk)]
		args := make([]any, len(chunk))
		for i, f := range chunk {
			args[i] = f
		}
		// Byte comparison of the lower-cased names, as in SelectBatch: the
		// column's collation would also equate accented letters (ü = u).
		q := "SELECT CAST(LOWER(TRIM(`domain`)) AS BINARY), `userid` FROM `tbldomains` " +
			"WHERE CAST(LOWER(TRIM(`domain`)) AS BINARY) IN (" + placeholders(len(chunk)) + ")"
		if err := db.readOwners(ctx, q, args, byForm, out); err != nil {
			return nil, err
		}
	}
	for n, ids := range out {
		slices.Sort(ids)
		out[n] = slices.Compact(ids)
	}
	return out, nil
}

func (db *DB) readOwners(ctx context.Context, q string, args []any, byForm map[string][]string, out map[string][]int64) error {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading the WHMCS clients holding the domains: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			form   []byte
			userID int64
		)
		if err := rows.Scan(&form, &userID); err != nil {
			return fmt.Errorf("reading the WHMCS clients holding the domains: %w", err)
		}
		for _, n := range byForm[string(form)] {
			out[n] = append(out[n], userID)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the WHMCS clients holding the domains: %w", err)
	}
	return nil
}

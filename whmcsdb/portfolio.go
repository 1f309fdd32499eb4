package whmcsdb

import (
	"context"
	"database/sql"
	"fmt"

	"cloud.google.com/go/civil"
)

// PortfolioDomain is one tbldomains row as the reconciliation reads it.
type PortfolioDomain struct {
	ID        int64
	Name      string
	Registrar string
	Status    string
	Expiry    civil.Date // NoDate when NULL, zero or unreadable
}

// EachDomain streams every tbldomains row, in id order, to fn (one row in
// memory at a time). fn's error stops the read and is returned.
func (db *DB) EachDomain(ctx context.Context, fn func(PortfolioDomain) error) error {
	rows, err := db.sql.QueryContext(ctx, "SELECT `id`, `domain`, `registrar`, `status`, `expirydate` FROM `tbldomains` ORDER BY `id`")
	if err != nil {
		return fmt.Errorf("reading the WHMCS domains: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			d                     PortfolioDomain
			name, reg, st, expRaw sql.NullString
		)
		if err := rows.Scan(&d.ID, &name, &reg, &st, &expRaw); err != nil {
			return fmt.Errorf("reading the WHMCS domains: %w", err)
		}
		d.Name, d.Registrar, d.Status = name.String, reg.String, st.String
		if expRaw.Valid {
			if exp, err := ParseDate(&expRaw.String); err == nil {
				d.Expiry = exp
			}
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the WHMCS domains: %w", err)
	}
	return nil
}

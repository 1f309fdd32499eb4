package whmcsdb

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
)

// Client is the contact data of one tblclients row, as WHMCS holds it
// (HTML entities stored by WHMCS's input filter decoded, values trimmed).
type Client struct {
	ID          int64
	FirstName   string
	LastName    string
	CompanyName string
	Email       string
	Address1    string
	Address2    string
	City        string
	State       string
	PostCode    string
	Country     string
	Phone       string // tblclients.phonenumber as stored
}

// clientsChunk bounds the ids of one statement (placeholders); a sync batch
// is far smaller, so a batch is read in one query.
const clientsChunk = 5000

// Clients reads the clients with the given ids (tbldomains.userid of a
// batch) in one query per 5,000 distinct ids. Ids not found are absent from
// the map; zero and negative ids are ignored.
func (db *DB) Clients(ctx context.Context, ids []int64) (map[int64]Client, error) {
	var want []int64
	for _, id := range ids {
		if id > 0 {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	out := make(map[int64]Client, len(want))
	for start := 0; start < len(want); start += clientsChunk {
		chunk := want[start:min(len(want), start+clientsChunk)]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := "SELECT `id`, `firstname`, `lastname`, `companyname`, `email`, `address1`, `address2`, `city`, `state`, " +
			"`postcode`, `country`, `phonenumber` FROM `tblclients` WHERE `id` IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		if err := db.readClients(ctx, q, args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) readClients(ctx context.Context, q string, args []any, out map[int64]Client) error {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading the clients of the batch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Client
		if err := rows.Scan(&c.ID, &c.FirstName, &c.LastName, &c.CompanyName, &c.Email, &c.Address1, &c.Address2,
			&c.City, &c.State, &c.PostCode, &c.Country, &c.Phone); err != nil {
			return fmt.Errorf("reading the clients of the batch: %w", err)
		}
		for _, f := range []*string{&c.FirstName, &c.LastName, &c.CompanyName, &c.Email, &c.Address1, &c.Address2,
			&c.City, &c.State, &c.PostCode, &c.Country, &c.Phone} {
			*f = strings.TrimSpace(html.UnescapeString(*f))
		}
		out[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the clients of the batch: %w", err)
	}
	return nil
}

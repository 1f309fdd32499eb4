package whmcsdb

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/civil"
)

// dateTimeLayout is how DATETIME values are written and read (PHP Y-m-d H:i:s).
const dateTimeLayout = time.DateTime

// zeroDateCutoff: every zero or partly zero DATE/DATETIME sorts before it.
const zeroDateCutoff = "1000-01-01"

// ParseDate reads a DATE column value as the driver returns it (parseTime
// off). NULL (nil), "0000-00-00" and "0000-00-00 00:00:00" are NoDate; a
// real calendar date is returned as such; anything else (e.g. the partly
// zero "2024-00-15" MySQL accepts without NO_ZERO_IN_DATE) is an error
// naming the value.
func ParseDate(raw *string) (civil.Date, error) {
	if raw == nil {
		return NoDate, nil
	}
	s := *raw
	switch s {
	case "0000-00-00", "0000-00-00 00:00:00":
		return NoDate, nil
	}
	// A DATE may come back as a DATETIME string when read through an
	// expression; only a midnight time is acceptable then.
	day := s
	if len(s) == len("2006-01-02 15:04:05") && s[10] == ' ' {
		if s[11:] != "00:00:00" {
			return NoDate, fmt.Errorf("%q is not a date", s)
		}
		day = s[:10]
	}
	if len(day) != len("2006-01-02") {
		return NoDate, fmt.Errorf("%q is not a date", s)
	}
	d, err := civil.ParseDate(day)
	if err != nil || !d.IsValid() || d.Year < 1000 {
		return NoDate, fmt.Errorf("%q is not a date", s)
	}
	return d, nil
}

// parseDateTime reads a DATETIME value written in loc. NULL and zero values
// are the zero time.
func parseDateTime(raw *string, loc *time.Location) (time.Time, error) {
	if raw == nil {
		return time.Time{}, nil
	}
	s := *raw
	if s == "" || strings.HasPrefix(s, "0000-00-00") && strings.Trim(s, "0-:. ") == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(dateTimeLayout, s, loc)
	if err != nil || t.Year() < 1000 {
		return time.Time{}, fmt.Errorf("%q is not a date and time", s)
	}
	return t, nil
}

// formatDate is the DATE literal for d; it refuses NoDate and invalid dates
// so that no zero date is ever written.
func formatDate(d civil.Date) (string, error) {
	if d == NoDate || !d.IsValid() || d.Year < 1000 || d.Year > 9999 {
		return "", fmt.Errorf("refusing to write the date %q", d.String())
	}
	return d.String(), nil
}

// formatDateTime is the DATETIME literal for t in loc; it refuses the zero
// time so that no zero datetime is ever written.
func formatDateTime(t time.Time, loc *time.Location) (string, error) {
	if t.IsZero() {
		return "", fmt.Errorf("refusing to write an empty date and time")
	}
	lt := t.In(loc)
	if lt.Year() < 1000 || lt.Year() > 9999 {
		return "", fmt.Errorf("refusing to write the date and time %s", lt.Format(dateTimeLayout))
	}
	return lt.Format(dateTimeLayout), nil
}

// rawOrNull is the raw value for a guard parameter (nil = SQL NULL).
func rawOrNull(raw *string) any {
	if raw == nil {
		return nil
	}
	return *raw
}

func nullToPtr(ns sql.NullString) *string {
	if !ns.Valid {
		return nil
	}
	s := ns.String
	return &s
}

package config

// Secrets: typed so that no way of printing them shows them.

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/go-sql-driver/mysql"
)

const mask = "********"

// Secret is a password or token. Every way of printing it shows "********"
// ("" when unset); Reveal returns the value.
type Secret string

// Reveal returns the secret itself, for the one call that needs it.
func (s Secret) Reveal() string { return string(s) }

// String returns the masked value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return mask
}

// Format masks the secret for every fmt verb (%v, %+v, %#v, %s, %q, %x …).
func (s Secret) Format(f fmt.State, verb rune) { formatMasked(f, verb, s.String()) }

// MarshalText masks the secret in JSON, YAML and text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue masks the secret in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// DSN is a go-sql-driver data source name. Printed, it shows its password
// masked (user:****@tcp(host:3306)/db); an unparseable DSN is hidden whole.
type DSN string

// Reveal returns the DSN with its password, to open the database.
func (d DSN) Reveal() string { return string(d) }

// String returns the DSN with the password masked.
func (d DSN) String() string { return maskDSN(string(d)) }

// Format masks the password for every fmt verb.
func (d DSN) Format(f fmt.State, verb rune) { formatMasked(f, verb, d.String()) }

// MarshalText masks the password in JSON, YAML and text encodings.
func (d DSN) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// LogValue masks the password in log/slog output.
func (d DSN) LogValue() slog.Value { return slog.StringValue(d.String()) }

// Password returns the DSN's password ("" when it has none or does not parse).
func (d DSN) Password() string {
	c, err := mysql.ParseDSN(string(d))
	if err != nil {
		return ""
	}
	return c.Passwd
}

func formatMasked(f fmt.State, verb rune, masked string) {
	if verb == 'q' {
		masked = strconv.Quote(masked)
	}
	io.WriteString(f, masked)
}

// maskDSN formats dsn with its password replaced by ****, using the driver's
// own parser so that what is masked is exactly what the driver would send.
func maskDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(invalid DSN, hidden)"
	}
	if c.Passwd != "" {
		c.Passwd = "****"
	}
	return c.FormatDSN()
}

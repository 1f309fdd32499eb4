package whmcsdb

import (
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestPlainTransport(t *testing.T) {
	for _, tt := range []struct {
		dsn   string
		plain bool
	}{
		{"u:p@tcp(db.example.net:3306)/whmcs", true},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=false", true},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=preferred", true},
		{"u:p@tcp(10.0.0.5)/whmcs", true},
		{"u:p@tcp([2001:db8::1]:3306)/whmcs", true},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=true", false},
		{"u:p@tcp(db.example.net:3306)/whmcs?tls=skip-verify", false},
		{"u:p@tcp(127.0.0.1:3306)/whmcs", false},
		{"u:p@tcp(127.0.0.2:3306)/whmcs", false},
		{"u:p@tcp(localhost:3306)/whmcs", false},
		{"u:p@tcp([::1]:3306)/whmcs", false},
		{"u:p@unix(/run/mysqld/mysqld.sock)/whmcs", false},
		{"u:p@/whmcs", false}, // the driver's default: tcp(127.0.0.1:3306)
	} {
		cfg, err := mysql.ParseDSN(tt.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tt.dsn, err)
		}
		if got := PlainTransport(cfg); got != tt.plain {
			t.Errorf("PlainTransport(%s) = %v, want %v", tt.dsn, got, tt.plain)
		}
	}
	if PlainTransport(nil) {
		t.Error("nil config")
	}
}

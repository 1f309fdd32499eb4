package whmcsdb

import (
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// PlainTransport reports whether a connection with cfg crosses the network
// without TLS, sending the database password and every row in clear: a
// TCP address whose host is not loopback (localhost, 127.0.0.0/8, ::1),
// with the DSN's tls parameter absent, false or preferred (preferred falls
// back to clear text when the server, or someone on the path, says it has
// no TLS). A Unix socket never leaves the machine.
func PlainTransport(cfg *mysql.Config) bool {
	if cfg == nil {
		return false
	}
	switch strings.ToLower(cfg.TLSConfig) {
	case "", "false", "preferred":
		return Remote(cfg)
	}
	return false
}

// Remote reports whether cfg connects over TCP to a host that is not
// loopback: the connection leaves the machine.
func Remote(cfg *mysql.Config) bool {
	if cfg == nil || !strings.HasPrefix(cfg.Net, "tcp") {
		return false
	}
	host := cfg.Addr
	if h, _, err := net.SplitHostPort(cfg.Addr); err == nil {
		host = h
	}
	return !IsLoopback(host)
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

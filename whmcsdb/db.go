package whmcsdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Connection defaults, used when the DSN does not set its own.
const (
	DefaultDialTimeout  = 10 * time.Second
	DefaultReadTimeout  = 2 * time.Minute
	DefaultWriteTimeout = 2 * time.Minute

	maxOpenConns = 8 // the run lock holds one for the whole run
	maxIdleConns = 4
)

// Options are the session settings of a connection.
type Options struct {
	// SQLMode is the session sql_mode; nil means '' (what WHMCS sets unless
	// configuration.php has $sql_mode).
	SQLMode *string
	// Charset is the connection character set; "" means utf8 (WHMCS's
	// $mysql_charset default).
	Charset string
	// AllowNonTransactional lets writers proceed (with a logged warning)
	// when a table written is not transactional (e.g. MyISAM).
	AllowNonTransactional bool
	// MaxOpenConns bounds the pool (0 = 8); the run lock holds one
	// connection for the whole run, so it must be at least 2.
	MaxOpenConns int
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Location is the WHMCS time zone (PHP date.timezone) in which DATETIME
	// values are written and read; nil means time.Local.
	Location *time.Location
}

// DB is a WHMCS database opened with WHMCS's session settings.
type DB struct {
	sql    *sql.DB
	dbName string
	opts   Options
	log    *slog.Logger
	loc    *time.Location
	now    func() time.Time

	mu         sync.Mutex
	engineErr  error           // result of the last engine check
	checked    bool            // an engine check has completed
	syncTables map[string]bool // sync tables in use, covered by the engine check
	columns    map[string]map[string]bool
}

var (
	sqlModeRE = regexp.MustCompile(`^[A-Za-z0-9_, ]*$`)
	charsetRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)
)

// collations maps a connection charset to the collation WHMCS uses with it
// (docs/whmcs-db.md §7).
var collations = map[string]string{
	"utf8":    "utf8_unicode_ci",
	"utf8mb3": "utf8mb3_unicode_ci",
	"utf8mb4": "utf8mb4_general_ci",
}

// Open connects to the WHMCS database named by dsn (a go-sql-driver/mysql
// DSN) with WHMCS's session settings and pings it. Errors never contain the
// DSN's password.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, redact(fmt.Errorf("invalid database DSN: %w", err), dsnPassword(dsn))
	}
	return OpenConfig(ctx, cfg, opts)
}

// OpenConfig is Open for an already parsed driver configuration (e.g. one
// built from configuration.php). cfg is not modified.
func OpenConfig(ctx context.Context, cfg *mysql.Config, opts Options) (*DB, error) {
	if cfg == nil {
		return nil, errors.New("no database configuration")
	}
	c := cfg.Clone()
	pw := c.Passwd
	if err := configure(c, opts); err != nil {
		return nil, redact(err, pw)
	}
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, redact(fmt.Errorf("database configuration: %w", err), pw)
	}
	sdb := sql.OpenDB(conn)
	open, idle := maxOpenConns, maxIdleConns
	if opts.MaxOpenConns > 0 {
		open, idle = max(opts.MaxOpenConns, 2), min(idle, max(opts.MaxOpenConns, 2))
	}
	sdb.SetMaxOpenConns(open)
	sdb.SetMaxIdleConns(idle)
	sdb.SetConnMaxIdleTime(time.Minute)
	sdb.SetConnMaxLifetime(30 * time.Minute)

	db := &DB{sql: sdb, dbName: c.DBName, opts: opts, log: opts.Logger, loc: opts.Location, now: time.Now}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.loc == nil {
		db.loc = time.Local
	}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, redact(fmt.Errorf("cannot connect to the WHMCS database %s at %s: %w", quoteOr(c.DBName), c.Addr, err), pw)
	}
	if db.dbName == "" {
		if err := sdb.QueryRowContext(ctx, "SELECT IFNULL(DATABASE(), '')").Scan(&db.dbName); err != nil {
			sdb.Close()
			return nil, redact(fmt.Errorf("reading the current database name: %w", err), pw)
		}
		if db.dbName == "" {
			sdb.Close()
			return nil, errors.New("the database DSN names no database")
		}
	}
	return db, nil
}

// configure applies the session settings and safe defaults to c.
func configure(c *mysql.Config, opts Options) error {
	mode := ""
	if opts.SQLMode != nil {
		mode = strings.TrimSpace(*opts.SQLMode)
	}
	if !sqlModeRE.MatchString(mode) {
		return fmt.Errorf("sql_mode %q: only letters, digits, '_' and ',' are allowed", mode)
	}
	charset := opts.Charset
	if charset == "" {
		charset = "utf8"
	}
	if !charsetRE.MatchString(charset) {
		return fmt.Errorf("charset %q: only letters, digits and '_' are allowed", charset)
	}
	if err := c.Apply(mysql.Charset(charset, collations[strings.ToLower(charset)])); err != nil {
		return fmt.Errorf("charset %q: %w", charset, err)
	}
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	// The driver runs "SET sql_mode = <value>" on every new connection.
	c.Params["sql_mode"] = "'" + mode + "'"
	delete(c.Params, "time_zone") // the server's default zone, as WHMCS
	c.ParseTime = false           // DATE/DATETIME are read as strings
	c.ClientFoundRows = true      // guarded UPDATEs count matched rows
	c.MultiStatements = false
	c.InterpolateParams = false
	c.AllowAllFiles = false
	if c.Timeout == 0 {
		c.Timeout = DefaultDialTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	c.Logger = driverLogger{log: opts.Logger}
	return nil
}

// driverLogger sends the driver's own messages (e.g. a dropped idle
// connection) to the logger at debug level instead of stderr.
type driverLogger struct{ log *slog.Logger }

func (l driverLogger) Print(v ...any) {
	if l.log != nil {
		l.log.Debug("mysql driver", "message", fmt.Sprint(v...))
	}
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Name is the database name.
func (db *DB) Name() string { return db.dbName }

// SQL is the underlying pool, for callers that need database/sql directly
// (tests, diagnostics). Every statement domainsync runs lives in this package.
func (db *DB) SQL() *sql.DB { return db.sql }

func quoteOr(name string) string {
	if name == "" {
		return "(no database)"
	}
	return fmt.Sprintf("%q", name)
}

// dsnPassword extracts the password part of a DSN the driver could not
// parse, so it can be redacted from the error.
func dsnPassword(dsn string) string {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		slash = len(dsn)
	}
	at := strings.LastIndexByte(dsn[:slash], '@')
	if at < 0 {
		return ""
	}
	userinfo := dsn[:at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return userinfo[i+1:]
	}
	return ""
}

// redact returns err, or when its text contains secret, a new error with
// every occurrence replaced. The original is then dropped (not wrapped), so
// no unwrapping can bring the secret back.
func redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "xxxxx"))
}

package whmcstest

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestNewDB(t *testing.T) {
	var name string
	t.Run("create", func(t *testing.T) {
		dsn := NewDB(t)
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		name = cfg.DBName
		if !strings.HasPrefix(name, "dstest_") {
			t.Errorf("database %q", name)
		}
		db := Open(t, dsn)
		if got := Scalar(t, db, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tbldomains'"); got != "27" {
			t.Errorf("tbldomains has %s columns, want 27", got)
		}
		if got := Scalar(t, db, "SELECT GROUP_CONCAT(DISTINCT CONCAT(ENGINE, ' ', TABLE_COLLATION)) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"); got != "InnoDB utf8mb3_unicode_ci" && got != "InnoDB utf8_unicode_ci" {
			t.Errorf("engines/collations %q", got)
		}
		if got := Scalar(t, db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'tblDomainSync%'"); got != "0" {
			t.Errorf("the schema creates a sync table")
		}

		d := InsertDomain(t, db, DomainRow{UserID: 3, Domain: "bücher.de", Registrar: "openprovider", ExpiryDate: Null, NextDueDate: "2025-07-01", IDProtection: true})
		if got := Scalar(t, db, "SELECT CONCAT_WS('/', domain, status, type, registrationdate, IFNULL(expirydate, 'NULL'), nextduedate, nextinvoicedate, idprotection, registrationperiod) FROM tbldomains WHERE id = ?", d); got != "bücher.de/Active/Register/0000-00-00/NULL/2025-07-01/0000-00-00/1/1" {
			t.Errorf("domain row %q", got)
		}
		inv := InsertInvoice(t, db, InvoiceRow{UserID: 3, DueDate: "2025-07-01", Total: "12.50"})
		InsertItem(t, db, ItemRow{InvoiceID: inv, UserID: 3, RelID: d, DueDate: "2025-07-01"})
		if got := Scalar(t, db, "SELECT CONCAT_WS('/', i.status, i.total, ii.type, ii.relid) FROM tblinvoices i JOIN tblinvoiceitems ii ON ii.invoiceid = i.id"); got != "Unpaid/12.50/Domain/"+Scalar(t, db, "SELECT ?", d) {
			t.Errorf("invoice %q", got)
		}
		role := InsertRole(t, db, RoleRow{Name: "Full", SystemEmails: true})
		InsertAdmin(t, db, AdminRow{RoleID: role, FirstName: "A", Email: "a@example.com"})
		InsertClient(t, db, ClientRow{FirstName: "C", Country: "NL"})
		SetConfig(t, db, "DateFormat", "DD/MM/YYYY")
		SetConfig(t, db, "DateFormat", "YYYY-MM-DD")
		InsertRegistrarSetting(t, db, "openprovider", "Username", "x")
		CreateModuleSyncTable(t, db, "tblDomainSyncOpenprovider")
		SetLastSync(t, db, "tblDomainSyncOpenprovider", d, "0000-00-00 00:00:00")
		Exec(t, dsn, "UPDATE tbladmins SET disabled = 1")
		for q, want := range map[string]string{
			"SELECT value FROM tblconfiguration WHERE setting = 'DateFormat'": "YYYY-MM-DD",
			"SELECT last_sync FROM tblDomainSyncOpenprovider":                 "0000-00-00 00:00:00",
			"SELECT disabled FROM tbladmins":                                  "1",
			"SELECT country FROM tblclients":                                  "NL",
		} {
			if got := Scalar(t, db, q); got != want {
				t.Errorf("%s = %q, want %q", q, got, want)
			}
		}
	})
	// The cleanup dropped the database.
	cfg, _ := mysql.ParseDSN(BaseDSN())
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n); err != nil || n != 0 {
		t.Errorf("database %s still exists (%d, %v)", name, n, err)
	}
}

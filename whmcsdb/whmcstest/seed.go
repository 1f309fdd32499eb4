package whmcstest

import (
	"database/sql"
	"strings"
	"testing"
)

// Date values in the seed rows are strings as MySQL takes them:
// "" stores the zero date WHMCS uses for "no date" ('0000-00-00'), Null
// stores SQL NULL (only where the column allows it), anything else is
// stored as given (e.g. "2025-03-01", or a partly zero "2025-00-10").
const Null = "NULL"

// DomainRow is a tbldomains row. Zero values: ID auto-increment; Status
// "Active"; Type "Register"; RegistrationPeriod 1; dates "" (zero date);
// the rest empty or 0.
type DomainRow struct {
	ID                 int64
	UserID             int64
	OrderID            int64
	Type               string // Register or Transfer
	Domain             string
	Registrar          string // module name, e.g. "openprovider"; "" = none
	Status             string
	RegistrationDate   string
	ExpiryDate         string
	NextDueDate        string
	NextInvoiceDate    string
	RegistrationPeriod int
	RecurringAmount    string // decimal; "" = 0.00
	PaymentMethod      string
	DoNotRenew         bool
	IDProtection       bool
	DNSManagement      bool
	EmailForwarding    bool
	Reminders          string
	Synced             bool
}

// InvoiceRow is a tblinvoices row. Zero values: ID auto-increment; Status
// "Unpaid"; Date and DueDate "" (zero date).
type InvoiceRow struct {
	ID            int64
	UserID        int64
	Status        string // Unpaid, Paid, Cancelled, Draft, Refunded, ...
	Date          string
	DueDate       string
	Total         string // decimal; "" = 0.00
	PaymentMethod string
}

// ItemRow is a tblinvoiceitems row. Zero values: ID auto-increment; Type
// "Domain"; DueDate "" (zero date).
type ItemRow struct {
	ID            int64
	InvoiceID     int64
	UserID        int64
	Type          string // Domain, DomainRegister, DomainTransfer, PromoDomain, DomainAddonIDP, Hosting, ...
	RelID         int64  // for domain types: tbldomains.id
	Description   string
	Amount        string // decimal; "" = 0.00
	DueDate       string
	PaymentMethod string
}

// AdminRow is a tbladmins row. Zero values: ID auto-increment; RoleID 1.
type AdminRow struct {
	ID        int64
	RoleID    int64
	Username  string
	FirstName string
	LastName  string
	Email     string
	Disabled  bool
}

// RoleRow is a tbladminroles row. Zero values: ID auto-increment.
type RoleRow struct {
	ID            int64
	Name          string
	SystemEmails  bool
	AccountEmails bool
	SupportEmails bool
}

// ClientRow is a tblclients row (identity and address). Zero values: ID
// auto-increment; Status "Active".
type ClientRow struct {
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
	Country     string // ISO 3166 alpha-2
	PhoneNumber string
	Status      string // Active, Inactive, Closed
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// date turns a seed date string into a parameter.
func date(s string) any {
	switch s {
	case "":
		return "0000-00-00"
	case Null:
		return nil
	}
	return s
}

func id(v int64) any {
	if v == 0 {
		return nil // auto-increment
	}
	return v
}

// insert runs an INSERT and returns the row's id.
func insert(t testing.TB, db *sql.DB, table string, cols []string, args ...any) int64 {
	t.Helper()
	q := "INSERT INTO `" + table + "` (`" + strings.Join(cols, "`, `") + "`) VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("whmcstest: inserting into %s: %v", table, err)
	}
	n, err := res.LastInsertId()
	if err != nil {
		t.Fatalf("whmcstest: inserting into %s: %v", table, err)
	}
	return n
}

// InsertDomain inserts a tbldomains row and returns its id.
func InsertDomain(t testing.TB, db *sql.DB, r DomainRow) int64 {
	t.Helper()
	period := r.RegistrationPeriod
	if period == 0 {
		period = 1
	}
	return insert(t, db, "tbldomains",
		[]string{"id", "userid", "orderid", "type", "registrationdate", "domain", "firstpaymentamount",
			"recurringamount", "registrar", "registrationperiod", "expirydate", "subscriptionid", "promoid",
			"status", "nextduedate", "nextinvoicedate", "additionalnotes", "paymentmethod", "dnsmanagement",
			"emailforwarding", "idprotection", "donotrenew", "reminders", "synced"},
		id(r.ID), r.UserID, r.OrderID, or(r.Type, "Register"), date(r.RegistrationDate), r.Domain, "0.00",
		or(r.RecurringAmount, "0.00"), r.Registrar, period, date(r.ExpiryDate), "", 0,
		or(r.Status, "Active"), date(r.NextDueDate), date(r.NextInvoiceDate), "", r.PaymentMethod, r.DNSManagement,
		r.EmailForwarding, r.IDProtection, r.DoNotRenew, r.Reminders, r.Synced)
}

// InsertInvoice inserts a tblinvoices row and returns its id.
func InsertInvoice(t testing.TB, db *sql.DB, r InvoiceRow) int64 {
	t.Helper()
	total := or(r.Total, "0.00")
	return insert(t, db, "tblinvoices",
		[]string{"id", "userid", "invoicenum", "date", "duedate", "subtotal", "credit", "tax", "tax2", "total",
			"status", "paymentmethod", "notes"},
		id(r.ID), r.UserID, "", date(r.Date), date(r.DueDate), total, "0.00", "0.00", "0.00", total,
		or(r.Status, "Unpaid"), r.PaymentMethod, "")
}

// InsertItem inserts a tblinvoiceitems row and returns its id.
func InsertItem(t testing.TB, db *sql.DB, r ItemRow) int64 {
	t.Helper()
	return insert(t, db, "tblinvoiceitems",
		[]string{"id", "invoiceid", "userid", "type", "relid", "description", "amount", "taxed", "duedate",
			"paymentmethod", "notes"},
		id(r.ID), r.InvoiceID, r.UserID, or(r.Type, "Domain"), r.RelID, r.Description, or(r.Amount, "0.00"), 0,
		date(r.DueDate), r.PaymentMethod, "")
}

// InsertRole inserts a tbladminroles row and returns its id.
func InsertRole(t testing.TB, db *sql.DB, r RoleRow) int64 {
	t.Helper()
	return insert(t, db, "tbladminroles",
		[]string{"id", "name", "widgets", "reports", "systememails", "accountemails", "supportemails"},
		id(r.ID), r.Name, "", "", r.SystemEmails, r.AccountEmails, r.SupportEmails)
}

// InsertAdmin inserts a tbladmins row and returns its id.
func InsertAdmin(t testing.TB, db *sql.DB, r AdminRow) int64 {
	t.Helper()
	role := r.RoleID
	if role == 0 {
		role = 1
	}
	return insert(t, db, "tbladmins",
		[]string{"id", "roleid", "username", "authmodule", "authdata", "firstname", "lastname", "email",
			"signature", "notes", "template", "language", "disabled", "loginattempts", "supportdepts",
			"ticketnotifications", "homewidgets", "password_reset_data", "hidden_widgets", "widget_order"},
		id(r.ID), role, r.Username, "", "", r.FirstName, r.LastName, r.Email,
		"", "", "", "", r.Disabled, 0, "", "", "", "", "", "")
}

// InsertClient inserts a tblclients row and returns its id.
func InsertClient(t testing.TB, db *sql.DB, r ClientRow) int64 {
	t.Helper()
	return insert(t, db, "tblclients",
		[]string{"id", "firstname", "lastname", "companyname", "email", "address1", "address2", "city", "state",
			"postcode", "country", "phonenumber", "status"},
		id(r.ID), r.FirstName, r.LastName, r.CompanyName, r.Email, r.Address1, r.Address2, r.City, r.State,
		r.PostCode, r.Country, r.PhoneNumber, or(r.Status, "Active"))
}

// SetConfig sets a tblconfiguration setting (insert or replace).
func SetConfig(t testing.TB, db *sql.DB, setting, value string) {
	t.Helper()
	if _, err := db.Exec("INSERT INTO `tblconfiguration` (`setting`, `value`) VALUES (?, ?) "+
		"ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)", setting, value); err != nil {
		t.Fatalf("whmcstest: setting %s: %v", setting, err)
	}
}

// InsertRegistrarSetting inserts a tblregistrars row; value is stored as
// given (WHMCS stores it encrypted).
func InsertRegistrarSetting(t testing.TB, db *sql.DB, registrar, setting, value string) int64 {
	t.Helper()
	return insert(t, db, "tblregistrars", []string{"registrar", "setting", "value"}, registrar, setting, value)
}

// CreateModuleSyncTable creates a last-sync table the way the Openprovider
// module does (id int(10) unsigned AUTO_INCREMENT, last_sync datetime NOT
// NULL, InnoDB utf8), e.g. tblDomainSyncOpenprovider.
func CreateModuleSyncTable(t testing.TB, db *sql.DB, table string) {
	t.Helper()
	if _, err := db.Exec("CREATE TABLE `" + table + "` (" +
		"`id` int(10) unsigned NOT NULL AUTO_INCREMENT, " +
		"`last_sync` datetime NOT NULL, " +
		"PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci"); err != nil {
		t.Fatalf("whmcstest: creating %s: %v", table, err)
	}
}

// SetLastSync stores last_sync for a domain in a sync table; value is a
// DATETIME string ("0000-00-00 00:00:00" for the module's "never").
func SetLastSync(t testing.TB, db *sql.DB, table string, domainID int64, value string) {
	t.Helper()
	if _, err := db.Exec("INSERT INTO `"+table+"` (`id`, `last_sync`) VALUES (?, ?) "+
		"ON DUPLICATE KEY UPDATE `last_sync` = VALUES(`last_sync`)", domainID, value); err != nil {
		t.Fatalf("whmcstest: setting last_sync in %s: %v", table, err)
	}
}

//go:build demo

package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/civil"
)

// Case is one demo domain: its WHMCS row and what the registrar holds for
// it. The demo seeds the WHMCS side with Seed and builds the registrar side
// from the Reg* fields.
type Case struct {
	Label, Ext string // the domain is Label + "." + Ext (Ext may be "co.uk")
	Story      string // what the case shows, for the demo's intro ("" = unchanged)

	// WHMCS (tbldomains).
	Status          string     // tbldomains.status
	Expiry          civil.Date // zero = '0000-00-00'
	NextDue         civil.Date
	NextInvoice     civil.Date
	DoNotRenew      bool
	IDProtection    bool
	Registered      civil.Date
	RecurringAmount string
	// UnpaidInvoice adds an Unpaid invoice holding only this domain's
	// renewal item, due (item and invoice) on NextDue.
	UnpaidInvoice bool

	// Registrar (nothing when !AtRegistrar).
	AtRegistrar    bool
	RegStatus      string     // ACT, DEL, FAI, or anything else
	RegExpiry      civil.Date // zero = not sent
	RegAutoRenew   string     // on, off, default
	RegPrivacy     bool
	PrivacyAllowed bool
}

// Name is the domain name as WHMCS stores it (Unicode for IDNs).
func (c Case) Name() string { return c.Label + "." + c.Ext }

// DemoAdmin is the administrator Seed creates; the report goes to them.
var DemoAdmin = struct{ First, Last, Email string }{"Dana", "Admin", "dana.admin@example.test"}

// DemoRegistrar is the registrar module name of the seeded domains.
const DemoRegistrar = "openprovider"

// DemoCases returns the demo portfolio for a run on day today: one domain
// for every way the registrar can disagree with WHMCS that the sync
// handles, and many that agree. It is deterministic in today.
func DemoCases(today civil.Date) []Case {
	in := today.AddDays
	// agree: a live domain on which WHMCS and the registrar agree.
	agree := func(label, ext string, days int) Case {
		e := in(days)
		return Case{
			Label: label, Ext: ext, Status: "Active",
			Expiry: e, NextDue: e.AddDays(-14), NextInvoice: e.AddDays(-14),
			Registered: today.AddYears(-1 - (days+40)%5).AddDays(-(days + 40) % 200), RecurringAmount: "12.95",
			AtRegistrar: true, RegStatus: "ACT", RegExpiry: e, RegAutoRenew: "default",
			PrivacyAllowed: ext != "nl" && ext != "de" && ext != "eu",
		}
	}
	var cs []Case
	add := func(c Case, story string, edit func(*Case)) {
		c.Story = story
		if edit != nil {
			edit(&c)
		}
		cs = append(cs, c)
	}

	// Renewed at the registrar: the client paid, WHMCS advanced the due
	// date, the expiry date lags a year behind.
	add(agree("northwind-bakery", "com", 40), "renewed: the registrar's expiry date is a year later than WHMCS's", func(c *Case) {
		c.RegExpiry = c.Expiry.AddYears(1)
		c.NextDue, c.NextInvoice = c.RegExpiry.AddDays(-14), c.RegExpiry.AddDays(-14)
	})
	// The registry moved the expiry date; the unpaid renewal invoice, which
	// bills only this domain, moves with the due date.
	add(agree("harbour-dental", "co.uk", 25), "expiry moved by 21 days at the registry: the due date and its unpaid invoice move with it", func(c *Case) {
		c.RegExpiry = c.Expiry.AddDays(21)
		c.UnpaidInvoice = true
	})
	// A due date far from the expiry date: beyond due_date_max_difference.
	add(agree("quarry-legal", "nl", 200), "next due date 150 days off the expiry: beyond due_date_max_difference (100), left for an admin", func(c *Case) {
		c.NextDue, c.NextInvoice = c.NextDue.AddDays(-150), c.NextInvoice.AddDays(-150)
	})
	// Deleted at the registrar.
	add(agree("oldtown-photo", "net", -12), "expired: deleted at the registrar (DEL)", func(c *Case) {
		c.RegStatus, c.RegAutoRenew = "DEL", "off"
		c.DoNotRenew = true
	})
	// A transfer that completed.
	add(agree("lakeside-studio", "eu", 290), "transfer completed: Pending Transfer in WHMCS, active (ACT) at the registrar", func(c *Case) {
		c.Status = "Pending Transfer"
		c.Expiry = civil.Date{}
		c.NextDue, c.NextInvoice = c.RegExpiry.AddDays(-14-30), c.RegExpiry.AddDays(-14-30)
	})
	// Auto-renew drift, both ways.
	add(agree("summit-fitness", "com", 120), "auto-renew drift: \"do not renew\" in WHMCS, the registrar renews by default", func(c *Case) {
		c.DoNotRenew = true
	})
	add(agree("maple-coffee", "org", 160), "auto-renew drift: WHMCS renews, the registrar has auto-renew off", func(c *Case) {
		c.RegAutoRenew = "off"
	})
	// Privacy drift, both ways.
	add(agree("cobalt-cloud", "io", 75), "ID protection drift: on in WHMCS, WHOIS privacy off at the registrar", func(c *Case) {
		c.IDProtection = true
	})
	add(agree("ember-media", "com", 95), "ID protection drift: off in WHMCS, WHOIS privacy on at the registrar", func(c *Case) {
		c.RegPrivacy = true
	})
	// Unknown at the registrar.
	add(agree("ghost-travel", "com", 60), "not found: the registrar does not know the domain", func(c *Case) {
		c.AtRegistrar = false
	})
	// A failed request.
	add(agree("rapid-auto", "de", 180), "FAI: the registration request failed at the registrar", func(c *Case) {
		c.RegStatus, c.RegExpiry = "FAI", civil.Date{}
	})
	// A status code this program does not know.
	add(agree("violet-books", "be", 210), "unknown registrar status code (XYZ): reported, nothing changed", func(c *Case) {
		c.RegStatus = "XYZ"
	})
	// Ordered, not yet sent to the registrar.
	add(agree("fresh-garden", "shop", 365), "pending registration, not at the registrar yet: waiting", func(c *Case) {
		c.Status = "Pending Registration"
		c.Expiry = civil.Date{}
		c.NextDue, c.NextInvoice = today, today
		c.Registered = today
		c.AtRegistrar = false
	})

	words := []string{"acme", "atlas", "birch", "canyon", "delta", "falcon", "granite", "harvest", "indigo", "juniper",
		"kestrel", "lumen", "meadow", "nimbus", "orchid", "pioneer", "quartz", "river", "sierra", "timber"}
	kinds := []string{"design", "hosting", "consult", "music", "tech", "shop", "print", "labs"}
	exts := []string{"com", "nl", "net", "org", "eu", "de", "co.uk", "io", "be", "com"}
	for i := 0; len(cs) < 48; i++ {
		label := words[i%len(words)] + "-" + kinds[(i*3)%len(kinds)]
		c := agree(label, exts[i%len(exts)], 20+(i*37)%340)
		c.IDProtection = c.PrivacyAllowed && i%4 == 0
		c.RegPrivacy = c.IDProtection
		if i%6 == 5 {
			c.DoNotRenew, c.RegAutoRenew = true, "off"
		}
		cs = append(cs, c)
	}
	// Two IDNs, stored in Unicode by WHMCS and in punycode at the registrar.
	cs = append(cs, agree("bücher-stube", "de", 130), agree("café-zürich", "com", 250))
	return cs
}

// Seed fills a freshly loaded WHMCS schema with the demo: a client, an
// admin role with System Emails and DemoAdmin in it, a few tblconfiguration
// settings, and one tbldomains row per case (registrar DemoRegistrar), with
// an Unpaid invoice where the case asks for one. db must use sql_mode ”
// (Server.Open). It returns the tbldomains ids in the order of cases.
func Seed(ctx context.Context, db *sql.DB, cases []Case) ([]int64, error) {
	ins, err := newInserter(ctx, db)
	if err != nil {
		return nil, err
	}
	client, err := ins.row(ctx, "tblclients", map[string]any{
		"firstname": "Robin", "lastname": "Client", "companyname": "Demo Hosting Ltd",
		"email": "robin@example.test", "country": "NL", "status": "Active",
	})
	if err != nil {
		return nil, err
	}
	role, err := ins.row(ctx, "tbladminroles", map[string]any{"name": "Full Administrator", "systememails": 1, "accountemails": 1, "supportemails": 1})
	if err != nil {
		return nil, err
	}
	if _, err := ins.row(ctx, "tbladmins", map[string]any{
		"roleid": role, "username": "dana", "firstname": DemoAdmin.First, "lastname": DemoAdmin.Last,
		"email": DemoAdmin.Email, "disabled": 0,
	}); err != nil {
		return nil, err
	}
	for k, v := range map[string]string{
		"CompanyName": "Demo Hosting Ltd", "Email": "billing@example.test",
		"SystemURL": "https://billing.example.test/", "DateFormat": "YYYY-MM-DD",
	} {
		if _, err := ins.row(ctx, "tblconfiguration", map[string]any{"setting": k, "value": v}); err != nil {
			return nil, err
		}
	}

	ids := make([]int64, 0, len(cases))
	for _, c := range cases {
		id, err := ins.row(ctx, "tbldomains", map[string]any{
			"userid": client, "type": "Register", "domain": c.Name(), "registrar": DemoRegistrar,
			"status": c.Status, "registrationdate": dateValue(c.Registered), "expirydate": dateValue(c.Expiry),
			"nextduedate": dateValue(c.NextDue), "nextinvoicedate": dateValue(c.NextInvoice),
			"recurringamount": c.RecurringAmount, "firstpaymentamount": c.RecurringAmount,
			"registrationperiod": 1, "paymentmethod": "banktransfer",
			"donotrenew": boolValue(c.DoNotRenew), "idprotection": boolValue(c.IDProtection),
		})
		if err != nil {
			return nil, fmt.Errorf("seeding %s: %w", c.Name(), err)
		}
		ids = append(ids, id)
		if !c.UnpaidInvoice {
			continue
		}
		due := dateValue(c.NextDue)
		inv, err := ins.row(ctx, "tblinvoices", map[string]any{
			"userid": client, "date": dateValue(c.NextDue.AddDays(-14)), "duedate": due,
			"subtotal": c.RecurringAmount, "total": c.RecurringAmount, "status": "Unpaid", "paymentmethod": "banktransfer",
		})
		if err != nil {
			return nil, fmt.Errorf("seeding the invoice of %s: %w", c.Name(), err)
		}
		if _, err := ins.row(ctx, "tblinvoiceitems", map[string]any{
			"invoiceid": inv, "userid": client, "type": "Domain", "relid": id,
			"description": "Domain Renewal - " + c.Name() + " - 1 Year/s", "amount": c.RecurringAmount,
			"duedate": due, "paymentmethod": "banktransfer",
		}); err != nil {
			return nil, fmt.Errorf("seeding the invoice item of %s: %w", c.Name(), err)
		}
	}
	return ids, nil
}

func dateValue(d civil.Date) string {
	if d.IsZero() {
		return "0000-00-00"
	}
	return d.String()
}

func boolValue(b bool) int {
	if b {
		return 1
	}
	return 0
}

// column is what the inserter needs to know of a column.
type column struct {
	name, dataType string
	required       bool // NOT NULL, no default, not auto-increment
}

// inserter writes rows giving every required column a value: the one given,
// or the type's empty value (” for text, 0 for numbers, the zero date), as
// MySQL does without strict mode. go-mysql-server refuses a missing NOT NULL
// column even with sql_mode ”.
type inserter struct {
	db     *sql.DB
	tables map[string][]column
}

func newInserter(ctx context.Context, db *sql.DB) (*inserter, error) {
	rows, err := db.QueryContext(ctx, "SELECT LOWER(TABLE_NAME), LOWER(COLUMN_NAME), LOWER(DATA_TYPE), IS_NULLABLE, "+
		"COLUMN_DEFAULT IS NULL, LOWER(EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "+
		"ORDER BY TABLE_NAME, ORDINAL_POSITION")
	if err != nil {
		return nil, fmt.Errorf("reading the columns: %w", err)
	}
	defer rows.Close()
	in := &inserter{db: db, tables: map[string][]column{}}
	for rows.Next() {
		var table, name, typ, nullable, extra string
		var noDefault bool
		if err := rows.Scan(&table, &name, &typ, &nullable, &noDefault, &extra); err != nil {
			return nil, fmt.Errorf("reading the columns: %w", err)
		}
		req := nullable == "NO" && noDefault && !strings.Contains(extra, "auto_increment")
		in.tables[table] = append(in.tables[table], column{name: name, dataType: typ, required: req})
	}
	return in, rows.Err()
}

func emptyValue(dataType string) any {
	switch {
	case strings.Contains(dataType, "int"), strings.Contains(dataType, "decimal"),
		dataType == "float", dataType == "double":
		return 0
	case dataType == "date":
		return "0000-00-00"
	case dataType == "datetime", dataType == "timestamp":
		return "0000-00-00 00:00:00"
	case dataType == "enum":
		return nil // first value: left to the column's default
	}
	return ""
}

// row inserts one row and returns its auto-increment id.
func (in *inserter) row(ctx context.Context, table string, values map[string]any) (int64, error) {
	cols, ok := in.tables[table]
	if !ok {
		return 0, fmt.Errorf("no table %s", table)
	}
	var names []string
	var args []any
	for _, c := range cols {
		v, given := values[c.name]
		if !given {
			if !c.required {
				continue
			}
			if v = emptyValue(c.dataType); v == nil {
				continue
			}
		}
		if s, isStr := v.(string); isStr && s == "" && c.dataType == "decimal" {
			v = 0
		}
		names = append(names, "`"+c.name+"`")
		args = append(args, v)
	}
	for k := range values {
		if !slices.ContainsFunc(cols, func(c column) bool { return c.name == k }) {
			return 0, fmt.Errorf("table %s has no column %s", table, k)
		}
	}
	res, err := in.db.ExecContext(ctx, "INSERT INTO `"+table+"` ("+strings.Join(names, ", ")+") VALUES ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")+")", args...)
	if err != nil {
		return 0, fmt.Errorf("inserting into %s: %w", table, err)
	}
	return res.LastInsertId()
}

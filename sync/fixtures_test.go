package sync

import (
	"strings"
	"testing"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// today is the run day of every planning test.
var today = civil.Date{Year: 2025, Month: 6, Day: 1}

// D parses a YYYY-MM-DD date; "" is no date.
func D(s string) civil.Date {
	if s == "" {
		return whmcsdb.NoDate
	}
	d, err := civil.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func raw(d civil.Date) *string {
	s := "0000-00-00"
	if !d.IsZero() {
		s = d.String()
	}
	return &s
}

// domainB builds a whmcsdb.Domain. The default is a settled Active domain:
// expiry 2026-03-01, due and invoice dates 14 days earlier, renews, no ID
// protection, registered 2020-03-01.
type domainB struct{ d whmcsdb.Domain }

func domain() *domainB {
	return &domainB{whmcsdb.Domain{
		ID: 42, UserID: 7, Name: "example.com", Registrar: "openprovider", Status: StatusActive,
		RegistrationDate: D("2020-03-01"),
		ExpiryDate:       D("2026-03-01"),
		NextDueDate:      D("2026-02-15"),
		NextInvoiceDate:  D("2026-02-15"),
	}}
}

func (b *domainB) name(n string) *domainB       { b.d.Name = n; return b }
func (b *domainB) at(registrar string) *domainB { b.d.Registrar = registrar; return b }

// invalid marks a stored value of the row as not what its column holds.
func (b *domainB) invalid(err error) *domainB { b.d.Invalid = err; return b }

func (b *domainB) status(s string) *domainB     { b.d.Status = s; return b }
func (b *domainB) expiry(s string) *domainB     { b.d.ExpiryDate = D(s); return b }
func (b *domainB) due(s string) *domainB        { b.d.NextDueDate = D(s); return b }
func (b *domainB) invoice(s string) *domainB    { b.d.NextInvoiceDate = D(s); return b }
func (b *domainB) registered(s string) *domainB { b.d.RegistrationDate = D(s); return b }
func (b *domainB) doNotRenew() *domainB         { b.d.DoNotRenew = true; return b }
func (b *domainB) idProtection() *domainB       { b.d.IDProtection = true; return b }

// dueBoth sets next due and next invoice date.
func (b *domainB) dueBoth(s string) *domainB { return b.due(s).invoice(s) }

// item adds an unpaid invoice item due on due.
func (b *domainB) item(id, invoice int64, typ, due string, onlyThis bool) *domainB {
	b.d.UnpaidItems = append(b.d.UnpaidItems, whmcsdb.InvoiceItem{
		ID: id, InvoiceID: invoice, Type: typ, DueDate: D(due), RawDue: raw(D(due)),
		InvoiceDueDate: D(due), RawInvoiceDue: raw(D(due)), OnlyThisDomain: onlyThis,
	})
	return b
}

// build fills the Raw* guard values from the dates, as whmcsdb reads them.
func (b *domainB) build() whmcsdb.Domain {
	d := b.d
	d.RawExpiryDate = raw(d.ExpiryDate)
	d.RawNextDueDate = raw(d.NextDueDate)
	d.RawNextInvoiceDate = raw(d.NextInvoiceDate)
	d.RawStatus = d.Status
	return d
}

// recordB builds a registrar.Record. The default agrees with domain():
// ACT, expiry 2026-03-01, auto-renew default, privacy off and allowed.
type recordB struct{ r registrar.Record }

func record() *recordB {
	return &recordB{registrar.Record{
		Name: "example.com", UnicodeName: "example.com", ID: "1001",
		StatusCode: "ACT", StatusText: "active", Family: registrar.FamilyActive,
		Expiry:    D("2026-03-01"),
		AutoRenew: registrar.AutoRenewDefault,
		Privacy:   false, PrivacyAllowed: true, PrivacyKnown: true,
	}}
}

func (b *recordB) code(c string) *recordB                   { b.r.StatusCode = c; return b }
func (b *recordB) expiry(s string) *recordB                 { b.r.Expiry = D(s); return b }
func (b *recordB) expiryDate(d civil.Date) *recordB         { b.r.Expiry = d; return b }
func (b *recordB) autoRenew(a registrar.AutoRenew) *recordB { b.r.AutoRenew = a; return b }
func (b *recordB) privacy(on bool) *recordB                 { b.r.Privacy = on; return b }
func (b *recordB) privacyNotAllowed() *recordB              { b.r.PrivacyAllowed = false; return b }
func (b *recordB) privacyUnknown() *recordB                 { b.r.PrivacyKnown, b.r.Privacy = false, false; return b }
func (b *recordB) reason(s string) *recordB                 { b.r.StatusReason = s; return b }
func (b *recordB) named(n string) *recordB                  { b.r.Name = n; return b }
func (b *recordB) invalid(err error) *recordB               { b.r.Invalid = err; return b }
func (b *recordB) found() registrar.Result                  { return registrar.Result{Record: b.r, Found: true} }

// settings returns the defaults changed by fn.
func settings(fn ...func(*Settings)) Settings {
	s := DefaultSettings()
	for _, f := range fn {
		f(&s)
	}
	return s
}

// summary is the plan's dry-run listing without its header line: one line
// per change, push, note and error ("no change" when there is none).
func summary(p DomainPlan) []string {
	lines := strings.Split(strings.TrimRight(p.String(), "\n"), "\n")[1:]
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return lines
}

// applied returns the domain and registrar result as they are after the
// plan ran: WHMCS fields written, pushes done. Planning again on them must
// change nothing.
func applied(p DomainPlan, r registrar.Result) (whmcsdb.Domain, registrar.Result) {
	d := p.Domain
	if p.Expiry != nil {
		d.ExpiryDate = p.Expiry.New
	}
	if p.NextDue != nil {
		d.NextDueDate = p.NextDue.New
	}
	if p.NextInvoice != nil {
		d.NextInvoiceDate = p.NextInvoice.New
	}
	if p.Status != nil {
		d.Status, d.RawStatus = p.Status.New, p.Status.New
	}
	d.UnpaidItems = append([]whmcsdb.InvoiceItem(nil), d.UnpaidItems...)
	for _, m := range p.Items {
		for i := range d.UnpaidItems {
			if d.UnpaidItems[i].ID == m.ItemID {
				d.UnpaidItems[i].DueDate = m.NewDue
			}
		}
	}
	for _, x := range p.Pushes {
		switch x.Kind {
		case PushAutoRenew:
			r.Record.AutoRenew = registrar.AutoRenew(x.New)
		case PushPrivacy:
			r.Record.Privacy = x.Enabled
		}
	}
	return d, r
}

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

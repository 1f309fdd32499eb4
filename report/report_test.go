package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/civil"
)

func d(s string) civil.Date {
	t, err := civil.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestSyncSectionOrder proves NewSync fixes the section order, and that rows
// land in the right section whatever order the Add calls come in.
func TestSyncSectionOrder(t *testing.T) {
	r := NewSync("openprovider")
	// Added in reverse of display order.
	r.AddWaiting("w.com", "pending transfer")
	r.AddAttention("a.com", "due date", "too far")
	r.AddContact("c.nl", "email", "a@example.nl", "b@example.nl")
	r.AddPrivacy("p.com", false, true)
	r.AddAutoRenew("ar.com", "default", "off")
	r.AddStatus("s.com", "Active", "Expired")
	r.AddDueDate("dd.com", d("2025-01-01"), d("2026-01-01"), true, "")
	r.AddExpiry("e.com", civil.Date{}, d("2026-01-01"))
	r.AddError("x.com", "boom")

	var ids []string
	for _, s := range r.Sections {
		ids = append(ids, s.ID)
		if len(s.Rows) != 1 {
			t.Errorf("section %s has %d rows, want 1", s.ID, len(s.Rows))
		}
		for _, row := range s.Rows {
			if len(row) != len(s.Columns) {
				t.Errorf("section %s: row %q has %d cells for %d columns", s.ID, row, len(row), len(s.Columns))
			}
		}
	}
	want := []string{"errors", "expiry", "due_date", "status", "auto_renew", "privacy", "contacts", "attention", "waiting"}
	if !slices.Equal(ids, want) {
		t.Fatalf("section order = %v, want %v", ids, want)
	}
	if got := r.Section(SectionExpiry).Rows[0]; !slices.Equal(got, []string{"e.com", "no date", "2026-01-01"}) {
		t.Errorf("expiry row = %q", got)
	}
	if got := r.Section(SectionDueDate).Rows[0]; !slices.Equal(got, []string{"dd.com", "2025-01-01", "2026-01-01", "yes", ""}) {
		t.Errorf("due date row = %q", got)
	}
	if got := r.Section(SectionPrivacy).Rows[0]; !slices.Equal(got, []string{"p.com", "Disabled", "Enabled"}) {
		t.Errorf("privacy row = %q", got)
	}

	// Renderings show the sections in the same order.
	var b bytes.Buffer
	if err := RenderText(&b, r); err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, s := range r.Sections {
		i := strings.Index(b.String(), s.Title)
		if i < 0 || i < last {
			t.Fatalf("section %q at %d, after %d in:\n%s", s.ID, i, last, b.String())
		}
		last = i
	}
}

// TestRowsKeepInsertionOrder proves rows are never sorted.
func TestRowsKeepInsertionOrder(t *testing.T) {
	r := NewSync("openprovider")
	for _, n := range []string{"zz.com", "aa.com", "mm.com"} {
		r.AddStatus(n, "Active", "Expired")
	}
	var got []string
	for _, row := range r.Section(SectionStatus).Rows {
		got = append(got, row[0])
	}
	if want := []string{"zz.com", "aa.com", "mm.com"}; !slices.Equal(got, want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
}

// TestEmptySectionsOmitted proves every rendering leaves out sections
// without rows.
func TestEmptySectionsOmitted(t *testing.T) {
	r := NewSync("openprovider")
	r.AddStatus("s.com", "Active", "Expired")
	for name, render := range map[string]func(*bytes.Buffer, *Report) error{
		"text": func(b *bytes.Buffer, r *Report) error { return RenderText(b, r) },
		"html": func(b *bytes.Buffer, r *Report) error { return RenderHTML(b, r) },
		"json": func(b *bytes.Buffer, r *Report) error { return RenderJSON(b, r) },
	} {
		var b bytes.Buffer
		if err := render(&b, r); err != nil {
			t.Fatal(name, err)
		}
		for _, s := range r.Sections {
			has := strings.Contains(b.String(), s.Title)
			if has != (s.ID == SectionStatus) {
				t.Errorf("%s: section %q shown = %v", name, s.ID, has)
			}
		}
	}
}

func TestSubject(t *testing.T) {
	many := func(r *Report, add func(*Report, int), n int) {
		for i := 0; i < n; i++ {
			add(r, i)
		}
	}
	expiry := func(r *Report, i int) { r.AddExpiry("e.com", d("2025-01-01"), d("2026-01-01")) }
	errs := func(r *Report, i int) { r.AddError("x.com", "boom") }
	tests := []struct {
		name  string
		build func() *Report
		want  string
	}{
		{"empty", func() *Report { return NewSync("openprovider") }, "Domain sync (openprovider): no changes"},
		{"one change", func() *Report {
			r := NewSync("openprovider")
			r.AddStatus("s.com", "Active", "Expired")
			return r
		}, "Domain sync (openprovider): 1 change"},
		{"changes summed over sections, errors last", func() *Report {
			r := NewSync("openprovider")
			many(r, expiry, 10)
			r.AddDueDate("d.com", d("2025-01-01"), d("2026-01-01"), false, "")
			r.AddPrivacy("p.com", true, false)
			r.AddError("x.com", "boom")
			return r
		}, "Domain sync (openprovider): 12 changes, 1 error"},
		{"plural errors, zero changes", func() *Report {
			r := NewSync("openprovider")
			many(r, errs, 3)
			return r
		}, "Domain sync (openprovider): no changes, 3 errors"},
		{"attention singular and plural", func() *Report {
			r := NewSync("openprovider")
			r.AddAttention("a.com", "due date", "too far")
			return r
		}, "Domain sync (openprovider): no changes, 1 needs attention"},
		{"attention plural", func() *Report {
			r := NewSync("openprovider")
			r.AddAttention("a.com", "due date", "too far")
			r.AddAttention("b.com", "due date", "too far")
			r.AddStatus("s.com", "Active", "Expired")
			return r
		}, "Domain sync (openprovider): 1 change, 2 need attention"},
		{"waiting is not counted", func() *Report {
			r := NewSync("openprovider")
			r.AddWaiting("w.com", "pending")
			return r
		}, "Domain sync (openprovider): no changes"},
		{"dry run", func() *Report {
			r := NewSync("openprovider")
			r.DryRun = true
			many(r, expiry, 2)
			return r
		}, "[dry run] Domain sync (openprovider): 2 changes"},
		{"dry run without changes", func() *Report {
			r := NewSync("odr")
			r.DryRun = true
			return r
		}, "[dry run] Domain sync (odr): no changes"},
		{"reconcile, data-driven labels", func() *Report {
			r := New(KindReconcile, "odr",
				Section{ID: "not_in_whmcs", Title: "At the registrar but not in WHMCS", Columns: []string{"Domain"}, Count: Count{One: "not in WHMCS"}},
				Section{ID: "missing", Title: "In WHMCS but not at the registrar", Columns: []string{"Domain"}, Count: Count{One: "missing at registrar"}},
				Section{ID: "other", Title: "Under another registrar", Columns: []string{"Domain"}, Count: Count{One: "under another registrar"}},
			)
			for _, n := range []string{"a.nl", "b.nl", "c.nl"} {
				if err := r.Add("not_in_whmcs", n); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Add("missing", "d.nl"); err != nil {
				t.Fatal(err)
			}
			return r
		}, "Domain reconciliation (odr): 3 not in WHMCS, 1 missing at registrar"},
		{"reconcile, nothing", func() *Report {
			return New(KindReconcile, "odr", Section{ID: "missing", Columns: []string{"Domain"}, Count: Count{One: "missing at registrar"}})
		}, "Domain reconciliation (odr): nothing to report"},
		{"registrar with a line break cannot split the header", func() *Report {
			return NewSync("op\r\nBcc: evil@example.com")
		}, "Domain sync (op  Bcc: evil@example.com): no changes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.build().Subject(); got != tt.want {
				t.Errorf("Subject() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotable(t *testing.T) {
	r := NewSync("openprovider")
	if r.Notable() {
		t.Error("empty report is notable")
	}
	r.AddWaiting("w.com", "pending registration")
	if r.Notable() {
		t.Error("a report with only waiting domains is notable")
	}
	r2 := NewSync("openprovider")
	r2.AddNotice("held")
	if !r2.Notable() {
		t.Error("a report with a notice is not notable")
	}
	r.AddError("x.com", "boom")
	if !r.Notable() {
		t.Error("a report with an error is not notable")
	}
}

func TestAdd(t *testing.T) {
	r := New(KindReconcile, "odr", Section{ID: "diff", Columns: []string{"Domain", "Field", "WHMCS", "ODR"}})
	if err := r.Add("diff", "a.nl", "email", "x@y", "z@y"); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("nope", "a.nl"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown section: err = %v", err)
	}
	if err := r.Add("diff", "a.nl"); err == nil || !strings.Contains(err.Error(), "4 columns, got 1") {
		t.Errorf("short row: err = %v", err)
	}
	// Sync helpers on a report not made by NewSync add the section rather
	// than panicking.
	r.AddError("b.nl", "boom")
	if s := r.Section(SectionErrors); s == nil || len(s.Rows) != 1 {
		t.Errorf("AddError on a reconcile report: %+v", s)
	}
}

func TestNilReportRender(t *testing.T) {
	var b bytes.Buffer
	for _, f := range []func() error{
		func() error { return RenderText(&b, nil) },
		func() error { return RenderHTML(&b, nil) },
		func() error { return RenderJSON(&b, nil) },
	} {
		if f() == nil {
			t.Error("rendering a nil report did not fail")
		}
	}
}

package whmcsdb

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/civil"
)

func sp(s string) *string { return &s }

func TestParseDate(t *testing.T) {
	tests := []struct {
		raw     *string
		want    civil.Date
		wantErr bool
	}{
		{nil, NoDate, false},
		{sp("0000-00-00"), NoDate, false},
		{sp("0000-00-00 00:00:00"), NoDate, false},
		{sp("2025-03-01"), civil.Date{Year: 2025, Month: 3, Day: 1}, false},
		{sp("2024-02-29"), civil.Date{Year: 2024, Month: 2, Day: 29}, false},
		{sp("2025-03-01 00:00:00"), civil.Date{Year: 2025, Month: 3, Day: 1}, false},
		{sp("2025-03-01 10:00:00"), NoDate, true},
		{sp("2024-00-15"), NoDate, true}, // partly zero, stored by sql_mode=''
		{sp("2024-02-00"), NoDate, true},
		{sp("2023-02-29"), NoDate, true},
		{sp("0001-01-01"), NoDate, true},
		{sp(""), NoDate, true},
		{sp("garbage"), NoDate, true},
		{sp("2025-3-1"), NoDate, true},
		{sp("20250301"), NoDate, true},
	}
	for _, tt := range tests {
		name := "NULL"
		if tt.raw != nil {
			name = *tt.raw
		}
		t.Run(name, func(t *testing.T) {
			got, err := ParseDate(tt.raw)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDate(%s) error = %v, want error %v", name, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%s) = %v, want %v", name, got, tt.want)
			}
			if err != nil && tt.raw != nil && !strings.Contains(err.Error(), *tt.raw) {
				t.Errorf("error %q does not name the value", err)
			}
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "0000-00-00", "0000-00-00 00:00:00", "2025-03-01", "2025-03-01 00:00:00",
		"2024-00-15", "2024-02-30", "9999-12-31", "1000-01-01", "0999-12-31", "2025-13-01", "\xff\xfe", "2025-03-01T00:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(&s)
		if err != nil {
			if d != NoDate {
				t.Fatalf("error with a date %v", d)
			}
			return
		}
		if d == NoDate {
			if !strings.HasPrefix(s, "0000-00-00") {
				t.Fatalf("%q read as no date", s)
			}
			return
		}
		out, err := formatDate(d)
		if err != nil {
			t.Fatalf("ParseDate(%q) = %v, which cannot be written: %v", s, d, err)
		}
		if out != s[:10] {
			t.Fatalf("ParseDate(%q) = %v, written back as %q", s, d, out)
		}
	})
}

func TestParseDateTime(t *testing.T) {
	loc := time.FixedZone("X", 2*3600)
	tests := []struct {
		raw     *string
		want    time.Time
		wantErr bool
	}{
		{nil, time.Time{}, false},
		{sp("0000-00-00 00:00:00"), time.Time{}, false},
		{sp("2025-06-01 10:11:12"), time.Date(2025, 6, 1, 10, 11, 12, 0, loc), false},
		{sp("2025-00-01 10:11:12"), time.Time{}, true},
		{sp("junk"), time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := parseDateTime(tt.raw, loc)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseDateTime(%v) = %v, %v; want %v, error %v", tt.raw, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormatRefusesZero(t *testing.T) {
	if _, err := formatDate(NoDate); err == nil {
		t.Error("formatDate(NoDate) did not fail")
	}
	if _, err := formatDate(civil.Date{Year: 2025, Month: 2, Day: 30}); err == nil {
		t.Error("formatDate(2025-02-30) did not fail")
	}
	if _, err := formatDateTime(time.Time{}, time.UTC); err == nil {
		t.Error("formatDateTime(zero) did not fail")
	}
	loc := time.FixedZone("X", 2*3600)
	got, err := formatDateTime(time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), loc)
	if err != nil || got != "2025-06-01 12:00:00" {
		t.Errorf("formatDateTime = %q, %v; want the time in the WHMCS zone", got, err)
	}
}

func TestSyncTableName(t *testing.T) {
	tests := map[string]string{
		"openprovider":   "tblDomainSyncOpenprovider",
		"Openprovider":   "tblDomainSyncOpenprovider",
		"odr":            "tblDomainSyncOdr",
		"my-registrar_2": "tblDomainSyncMyregistrar2",
		"ünïcode":        "tblDomainSyncNcode",
		"123reg":         "tblDomainSync123reg",
		"":               "tblDomainSync",
	}
	for in, want := range tests {
		if got := SyncTableName(in); got != want {
			t.Errorf("SyncTableName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckIdent(t *testing.T) {
	for _, ok := range []string{"tblDomainSyncOpenprovider", "t", "a_b_1"} {
		if err := checkIdent(ok); err != nil {
			t.Errorf("checkIdent(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a`b", "a b", "a;drop", strings.Repeat("x", 65), "tä"} {
		if err := checkIdent(bad); err == nil {
			t.Errorf("checkIdent(%q) accepted", bad)
		}
	}
}

func TestLockName(t *testing.T) {
	if got := LockName("whmcs", "sync"); got != "domainsync:whmcs:sync" {
		t.Errorf("LockName = %q", got)
	}
	long := LockName(strings.Repeat("d", 60), "sync")
	if len(long) != 64 || !strings.HasPrefix(long, "domainsync:") {
		t.Errorf("long LockName = %q (%d bytes)", long, len(long))
	}
	if long == LockName(strings.Repeat("d", 60), "other") {
		t.Error("different names hash to the same lock")
	}
}

func TestNameForms(t *testing.T) {
	got := nameForms([]string{" Bücher.DE. ", "xn--bcher-kva.de", "", "example.com"})
	want := []string{"bücher.de", "xn--bcher-kva.de", "example.com"}
	if !slices.Equal(got, want) {
		t.Errorf("nameForms = %q, want %q", got, want)
	}
}

func TestCleanText(t *testing.T) {
	tests := map[string]string{
		"plain":         "plain",
		"ü → ✓":         "ü → ✓",
		"emoji 😀 here":  "emoji \uFFFD here",
		"bad \xff byte": "bad \uFFFD byte",
	}
	for in, want := range tests {
		got := cleanText(in)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDomainUpdate(t *testing.T) {
	d := Domain{ID: 7, Name: "example.com", RawExpiryDate: sp("2025-01-01"), RawNextDueDate: nil, RawStatus: "Active"}
	exp := civil.Date{Year: 2026, Month: 1, Day: 1}
	st := "Expired"
	got, err := domainUpdate(Change{Domain: d, ExpiryDate: &exp, Status: &st})
	if err != nil {
		t.Fatal(err)
	}
	wantQ := "UPDATE `tbldomains` SET `expirydate` = ?, `reminders` = '', `status` = ? WHERE `id` = ? AND `expirydate` <=> ? AND `status` = ?"
	if got.query != wantQ {
		t.Errorf("query = %s\nwant    %s", got.query, wantQ)
	}
	if want := []any{"2026-01-01", "Expired", int64(7), "2025-01-01", "Active"}; !slices.Equal(got.args, want) {
		t.Errorf("args = %v, want %v", got.args, want)
	}
	if got, _ := domainUpdate(Change{Domain: d}); got.query != "" {
		t.Errorf("no change gave %q", got.query)
	}
	for name, c := range map[string]Change{
		"bad status": {Domain: d, Status: sp("active-ish")},
		"zero date":  {Domain: d, NextDueDate: &NoDate},
	} {
		if _, err := domainUpdate(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "plain", "ü → ✓", "emoji 😀", "bad \xff", "\xed\xa0\x80", "𝄞𝄞"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("cleanText(%q) = %q is not valid UTF-8", s, got)
		}
		for _, r := range got {
			if r > 0xFFFF {
				t.Fatalf("cleanText(%q) = %q keeps %U", s, got, r)
			}
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r > 0xFFFF }) && got != s {
			t.Fatalf("cleanText changed storable text %q to %q", s, got)
		}
	})
}

package openprovider

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want civil.Date
		none bool
		bad  bool
	}{
		{in: "2026-03-15 13:22:11", want: civil.Date{Year: 2026, Month: 3, Day: 15}},
		{in: "2022-01-01 0:00:00", want: civil.Date{Year: 2022, Month: 1, Day: 1}}, // one-digit hour (spec examples)
		{in: "2026-11-30 23:59:59", want: civil.Date{Year: 2026, Month: 11, Day: 30}},
		{in: "2024-02-29 12:00:00", want: civil.Date{Year: 2024, Month: 2, Day: 29}},
		{in: "2026-03-15", want: civil.Date{Year: 2026, Month: 3, Day: 15}},
		{in: " 2026-03-15 01:02:03 ", want: civil.Date{Year: 2026, Month: 3, Day: 15}},
		{in: "", none: true},
		{in: "0000-00-00 00:00:00", none: true},
		{in: "0000-00-00", none: true},
		{in: "2025-02-30 00:00:00", bad: true},
		{in: "2025-02-29 00:00:00", bad: true},
		{in: "2025-13-01 00:00:00", bad: true},
		{in: "2025-00-10 00:00:00", bad: true},
		{in: "2025-01-01 24:00:00", bad: true},
		{in: "2025-01-01T10:00:00Z", bad: true},
		{in: "01-02-2025", bad: true},
		{in: "2025-1-2 00:00:00", bad: true},
		{in: "0000-01-01 00:00:00", bad: true},
		{in: "next year", bad: true},
	}
	for _, tt := range tests {
		got, none, err := ParseDate(tt.in)
		if tt.bad {
			if err == nil || got.IsValid() {
				t.Errorf("ParseDate(%q) = %v, %v, nil; want an error", tt.in, got, none)
			} else if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("ParseDate(%q) error %q does not name the value", tt.in, err)
			}
			continue
		}
		if err != nil || none != tt.none || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v, %v; want %v, %v", tt.in, got, none, err, tt.want, tt.none)
		}
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		in            string
		want, present bool
		bad           bool
	}{
		{in: `true`, want: true, present: true},
		{in: `false`, present: true},
		{in: `"yes"`, want: true, present: true},
		{in: `"no"`, present: true},
		{in: `"YES"`, want: true, present: true},
		{in: `"true"`, want: true, present: true},
		{in: `1`, want: true, present: true},
		{in: `"0"`, present: true},
		{in: ``},
		{in: `null`},
		{in: `"maybe"`, bad: true},
		{in: `2`, bad: true},
		{in: `{}`, bad: true},
	}
	for _, tt := range tests {
		got, present, err := boolField(json.RawMessage(tt.in))
		if (err != nil) != tt.bad || got != tt.want || present != tt.present {
			t.Errorf("boolField(%s) = %v, %v, %v", tt.in, got, present, err)
		}
	}
}

func TestInt64Field(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		present bool
		bad     bool
	}{
		{in: `22000001`, want: 22000001, present: true},
		{in: `"22000001"`, want: 22000001, present: true},
		{in: `9007199254740993`, want: 9007199254740993, present: true}, // beyond float64 precision
		{in: `null`},
		{in: `1.5`, bad: true},
		{in: `"x"`, bad: true},
		{in: `true`, bad: true},
	}
	for _, tt := range tests {
		got, present, err := int64Field(json.RawMessage(tt.in))
		if (err != nil) != tt.bad || got != tt.want || present != tt.present {
			t.Errorf("int64Field(%s) = %v, %v, %v", tt.in, got, present, err)
		}
	}
}

// domainJSON builds a domain object from a base with fields replaced
// (a nil value removes the field).
func domainJSON(t testing.TB, changes map[string]any) json.RawMessage {
	t.Helper()
	m := map[string]any{
		"id":                       22000001,
		"domain":                   map[string]any{"name": "example", "extension": "com"},
		"status":                   "ACT",
		"autorenew":                "default",
		"renewal_date":             "2026-03-15 13:22:11",
		"deleted_at":               "0000-00-00 00:00:00",
		"is_deleted":               false,
		"is_private_whois_enabled": false,
		"is_private_whois_allowed": true,
		"owner_handle":             "XX100001-NL",
		"billing_handle":           "",
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeDomain(t *testing.T) {
	base := registrar.Record{
		Name: "example.com", UnicodeName: "example.com", ID: "22000001",
		StatusCode: "ACT", StatusText: "active", Family: registrar.FamilyActive,
		Expiry:    civil.Date{Year: 2026, Month: 3, Day: 15},
		AutoRenew: registrar.AutoRenewDefault, PrivacyAllowed: true, PrivacyKnown: true,
		Registrant: "XX100001-NL",
	}
	with := func(f func(*registrar.Record)) registrar.Record { r := base; f(&r); return r }
	tests := []struct {
		name    string
		changes map[string]any
		want    registrar.Record
		invalid string // substring of the Invalid error; "" = valid
	}{
		{"plain", nil, base, ""},
		{"IDN multi-label", map[string]any{"domain": map[string]any{"name": "xn--bcher-kva", "extension": "co.uk"}},
			with(func(r *registrar.Record) { r.Name, r.UnicodeName = "xn--bcher-kva.co.uk", "bücher.co.uk" }), ""},
		{"upper case name", map[string]any{"domain": map[string]any{"name": "Example", "extension": "COM"}}, base, ""},
		{"id as string", map[string]any{"id": "22000001"}, base, ""},
		{"flags as yes/no", map[string]any{"is_private_whois_enabled": "yes", "is_private_whois_allowed": "no"},
			with(func(r *registrar.Record) { r.Privacy, r.PrivacyAllowed = true, false }), ""},
		{"privacy not sent", map[string]any{"is_private_whois_enabled": nil, "is_private_whois_allowed": nil},
			with(func(r *registrar.Record) { r.PrivacyKnown = false }), ""},
		{"autorenew off", map[string]any{"autorenew": "off"}, with(func(r *registrar.Record) { r.AutoRenew = registrar.AutoRenewOff }), ""},
		{"autorenew on", map[string]any{"autorenew": "on"}, with(func(r *registrar.Record) { r.AutoRenew = registrar.AutoRenewOn }), ""},
		{"autorenew missing", map[string]any{"autorenew": nil}, with(func(r *registrar.Record) { r.AutoRenew = registrar.AutoRenewUnknown }), ""},
		{"one-digit hour", map[string]any{"renewal_date": "2026-03-15 0:55:17"}, base, ""},
		{"late in the day stays that day", map[string]any{"renewal_date": "2026-03-15 23:59:59"}, base, ""},
		{"unknown status kept", map[string]any{"status": "TRAN"},
			with(func(r *registrar.Record) {
				r.StatusCode, r.Family, r.StatusText = "TRAN", registrar.FamilyUnknown, `unknown Openprovider status "TRAN"`
			}), ""},
		{"pending without a date", map[string]any{"status": "REQ", "renewal_date": ""},
			with(func(r *registrar.Record) {
				r.StatusCode, r.Family, r.StatusText, r.Expiry = "REQ", registrar.FamilyPending, statusInfo["REQ"].text, civil.Date{}
			}), ""},
		{"restore requested", map[string]any{"status": "RRQ", "restorable_until": "2026-01-11 06:30:00", "quarantine_expiration_date": "2026-01-21 06:30:00"},
			with(func(r *registrar.Record) {
				r.StatusCode, r.Family, r.StatusText = "RRQ", registrar.FamilyPending, "restore requested"
				r.RestoreDate, r.QuarantineDate = civil.Date{Year: 2026, Month: 1, Day: 11}, civil.Date{Year: 2026, Month: 1, Day: 21}
			}), ""},
		{"deleted, quarantine fallbacks", map[string]any{"status": "DEL", "is_deleted": true, "soft_quarantine_expiry_date": "2025-11-02 08:00:12", "hard_quarantine_expiry_date": "2025-11-12 08:00:12", "restorable_until": ""},
			with(func(r *registrar.Record) {
				r.StatusCode, r.Family, r.StatusText, r.Deleted = "DEL", registrar.FamilyDeleted, statusInfo["DEL"].text, true
				r.RestoreDate, r.QuarantineDate = civil.Date{Year: 2025, Month: 11, Day: 2}, civil.Date{Year: 2025, Month: 11, Day: 12}
			}), ""},
		{"deleted active without a date", map[string]any{"is_deleted": true, "renewal_date": nil},
			with(func(r *registrar.Record) { r.Deleted, r.Expiry = true, civil.Date{} }), ""},
		{"unknown fields ignored", map[string]any{"new_field": map[string]any{"x": 1}, "is_client_hold_enabled": "no"}, base, ""},

		{"impossible date", map[string]any{"renewal_date": "2025-02-30 00:00:00"},
			with(func(r *registrar.Record) { r.Expiry = civil.Date{} }), `example.com: invalid reply: field renewal_date: invalid date "2025-02-30 00:00:00"`},
		{"garbage date", map[string]any{"renewal_date": "soon"},
			with(func(r *registrar.Record) { r.Expiry = civil.Date{} }), `field renewal_date: invalid date "soon"`},
		{"date not a string", map[string]any{"renewal_date": 20260315},
			with(func(r *registrar.Record) { r.Expiry = civil.Date{} }), `field renewal_date: not a string`},
		{"active without a date", map[string]any{"renewal_date": "0000-00-00 00:00:00"},
			with(func(r *registrar.Record) { r.Expiry = civil.Date{} }), `field renewal_date: missing for an active domain`},
		{"active with no date field", map[string]any{"renewal_date": nil},
			with(func(r *registrar.Record) { r.Expiry = civil.Date{} }), `field renewal_date: missing for an active domain`},
		{"bad restore date", map[string]any{"restorable_until": "2025-04-31 00:00:00"}, base, `field restorable_until: invalid date "2025-04-31 00:00:00"`},
		{"bad autorenew", map[string]any{"autorenew": "sometimes"},
			with(func(r *registrar.Record) { r.AutoRenew = "" }), `field autorenew: unknown value "sometimes"`},
		{"bad flag", map[string]any{"is_private_whois_enabled": "perhaps"},
			with(func(r *registrar.Record) { r.PrivacyKnown = false }), `field is_private_whois_enabled: not a flag`},
		{"missing id", map[string]any{"id": nil}, with(func(r *registrar.Record) { r.ID = "" }), `field id: missing`},
		{"bad id", map[string]any{"id": 1.5}, with(func(r *registrar.Record) { r.ID = "" }), `field id: not an integer`},
		{"missing status", map[string]any{"status": nil},
			with(func(r *registrar.Record) {
				r.StatusCode, r.Family, r.StatusText, r.Expiry = "", registrar.FamilyUnknown, "no status sent", civil.Date{Year: 2026, Month: 3, Day: 15}
			}), `field status: missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := decodeDomain(domainJSON(t, tt.changes))
			if !ok {
				t.Fatal("not decoded")
			}
			got := d.rec
			inv := got.Invalid
			got.Invalid = nil
			if got != tt.want {
				t.Errorf("record\n got %+v\nwant %+v", got, tt.want)
			}
			switch {
			case tt.invalid == "" && inv != nil:
				t.Errorf("unexpected Invalid: %v", inv)
			case tt.invalid != "" && inv == nil:
				t.Errorf("Invalid not set, want %q", tt.invalid)
			case tt.invalid != "" && !strings.Contains(inv.Error(), tt.invalid):
				t.Errorf("Invalid = %q, want it to contain %q", inv, tt.invalid)
			case tt.invalid != "" && registrar.KindOf(inv) != registrar.KindInvalidReply:
				t.Errorf("Invalid kind = %v", registrar.KindOf(inv))
			}
		})
	}
}

func TestDecodeDomainNameless(t *testing.T) {
	d, ok := decodeDomain(json.RawMessage(`{"id":5,"status":"ACT","renewal_date":"2026-01-01 00:00:00"}`))
	if !ok || d.rec.Name != "" || d.rec.Invalid == nil || !strings.Contains(d.rec.Invalid.Error(), "(unnamed domain id 5)") {
		t.Errorf("nameless: %+v", d.rec)
	}
	for _, in := range []string{`5`, `"x"`, `[]`, `null`, `{`} {
		if _, ok := decodeDomain(json.RawMessage(in)); ok {
			t.Errorf("decodeDomain(%s) ok", in)
		}
	}
}

func TestDecodeEnvelope(t *testing.T) {
	tests := []struct {
		in      string
		code    int
		hasCode bool
		desc    string
		errData string
		maint   bool
		warns   int
		bad     bool
	}{
		{in: `{"code":0,"desc":"","data":{"total":0}}`, hasCode: true},
		{in: `{"desc":"Authentication/Authorization Failed","code":196}`, code: 196, hasCode: true, desc: "Authentication/Authorization Failed"},
		{in: `{"desc":"x","code":815,"data":"TTL too low"}`, code: 815, hasCode: true, desc: "x", errData: "TTL too low"},
		{in: `{"code":"50","desc":"Calls limit has been reached"}`, code: 50, hasCode: true, desc: "Calls limit has been reached"},
		{in: `{"code":0,"data":{},"maintenance":true,"warnings":[{"code":1,"desc":"w"},{"desc":5}]}`, hasCode: true, maint: true, warns: 2},
		{in: `{"data":{}}`},
		{in: `{"code":1e99}`, bad: true},
		{in: `{"code":99999999999}`, bad: true},
		{in: `<html>Bad Gateway</html>`, bad: true},
		{in: `[]`, bad: true},
		{in: `null`, bad: true},
		{in: ``, bad: true},
	}
	for _, tt := range tests {
		env, err := decodeEnvelope([]byte(tt.in))
		if tt.bad {
			if err == nil {
				t.Errorf("decodeEnvelope(%s) = %+v, want an error", tt.in, env)
			}
			continue
		}
		if err != nil || env.Code != tt.code || env.HasCode != tt.hasCode || env.Desc != tt.desc || env.ErrData != tt.errData ||
			env.Maintenance != tt.maint || len(env.Warnings) != tt.warns {
			t.Errorf("decodeEnvelope(%s) = %+v, %v", tt.in, env, err)
		}
	}
}

func TestDecodeListData(t *testing.T) {
	tests := []struct {
		in    string
		items int
		total int
		bad   bool
	}{
		{in: `{"total":0}`, total: 0},
		{in: `{"results":[],"total":0}`, total: 0},
		{in: `{"results":null,"total":0}`, total: 0},
		{in: ``, total: 0},
		{in: `null`, total: 0},
		{in: `{}`, total: 0},
		{in: `{"results":[{},{}],"total":26}`, items: 2, total: 26},
		{in: `{"results":[{}]}`, items: 1, total: -1},
		{in: `{"results":[{}],"total":"x"}`, items: 1, total: -1},
		{in: `{"results":{},"total":1}`, bad: true},
		{in: `[1]`, bad: true},
	}
	for _, tt := range tests {
		ld, err := decodeListData(json.RawMessage(tt.in))
		if (err != nil) != tt.bad || (!tt.bad && (len(ld.Items) != tt.items || ld.Total != tt.total)) {
			t.Errorf("decodeListData(%s) = %d items, total %d, %v", tt.in, len(ld.Items), ld.Total, err)
		}
	}
}

// FuzzDecodeDomain: no input panics, and a decoded expiry is always the
// day written at the start of the input's renewal_date.
func FuzzDecodeDomain(f *testing.F) {
	seeds := []string{
		string(domainJSON(f, nil)),
		string(domainJSON(f, map[string]any{"renewal_date": "2025-02-30 00:00:00"})),
		string(domainJSON(f, map[string]any{"renewal_date": "2022-01-01 0:00:00", "status": "PRE"})),
		string(domainJSON(f, map[string]any{"renewal_date": "0000-00-00 00:00:00", "is_private_whois_enabled": "yes"})),
		string(domainJSON(f, map[string]any{"domain": map[string]any{"name": "xn--bcher-kva", "extension": "co.uk"}, "id": "7"})),
		`{"id":1,"domain":{"name":"a","extension":"b"},"renewal_date":"2024-02-29"}`,
		`{"renewal_date":"\u0032\u0030\u0032\u0034-01-01 00:00:00"}`,
		`{"domain":[],"renewal_date":5,"restorable_until":"2025-01-01 00:00:00.5"}`,
		`{}`, `[]`, `null`, `{"id":1e3}`, `{"domain":{"name":"..","extension":"."}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, ok := decodeDomain(data)
		if !ok {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("decoded input that is not a JSON object: %q", data)
		}
		checkDate := func(field string, got civil.Date, also ...string) {
			if !got.IsValid() {
				if got != (civil.Date{}) {
					t.Fatalf("%s: invalid non-zero date %v", field, got)
				}
				return
			}
			for _, f := range append([]string{field}, also...) {
				if s, _ := m[f].(string); strings.HasPrefix(strings.TrimSpace(s), got.String()) {
					return
				}
			}
			t.Fatalf("%s: date %v is not in the input %q", field, got, data)
		}
		checkDate("renewal_date", d.rec.Expiry)
		checkDate("quarantine_expiration_date", d.rec.QuarantineDate, "hard_quarantine_expiry_date")
		checkDate("restorable_until", d.rec.RestoreDate, "soft_quarantine_expiry_date")
		if d.rec.Invalid == nil && d.rec.Name == "" {
			t.Fatalf("valid record without a name: %q", data)
		}
	})
}

// FuzzDecodeList: a whole ListDomains reply, as the client decodes it.
func FuzzDecodeList(f *testing.F) {
	seeds := []string{
		`{"code":0,"desc":"","data":{"total":0}}`,
		`{"code":0,"desc":"","data":{"results":[` + string(domainJSON(f, nil)) + `],"total":1}}`,
		`{"code":0,"desc":"","data":{"results":[5,"x",null,{}],"total":"4"},"warnings":[{"code":1}],"maintenance":"yes"}`,
		`{"desc":"Authentication/Authorization Failed","code":196}`,
		`{"code":0,"data":{"results":{"a":1}}}`,
		`not json`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := decodeEnvelope(data)
		if err != nil {
			return
		}
		ld, err := decodeListData(env.Data)
		if err != nil {
			return
		}
		if ld.Total < -1 {
			t.Fatalf("total %d", ld.Total)
		}
		for _, it := range ld.Items {
			if d, ok := decodeDomain(it); ok && d.rec.Expiry.IsValid() && !strings.Contains(string(data), d.rec.Expiry.String()) &&
				!strings.Contains(string(data), `\u`) {
				t.Fatalf("expiry %v not in the input %q", d.rec.Expiry, data)
			}
		}
	})
}

// FuzzParseDate: a parsed date is always the day at the start of the input.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-15 13:22:11", "2022-01-01 0:00:00", "0000-00-00 00:00:00", "", "2025-02-30 00:00:00",
		"2024-02-29", "9999-12-31 23:59:59", "2025-01-01 00:00:00.123", " 2025-01-01 00:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, none, err := ParseDate(s)
		switch {
		case err != nil:
			if d != (civil.Date{}) || none {
				t.Fatalf("error with a date: %v %v", d, none)
			}
		case none:
			if d != (civil.Date{}) {
				t.Fatalf("none with a date: %v", d)
			}
		default:
			if !d.IsValid() || !strings.HasPrefix(strings.TrimSpace(s), d.String()) {
				t.Fatalf("ParseDate(%q) = %v", s, d)
			}
		}
	})
}

// FuzzDecodeEnvelope: the envelope is read as encoding/json would read it
// into a map of its keys: the same replies accepted, the same code,
// description and data (the last of a key sent twice).
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"code":0,"desc":"","data":{"results":[],"total":0}}`, `{"code":196,"desc":"x","data":"y"}`,
		`{"code":0,"code":5}`, `null`, `[]`, `{} {}`, `{"a":1}x`, " {\"desc\":\"\xff\"} ", `{"data":{"a":[1,2,{"b":null}]}}`,
		`{"code":"7","maintenance":"yes","warnings":[{"code":1,"desc":"w"}]}`, `{"data":null}`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := decodeEnvelope(body)
		var top map[string]json.RawMessage
		werr := json.Unmarshal(body, &top)
		if werr == nil && top == nil {
			werr = errors.New("null")
		}
		if n, _, cerr := int64Field(top["code"]); werr == nil && (cerr != nil || n < math.MinInt32 || n > math.MaxInt32) {
			werr = errors.New("code is not an integer") // (a field error, not the envelope's)
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: decodeEnvelope error %v, encoding/json %v", body, err, werr)
		}
		if err != nil {
			return
		}
		code, present, _ := int64Field(top["code"])
		if present != env.HasCode || present && int(code) != env.Code {
			t.Fatalf("%q: code %d %v, want %d %v", body, env.Code, env.HasCode, code, present)
		}
		if desc, _, _ := stringField(top["desc"]); desc != env.Desc {
			t.Fatalf("%q: desc %q, want %q", body, env.Desc, desc)
		}
		if d := top["data"]; len(env.Data) > 0 && !bytes.Equal(env.Data, d) {
			t.Fatalf("%q: data %q, want %q", body, env.Data, d)
		}
	})
}

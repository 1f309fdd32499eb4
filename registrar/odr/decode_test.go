package odr

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/rest"
)

func TestSignature(t *testing.T) {
	got := Signature("public$3f2a9c", "secret$7b1e44", 1700000000)
	if want := "token$2d5f9846e4573372a968627b713ec090819250b1"; got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
}

func TestDecodeEnvelope(t *testing.T) {
	tests := []struct {
		name, raw string
		ok        bool
		code      int
		msg       string
		err       string
	}{
		{"success lower", `{"status":"success","code":200,"response":{"result":true}}`, true, 200, "", ""},
		{"success upper", `{"status":"SUCCESS","code":200,"response":[]}`, true, 200, "", ""},
		{"error with fields", `{"status":"ERROR","code":400,"response":{"message":"Validation failed","data":{"b":"bad","a":"worse"}}}`, false, 400, "Validation failed (a: worse; b: bad)", ""},
		{"error string code", `{"status":"error","code":"404","response":{"message":"Forced error","data":[]}}`, false, 404, "Forced error", ""},
		{"error string response", `{"status":"error","code":500,"response":"boom"}`, false, 500, "boom", ""},
		{"no status", `{"code":200,"response":{}}`, false, 0, "", `no "status"`},
		{"odd status", `{"status":"maybe","code":200}`, false, 0, "", "neither success nor error"},
		{"bad code", `{"status":"success","code":"x"}`, false, 0, "", "not a number"},
		{"not json", `<html>502</html>`, false, 0, "", "not a JSON object"},
		{"empty", ``, false, 0, "", "empty reply"},
		{"array", `[1,2]`, false, 0, "", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := decodeEnvelope([]byte(tt.raw))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if env.OK != tt.ok || env.Code != tt.code || env.Message != tt.msg {
				t.Fatalf("got ok=%v code=%d msg=%q", env.OK, env.Code, env.Message)
			}
		})
	}
}

func TestKindOfCode(t *testing.T) {
	tests := []struct {
		code  int
		login bool
		want  registrar.Kind
	}{
		{401, false, registrar.KindAuth},
		{403, false, registrar.KindAccessDenied},
		{403, true, registrar.KindAuth},
		{404, false, registrar.KindNotFound},
		{429, false, registrar.KindRateLimited},
		{503, false, registrar.KindMaintenance},
		{400, false, registrar.KindRefused},
		{422, false, registrar.KindRefused},
		{500, false, registrar.KindUnavailable},
		{0, false, registrar.KindOther},
		{418, false, registrar.KindOther},
	}
	for _, tt := range tests {
		if got := kindOfCode(tt.code, tt.login); got != tt.want {
			t.Errorf("kindOfCode(%d, %v) = %v, want %v", tt.code, tt.login, got, tt.want)
		}
	}
	// Replies without an envelope, and error envelopes, by HTTP status:
	// what kind of error and what the transport does with it.
	c := &Client{log: slog.New(slog.DiscardHandler)}
	env := func(code int) []byte {
		return []byte(fmt.Sprintf(`{"status":"error","code":%d,"response":{"message":"m"}}`, code))
	}
	for _, tt := range []struct {
		status int
		body   []byte
		header http.Header
		want   registrar.Kind
		o      rest.Outcome
	}{
		{401, nil, nil, registrar.KindAuth, rest.AuthRefused},
		{429, nil, nil, registrar.KindRateLimited, rest.Throttled},
		{429, env(429), nil, registrar.KindRateLimited, rest.Throttled},
		{503, nil, nil, registrar.KindRateLimited, rest.Throttled},
		{503, env(503), http.Header{"Retry-After": {"2"}}, registrar.KindRateLimited, rest.Throttled},
		{503, env(503), nil, registrar.KindMaintenance, rest.Final}, // maintenance, no Retry-After: stops the run
		{500, nil, nil, registrar.KindUnavailable, rest.Transient},
		{502, nil, nil, registrar.KindUnavailable, rest.Transient},
		{500, env(500), nil, registrar.KindUnavailable, rest.Transient},
		{500, env(599), nil, registrar.KindUnavailable, rest.Transient},
		{500, env(404), nil, registrar.KindNotFound, rest.Final},
		{200, nil, nil, registrar.KindInvalidReply, rest.Final},
		{404, nil, nil, registrar.KindInvalidReply, rest.Final},
	} {
		_, err, o := c.decodeReply(request{method: "GET", path: "/domain/", domain: "a.nl"}, &rest.Reply{Status: tt.status, Body: tt.body, Header: tt.header})
		if registrar.KindOf(err) != tt.want || o != tt.o {
			t.Errorf("reply %d %s = %v %v, want %v %v", tt.status, tt.body, err, o, tt.want, tt.o)
		}
	}
}

func TestDecodeDomain(t *testing.T) {
	d := func(y int, m, day int) civil.Date { return civil.Date{Year: y, Month: timeMonth(m), Day: day} }
	tests := []struct {
		name    string
		raw     string
		want    registrar.Record
		invalid string // substring of Invalid; "" = valid
	}{
		{"info, new spelling",
			`{"id":3,"domain_id":3,"status":"REGISTERED","name":"example","tld":"nl","autorenew":"ON","expiration_date":"2027-01-01","contacts":{"REGISTRANT":"XXX001"},"contacts_map":{"REGISTRANT":24,"ONSITE":32}}`,
			registrar.Record{Name: "example.nl", UnicodeName: "example.nl", ID: "3", StatusCode: "REGISTERED", StatusText: "registered",
				Family: registrar.FamilyActive, Expiry: d(2027, 1, 1), AutoRenew: registrar.AutoRenewOn, Registrant: "24"}, ""},
		{"old spelling",
			`{"domain_id":"7","domain_status":"QUARANTINE","domain_name":"oud","tld":"eu","autorenew":false,"domain_expiration_date":"2025-03-04 10:00:00","contacts":{"REGISTRANT":"H1"}}`,
			registrar.Record{Name: "oud.eu", UnicodeName: "oud.eu", ID: "7", StatusCode: "QUARANTINE", StatusText: "in quarantine",
				Family: registrar.FamilyQuarantine, Expiry: d(2025, 3, 4), AutoRenew: registrar.AutoRenewOff, Registrant: "H1"}, ""},
		{"expiration_at, list row with string id",
			`{"id":"12","name":"x","tld":"be","expiration_at":"2026-02-01T10:07:52.0Z","contacts":[]}`,
			registrar.Record{Name: "x.be", UnicodeName: "x.be", ID: "12", StatusText: "no status sent", Family: registrar.FamilyUnknown, Expiry: d(2026, 2, 1)}, ""},
		{"empty expiration_date falls back to expiration_at",
			`{"id":1,"name":"y","tld":"nl","status":"PENDING","expiration_date":"","expiration_at":"2026-05-06"}`,
			registrar.Record{Name: "y.nl", UnicodeName: "y.nl", ID: "1", StatusCode: "PENDING", StatusText: "pending", Family: registrar.FamilyPending, Expiry: d(2026, 5, 6)}, ""},
		{"failed transfer with a reason", `{"id":5,"name":"f","tld":"nl","status":"FAILED","expiration_date":null,"reason":" Auth code\ninvalid "}`,
			registrar.Record{Name: "f.nl", UnicodeName: "f.nl", ID: "5", StatusCode: "FAILED", StatusText: "unknown status", StatusReason: "Auth code invalid",
				Family: registrar.FamilyUnknown}, ""},
		{"status_reason; a reason that is not text is ignored", `{"id":5,"name":"f","tld":"nl","status":"CANCELLED","reason":{"x":1},"status_reason":"by the owner"}`,
			registrar.Record{Name: "f.nl", UnicodeName: "f.nl", ID: "5", StatusCode: "CANCELLED", StatusText: "unknown status", StatusReason: "by the owner",
				Family: registrar.FamilyUnknown}, ""},
		{"empty date", `{"id":1,"name":"e","tld":"nl","status":"REGISTERED","expiration_date":""}`, registrar.Record{}, `field expiration_date: "": empty date`},
		{"zero date", `{"id":1,"name":"z","tld":"nl","status":"REGISTERED","expiration_date":"0000-00-00 00:00:00"}`, registrar.Record{}, `field expiration_date: "0000-00-00 00:00:00": zero date`},
		{"null date", `{"id":1,"name":"z","tld":"nl","status":"REGISTERED","expiration_date":null}`, registrar.Record{}, `field expiration_date: "": empty date`},
		{"no date", `{"id":1,"name":"z","tld":"nl","status":"REGISTERED"}`, registrar.Record{}, "field expiration_date: missing for a registered domain"},
		// Only a live (REGISTERED) domain must have an expiry: a pending one
		// has none yet and is valid with the zero date ("waiting").
		{"pending, no date, registrant 0", `{"id":1,"name":"p","tld":"nl","status":"PENDING","contacts_map":{"REGISTRANT":0}}`,
			registrar.Record{Name: "p.nl", UnicodeName: "p.nl", ID: "1", StatusCode: "PENDING", StatusText: "pending", Family: registrar.FamilyPending}, ""},
		{"pending, empty date", `{"id":1,"name":"p","tld":"nl","status":"PENDING","expiration_date":""}`,
			registrar.Record{Name: "p.nl", UnicodeName: "p.nl", ID: "1", StatusCode: "PENDING", StatusText: "pending", Family: registrar.FamilyPending}, ""},
		{"pending, null date", `{"id":1,"name":"p","tld":"nl","status":"PENDING","expiration_date":null}`,
			registrar.Record{Name: "p.nl", UnicodeName: "p.nl", ID: "1", StatusCode: "PENDING", StatusText: "pending", Family: registrar.FamilyPending}, ""},
		{"pending, zero date", `{"id":1,"name":"p","tld":"nl","status":"PENDING","expiration_date":"0000-00-00 00:00:00"}`,
			registrar.Record{Name: "p.nl", UnicodeName: "p.nl", ID: "1", StatusCode: "PENDING", StatusText: "pending", Family: registrar.FamilyPending}, ""},
		{"pending, impossible date", `{"id":1,"name":"p","tld":"nl","status":"PENDING","expiration_date":"2026-13-01"}`, registrar.Record{}, `"2026-13-01": not a date`},
		{"registered lower case, no date", `{"id":1,"name":"z","tld":"nl","status":"registered","expiration_date":""}`, registrar.Record{}, "empty date"},
		{"impossible date", `{"id":1,"name":"z","tld":"nl","expiration_date":"2026-02-30"}`, registrar.Record{}, `"2026-02-30": not a date`},
		{"number date", `{"id":1,"name":"z","tld":"nl","expiration_date":20260101}`, registrar.Record{}, `"20260101": not a date`},
		{"bad autorenew", `{"id":1,"name":"z","tld":"nl","expiration_date":"2026-01-01","autorenew":"maybe"}`, registrar.Record{}, "field autorenew"},
		{"bad id", `{"id":-4,"name":"z","tld":"nl","expiration_date":"2026-01-01"}`, registrar.Record{}, "field id: -4"},
		{"no name", `{"id":1,"expiration_date":"2026-01-01"}`, registrar.Record{}, "field name: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, ok := decodeDomain(json.RawMessage(tt.raw), "")
			if !ok {
				t.Fatal("not decoded as an object")
			}
			if tt.invalid != "" {
				if rec.Invalid == nil || !strings.Contains(rec.Invalid.Error(), tt.invalid) {
					t.Fatalf("Invalid = %v, want containing %q", rec.Invalid, tt.invalid)
				}
				return
			}
			if rec.Invalid != nil {
				t.Fatalf("unexpected Invalid: %v", rec.Invalid)
			}
			if rec != tt.want {
				t.Fatalf("got  %+v\nwant %+v", rec, tt.want)
			}
		})
	}
	if _, _, ok := decodeDomain(json.RawMessage(`[1]`), ""); ok {
		t.Error("an array decoded as a domain")
	}
}

func TestStatusFamily(t *testing.T) {
	for code, want := range map[string]registrar.Family{
		"REGISTERED": registrar.FamilyActive, "PENDING": registrar.FamilyPending, "QUARANTINE": registrar.FamilyQuarantine,
		"DELETED": registrar.FamilyDeleted, "DELETE_SCHEDULED": registrar.FamilyScheduled, "registered": registrar.FamilyActive,
		"TRANSFER_OUT": registrar.FamilyUnknown, "": registrar.FamilyUnknown,
	} {
		if got, _ := StatusFamily(code); got != want {
			t.Errorf("StatusFamily(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestDecodeList(t *testing.T) {
	for raw, n := range map[string]int{`[{"id":1},{"id":2}]`: 2, `{"data":[{"id":1}]}`: 1, `[]`: 0, `{}`: 0, `null`: 0, `{"list":null}`: 0} {
		rows, err := decodeList(json.RawMessage(raw))
		if err != nil || len(rows) != n {
			t.Errorf("decodeList(%s) = %d rows, %v", raw, len(rows), err)
		}
	}
	for _, raw := range []string{`"x"`, `{"data":"x"}`, `{"other":[1]}`, `5`} {
		if _, err := decodeList(json.RawMessage(raw)); err == nil {
			t.Errorf("decodeList(%s) accepted", raw)
		}
	}
}

// FuzzDecodeReply feeds arbitrary bodies through every reply decoder: none
// may panic, and a record is either valid with a real expiry or Invalid.
func FuzzDecodeReply(f *testing.F) {
	for _, s := range []string{
		`{"status":"success","code":200,"response":{"id":3,"status":"REGISTERED","name":"a","tld":"nl","autorenew":"ON","expiration_date":"2027-01-01","contacts_map":{"REGISTRANT":24}}}`,
		`{"status":"success","code":200,"response":[{"id":"1","name":"test","tld":"nl","expiration_date":"2026-01-01 00:00:00"}]}`,
		`{"status":"error","code":404,"response":{"message":"Forced error","data":{"x":"y"}}}`,
		`{"status":"SUCCESS","code":"200","response":{"domain_status":"DELETED","domain_expiration_date":"0000-00-00","domain_name":"b","tld":"eu"}}`,
		`{"status":"success","response":{"data":[{"expiration_at":"2026-02-01T10:07:52.0Z","name":"c.be"}]}}`,
		`{"status":"success","response":{"first_name":"T","house_number":1000,"id":8}}`,
		`{"status":"success","response":{"id":2,"status":"PENDING","name":"p","tld":"nl","expiration_date":""}}`,
		`{"status":null}`, `[]`, `{"status":"success","response":{"autorenew":true,"contacts":[]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		env, err := decodeEnvelope(raw)
		if err != nil {
			return
		}
		rows, _ := decodeList(env.Response)
		rows = append(rows, env.Response)
		for _, row := range rows {
			rec, _, ok := decodeDomain(row, "")
			if ok && rec.Invalid == nil && (rec.Name == "" || (!rec.Expiry.IsZero() && !rec.Expiry.IsValid())) {
				t.Fatalf("valid record without a name or with an impossible expiry: %+v from %s", rec, row)
			}
			if ok && rec.Invalid == nil && rec.Family == registrar.FamilyActive && rec.Expiry.IsZero() {
				t.Fatalf("valid registered record without expiry: %+v from %s", rec, row)
			}
		}
		decodeContact(env.Response)
		errorMessage(env.Response)
	})
}

func timeMonth(m int) time.Month { return time.Month(m) }

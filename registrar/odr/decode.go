package odr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
)

// envelope is a decoded reply: {"status":"success"|"error","code":N,
// "response":…}. On error, response is {"message","data"}.
type envelope struct {
	OK       bool
	Code     int
	Response json.RawMessage
	Message  string // error message, with field errors from data appended
}

// decodeEnvelope decodes a reply body. Status is compared case-insensitively
// ("success"/"SUCCESS"). A body that is not such an envelope is an error.
func decodeEnvelope(raw []byte) (envelope, error) {
	var w struct {
		Status   *string         `json:"status"`
		Code     json.RawMessage `json:"code"`
		Response json.RawMessage `json:"response"`
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return envelope{}, errors.New("empty reply")
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return envelope{}, fmt.Errorf("reply is not a JSON object: %v", err)
	}
	if w.Status == nil {
		return envelope{}, errors.New(`reply has no "status"`)
	}
	env := envelope{Response: w.Response}
	if len(w.Code) > 0 && string(w.Code) != "null" {
		n, ok := intOf(w.Code)
		if !ok {
			return envelope{}, fmt.Errorf(`reply field "code": %s is not a number`, clip(w.Code))
		}
		env.Code = int(n)
	}
	switch strings.ToLower(strings.TrimSpace(*w.Status)) {
	case "success":
		env.OK = true
	case "error":
		env.Message = errorMessage(w.Response)
	default:
		return envelope{}, fmt.Errorf(`reply field "status": %q is neither success nor error`, *w.Status)
	}
	return env, nil
}

// errorMessage reads {"message":"…","data":{field:error}} defensively.
func errorMessage(raw json.RawMessage) string {
	var e struct {
		Message json.RawMessage `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &e) != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	msg, _ := stringOf(e.Message)
	var fields map[string]json.RawMessage
	if json.Unmarshal(e.Data, &fields) == nil && len(fields) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			v, ok := stringOf(fields[k])
			if !ok {
				v = clip(fields[k])
			}
			parts = append(parts, k+": "+v)
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	return strings.TrimSpace(msg)
}

// clip shortens raw JSON for an error message.
func clip(raw []byte) string {
	s := string(raw)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// stringOf reads a JSON string or number as a string.
func stringOf(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// intOf reads a JSON number or a decimal string as an int64.
func intOf(raw json.RawMessage) (int64, bool) {
	s, ok := stringOf(raw)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

// StatusFamily maps an ODR domain status to a family. Unknown codes are
// kept as FamilyUnknown, never guessed.
func StatusFamily(code string) (registrar.Family, string) {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "REGISTERED":
		return registrar.FamilyActive, "registered"
	case "PENDING":
		return registrar.FamilyPending, "pending"
	case "QUARANTINE":
		return registrar.FamilyQuarantine, "in quarantine"
	case "DELETED":
		return registrar.FamilyDeleted, "deleted"
	case "DELETE_SCHEDULED":
		return registrar.FamilyScheduled, "deletion scheduled"
	}
	return registrar.FamilyUnknown, "unknown status"
}

// expiryFields are the spellings of the expiry seen in public code, in the
// order they are tried.
var expiryFields = []string{"expiration_date", "expiration_at", "domain_expiration_date"}

// dateLayouts are the date forms seen in ODR replies.
var dateLayouts = []string{"2006-01-02", "2006-01-02 15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05"}

// parseDate reads an ODR date: "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or
// RFC 3339 (the date as written, not converted). Empty and zero dates are
// errors.
func parseDate(s string) (civil.Date, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return civil.Date{}, errors.New("empty date")
	case strings.HasPrefix(t, "0000-00-00"):
		return civil.Date{}, errors.New("zero date")
	}
	for _, layout := range dateLayouts {
		if tm, err := time.Parse(layout, t); err == nil {
			d := civil.DateOf(tm)
			if d.Year < 1900 {
				return civil.Date{}, errors.New("implausible year")
			}
			return d, nil
		}
	}
	return civil.Date{}, errors.New("not a date")
}

// noDate reports whether s is an expiry that says "no date": empty or a
// zero date.
func noDate(s string) bool {
	t := strings.TrimSpace(s)
	return t == "" || strings.HasPrefix(t, "0000-00-00")
}

// decodeDomain turns one domain object (info reply or list row) into a
// Record. ok is false when raw is not a JSON object. want is the name asked
// for ("" for list rows); the record is named by the reply when it names
// itself, else by want. Problems with single fields set rec.Invalid.
func decodeDomain(raw json.RawMessage, want string) (rec registrar.Record, id int64, ok bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return registrar.Record{}, 0, false
	}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	// Name: name/domain_name is the SLD (or the full name), tld the extension.
	sld, _ := stringOf(m["name"])
	if sld == "" {
		sld, _ = stringOf(m["domain_name"])
	}
	tld, _ := stringOf(m["tld"])
	tld = strings.TrimPrefix(strings.TrimSpace(tld), ".")
	full := strings.TrimSpace(sld)
	if tld != "" && full != "" && !strings.HasSuffix(strings.ToLower(full), "."+strings.ToLower(tld)) {
		full += "." + tld
	}
	label := want
	switch {
	case full != "":
		ascii, uni, err := registrar.NormalizeName(full)
		if err != nil {
			bad("field name: %v", err)
			label = full
		} else {
			rec.Name, rec.UnicodeName, label = ascii, uni, ascii
		}
	case want != "":
		ascii, uni, err := registrar.NormalizeName(want)
		if err == nil {
			rec.Name, rec.UnicodeName = ascii, uni
		}
	default:
		bad("field name: missing")
	}

	for _, k := range []string{"id", "domain_id"} {
		if v, present := m[k]; present && string(v) != "null" {
			n, good := intOf(v)
			if !good || n <= 0 {
				bad("field %s: %s is not a domain id", k, clip(v))
			} else {
				id = n
				rec.ID = strconv.FormatInt(n, 10)
			}
			break
		}
	}

	// Status: status or domain_status. List rows may carry none.
	for _, k := range []string{"status", "domain_status"} {
		if v, present := m[k]; present && string(v) != "null" {
			s, good := stringOf(v)
			if !good {
				bad("field %s: %s is not a status", k, clip(v))
			}
			rec.StatusCode = s
			break
		}
	}
	rec.Family, rec.StatusText = StatusFamily(rec.StatusCode)
	if rec.StatusCode == "" {
		rec.StatusText = "no status sent"
	}
	rec.Deleted = rec.Family == registrar.FamilyDeleted
	rec.StatusReason = reasonOf(m)

	// Expiry: the first spelling present with a value. A missing, null,
	// empty or zero date makes the record invalid only for a REGISTERED
	// (live) domain, which always has one; a PENDING (or otherwise not
	// live) domain may have none yet, and keeps the zero Expiry ("no date").
	// A value that is not a date is always invalid.
	live := rec.Family == registrar.FamilyActive
	found := ""
	var lastVal json.RawMessage
	for _, k := range expiryFields {
		v, present := m[k]
		if !present {
			continue
		}
		if found == "" {
			found, lastVal = k, v
		}
		if s, _ := stringOf(v); strings.TrimSpace(s) != "" && !strings.HasPrefix(strings.TrimSpace(s), "0000-00-00") {
			found, lastVal = k, v
			break
		}
	}
	if found == "" {
		if live {
			bad("field expiration_date: missing for a registered domain")
		}
	} else {
		s, good := stringOf(lastVal)
		if !good && string(lastVal) != "null" {
			bad("field %s: %s is not a date", found, clip(lastVal))
		} else if d, err := parseDate(s); err != nil {
			if live || !noDate(s) {
				bad("field %s: %q: %v", found, s, err)
			}
		} else {
			rec.Expiry = d
		}
	}

	// Auto-renew: boolean, "ON"/"OFF", 1/0.
	if v, present := m["autorenew"]; present && string(v) != "null" {
		switch strings.ToLower(strings.Trim(strings.TrimSpace(string(v)), `"`)) {
		case "true", "on", "1", "yes":
			rec.AutoRenew = registrar.AutoRenewOn
		case "false", "off", "0", "no":
			rec.AutoRenew = registrar.AutoRenewOff
		default:
			bad("field autorenew: %s is neither on nor off", clip(v))
		}
	}

	// ODR has no WHOIS privacy.
	rec.PrivacyKnown = false

	// Registrant: the numeric contact id (contacts_map) the contact API
	// takes, else the handle (contacts).
	rec.Registrant = registrantOf(m)

	if len(problems) > 0 {
		rec.Invalid = &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label,
			Message: strings.Join(problems, "; ")}
	}
	return rec, id, true
}

// reasonFields are where a domain object may explain its status (why a
// transfer failed), in the order they are tried. Informational only: a
// value that is not text is ignored, never an error.
var reasonFields = []string{"reason", "status_reason"}

// maxReason is the longest reason kept, in runes.
const maxReason = 200

// reasonOf returns the domain object's reason text on one line, at most
// maxReason runes; "" when none is sent.
func reasonOf(m map[string]json.RawMessage) string {
	for _, k := range reasonFields {
		var s string
		if json.Unmarshal(m[k], &s) != nil {
			continue
		}
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
		if s == "" {
			continue
		}
		if r := []rune(s); len(r) > maxReason {
			s = string(r[:maxReason]) + "…"
		}
		return s
	}
	return ""
}

func registrantOf(m map[string]json.RawMessage) string {
	for _, k := range []string{"contacts_map", "contacts"} {
		var roles map[string]json.RawMessage
		if json.Unmarshal(m[k], &roles) != nil {
			continue // absent, null, or PHP's empty array []
		}
		for role, v := range roles {
			if strings.EqualFold(role, "REGISTRANT") {
				// 0 (or "") is "no contact": a domain still pending has none.
				if s, ok := stringOf(v); ok && strings.TrimSpace(s) != "" && strings.TrimSpace(s) != "0" {
					return strings.TrimSpace(s)
				}
			}
		}
	}
	return ""
}

// decodeList reads a listing reply: response is an array of rows, or an
// object holding it under "data", "list", "items" or "results".
func decodeList(raw json.RawMessage) ([]json.RawMessage, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	var rows []json.RawMessage
	if json.Unmarshal(t, &rows) == nil {
		return rows, nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(t, &obj) != nil {
		return nil, fmt.Errorf("listing response is neither a list nor an object: %s", clip(t))
	}
	if len(obj) == 0 {
		return nil, nil
	}
	for _, k := range []string{"data", "list", "items", "results"} {
		if v, ok := obj[k]; ok {
			if string(bytes.TrimSpace(v)) == "null" {
				return nil, nil
			}
			if json.Unmarshal(v, &rows) != nil {
				return nil, fmt.Errorf("listing field %s is not a list: %s", k, clip(v))
			}
			return rows, nil
		}
	}
	return nil, fmt.Errorf("listing response holds no list: %s", clip(t))
}

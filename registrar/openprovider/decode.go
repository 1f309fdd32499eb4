package openprovider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/domainsync/domainsync/registrar"
)

// Decoding follows what the live API sends, not the spec's idealised types
// (docs/openprovider-api.md §6, §10, §14): every field is optional, ids are
// int64, flags may be JSON booleans or the strings "yes"/"no", dates are
// "YYYY-MM-DD HH:MM:SS" (one-digit hours accepted) with "0000-00-00 00:00:00"
// and "" meaning none, and unknown status codes are kept. Each domain object
// is decoded field by field so that one bad field makes that one record
// Invalid instead of failing the whole page.

// envelope is the JSON envelope every reply carries (§3).
type envelope struct {
	Code        int
	HasCode     bool
	Desc        string
	Data        json.RawMessage // nil when absent or null
	ErrData     string          // the error's "data" when it is a string
	Warnings    []warning
	Maintenance bool
}

type warning struct {
	Code int
	Desc string
	Data string
}

// decodeEnvelope decodes a reply body. It fails when the body is not a JSON
// object; fields of the wrong type are ignored rather than trusted.
func decodeEnvelope(body []byte) (*envelope, error) {
	top := make(map[string]json.RawMessage, 4)
	d := newScanner(body)
	err := eachMember(d, func(name string) error {
		v, err := rawValue(d, body)
		top[name] = v // (a key sent twice: the last one, as encoding/json)
		return err
	})
	if err != nil {
		if errors.Is(err, errNullObject) {
			return nil, errors.New("reply is not a JSON object: null")
		}
		return nil, fmt.Errorf("reply is not a JSON object: %w", err)
	}
	env := &envelope{}
	if raw, ok := top["code"]; ok {
		n, present, err := int64Field(raw)
		if err != nil {
			return nil, fmt.Errorf("reply field code: %v", err)
		}
		if present {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("reply field code: value %d out of range", n)
			}
			env.Code, env.HasCode = int(n), true
		}
	}
	env.Desc, _, _ = stringField(top["desc"])
	if raw := top["data"]; len(raw) > 0 && !isNull(raw) {
		if raw[0] == '"' {
			env.ErrData, _, _ = stringField(raw)
		} else {
			env.Data = raw
		}
	}
	env.Maintenance, _, _ = boolField(top["maintenance"])
	if raw := top["warnings"]; len(raw) > 0 && !isNull(raw) {
		var ws []map[string]json.RawMessage
		if json.Unmarshal(raw, &ws) == nil {
			for _, w := range ws {
				code, _, _ := int64Field(w["code"])
				desc, _, _ := stringField(w["desc"])
				data, _, _ := stringField(w["data"])
				if code < math.MinInt32 || code > math.MaxInt32 {
					code = 0
				}
				env.Warnings = append(env.Warnings, warning{Code: int(code), Desc: desc, Data: data})
			}
		}
	}
	return env, nil
}

// listData is data of a ListDomains reply.
type listData struct {
	Items []json.RawMessage // one raw JSON value per result
	Total int               // -1 when the reply sent no usable total
}

// decodeListData decodes data of a ListDomains reply. No data, no results
// key, or "results": null all mean no matches.
func decodeListData(raw json.RawMessage) (listData, error) {
	ld := listData{}
	total, err := eachListItem(raw, func(item json.RawMessage) error {
		ld.Items = append(ld.Items, item)
		return nil
	})
	ld.Total = total
	return ld, err
}

// eachListItem decodes data of a ListDomains reply token by token, handing
// each element of data.results to each as it is read, so that a page's
// items are never all held as raw JSON besides the reply itself. It
// returns the total (-1 when the reply sent no usable total; 0 when it
// sent neither total nor results). No data, no results key, or
// "results": null all mean no matches. A second results key is an error
// rather than a guess which one holds the page.
func eachListItem(raw json.RawMessage, each func(json.RawMessage) error) (int, error) {
	if len(bytes.TrimSpace(raw)) == 0 || isNull(raw) {
		return 0, nil
	}
	notObject := errors.New("reply data is not a JSON object")
	items, sawResults := 0, false
	var totalRaw json.RawMessage
	d := newScanner(raw)
	var eachErr error // (each's own error, returned as it is)
	err := eachMember(d, func(key string) error {
		switch key {
		case "results":
			if sawResults {
				eachErr = errors.New("reply data holds results twice")
				return eachErr
			}
			sawResults = true
			var err error
			items, err = eachArrayItem(d, raw, func(item json.RawMessage) error {
				if err := each(item); err != nil {
					eachErr = err
					return err
				}
				return nil
			})
			return err
		case "total":
			var err error
			totalRaw, err = rawValue(d, raw)
			return err
		}
		return d.SkipValue()
	})
	switch {
	case eachErr != nil:
		return -1, eachErr
	case err != nil:
		return -1, notObject
	}
	t, present, err := int64Field(totalRaw)
	switch {
	case err == nil && present && t >= 0 && t <= math.MaxInt32:
		return int(t), nil
	case !present && items == 0:
		return 0, nil
	}
	return -1, nil
}

// eachArrayItem reads the value of data.results from d, which reads raw:
// null, or an array whose elements are handed to each one at a time (each
// a slice of raw). It returns their number.
func eachArrayItem(d *jsontext.Decoder, raw []byte, each func(json.RawMessage) error) (int, error) {
	notArray := errors.New("reply data.results is not an array")
	switch d.PeekKind() {
	case 'n':
		return 0, d.SkipValue() // "results": null
	case '[':
	default:
		return 0, notArray
	}
	if _, err := d.ReadToken(); err != nil {
		return 0, notArray
	}
	n := 0
	for d.PeekKind() != ']' {
		item, err := rawValue(d, raw)
		if err != nil {
			return n, notArray
		}
		n++
		if err := each(item); err != nil {
			return n, err
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return n, notArray
	}
	return n, nil
}

// statusInfo is what each Openprovider status code means (§9).
var statusInfo = map[string]struct {
	family registrar.Family
	text   string
}{
	"ACT": {registrar.FamilyActive, "active"},
	"REQ": {registrar.FamilyPending, "requested (registration or transfer not finished)"},
	"PEN": {registrar.FamilyPending, "pending (more information needed)"},
	"SCH": {registrar.FamilyPending, "transfer scheduled"},
	"RRQ": {registrar.FamilyPending, "restore requested"},
	"DEL": {registrar.FamilyDeleted, "deleted (may still be restorable)"},
	"FAI": {registrar.FamilyFailed, "failed"},
}

// StatusFamily returns the family and the description of an Openprovider
// status code. Unknown codes (PRE, TRAN, future ones) are FamilyUnknown.
func StatusFamily(code string) (registrar.Family, string) {
	if s, ok := statusInfo[code]; ok {
		return s.family, s.text
	}
	return registrar.FamilyUnknown, fmt.Sprintf("unknown Openprovider status %q", code)
}

// decoded is a record together with its numeric id (0 when missing).
type decoded struct {
	rec  registrar.Record
	id   int64
	skip bool // a listed domain the caller does not want: only id is set
}

// quickName reads the id and the ASCII name of a listed domain without
// decoding the rest: ok only for a positive integer id and a name that is
// already plain lower-case ASCII letters, digits and hyphens once lower-
// cased (what decodeDomain would make of it unchanged). Anything else is
// left to decodeDomain. raw is an item of a reply that was already checked
// to be valid JSON (decodeEnvelope), so the object is read key by key and
// only until "id" and "domain" have been seen: the live API sends them
// first, and the rest of the item (about 1 KB) is then not read at all.
// Keys are matched exactly, as decodeDomain does. (An item holding a key
// twice may be named by its first occurrence here and by its last in
// decodeDomain; the worst that can do is leave a wanted name out of the
// listing, and such a name is looked up on its own.)
func quickName(raw json.RawMessage) (name string, id int64, ok bool) {
	d := newScanner(raw)
	if d.PeekKind() != '{' {
		return "", 0, false
	}
	if _, err := d.ReadToken(); err != nil {
		return "", 0, false
	}
	var sawID, sawDomain, strs bool
	var sld, ext string
	for (!sawID || !sawDomain) && d.PeekKind() == '"' {
		tok, err := d.ReadToken()
		if err != nil {
			return "", 0, false
		}
		switch key := tok.String(); {
		case key == "id" && !sawID:
			sawID = true
			v, err := d.ReadValue()
			if err != nil {
				return "", 0, false
			}
			if id, err = strconv.ParseInt(string(v), 10, 64); err != nil || id <= 0 {
				return "", 0, false
			}
		case key == "domain" && !sawDomain:
			sawDomain = true
			if sld, ext, strs = quickDomain(d); !strs {
				return "", 0, false // missing, null or not a string
			}
		default:
			if err := d.SkipValue(); err != nil {
				return "", 0, false
			}
		}
	}
	if !sawID || !sawDomain {
		return "", 0, false
	}
	if !isASCII(sld) || !isASCII(ext) {
		return "", 0, false // (strings.ToLower maps some non-ASCII runes to ASCII)
	}
	sld = strings.ToLower(sld)
	ext = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(ext, "."), "."))
	if !plainLabels(sld) || !plainLabels(ext) {
		return "", 0, false
	}
	return sld + "." + ext, id, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// plainLabels reports whether s is dot-separated labels of ASCII lower-case
// letters, digits and inner hyphens, none empty and none an IDN ("xn--",
// whose validity only the full decoding checks).
func plainLabels(s string) bool {
	if s == "" {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' || strings.HasPrefix(l, "xn--") || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// fieldErrors collects per-field decoding errors for one domain.
type fieldErrors []string

func (fe *fieldErrors) add(field string, format string, args ...any) {
	*fe = append(*fe, "field "+field+": "+fmt.Sprintf(format, args...))
}

// decodeDomain decodes one domain object into a normalized record. It never
// fails: what cannot be decoded makes the record Invalid, with an error that
// names the domain, the field and the value. ok is false only when the value
// is not a JSON object at all.
func decodeDomain(raw json.RawMessage) (d decoded, ok bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return d, false
	}
	var bad fieldErrors
	rec := &d.rec
	rec.Family = registrar.FamilyUnknown

	// Name: domain.name + "." + domain.extension.
	var sld, ext string
	if dom, present := m["domain"]; present && !isNull(dom) {
		var dm map[string]json.RawMessage
		if err := json.Unmarshal(dom, &dm); err != nil || dm == nil {
			bad.add("domain", "not an object: %s", clip(dom))
		} else {
			var err error
			if sld, _, err = stringField(dm["name"]); err != nil {
				bad.add("domain.name", "%v", err)
			}
			if ext, _, err = stringField(dm["extension"]); err != nil {
				bad.add("domain.extension", "%v", err)
			}
		}
	}
	full := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(ext), "."), ".")
	if s := strings.TrimSpace(sld); s != "" && full != "" {
		full = s + "." + full
	} else {
		full = ""
	}
	if full == "" {
		bad.add("domain", "name or extension missing (name %q, extension %q)", sld, ext)
	} else if ascii, uni, err := registrar.NormalizeName(full); err != nil {
		bad.add("domain", "%v", err)
		rec.Name = strings.ToLower(full)
	} else {
		rec.Name, rec.UnicodeName = ascii, uni
	}

	// Id.
	if id, present, err := int64Field(m["id"]); err != nil {
		bad.add("id", "%v", err)
	} else if !present || id <= 0 {
		bad.add("id", "missing or not positive (%s)", clip(m["id"]))
	} else {
		d.id = id
		rec.ID = strconv.FormatInt(id, 10)
	}

	// Deleted.
	if del, _, err := boolField(m["is_deleted"]); err != nil {
		bad.add("is_deleted", "%v", err)
	} else {
		rec.Deleted = del
	}

	// Status.
	if st, _, err := stringField(m["status"]); err != nil {
		bad.add("status", "%v", err)
	} else if st = strings.TrimSpace(st); st == "" {
		bad.add("status", "missing")
		rec.StatusText = "no status sent"
	} else {
		rec.StatusCode = st
		rec.Family, rec.StatusText = StatusFamily(st)
	}
	live := rec.Family == registrar.FamilyActive && !rec.Deleted

	// Expiry: renewal_date, the literal calendar day (§0 item 13, §10).
	if date, none, err := dateField(m["renewal_date"]); err != nil {
		bad.add("renewal_date", "%v", err)
	} else if none {
		if live {
			bad.add("renewal_date", "missing for an active domain (%s)", clip(m["renewal_date"]))
		}
	} else {
		rec.Expiry = date
	}

	// Quarantine and restore dates (present for DEL/RRQ domains, §6).
	rec.QuarantineDate = firstDate(m, &bad, "quarantine_expiration_date", "hard_quarantine_expiry_date")
	rec.RestoreDate = firstDate(m, &bad, "restorable_until", "soft_quarantine_expiry_date")

	// Auto-renew.
	if ar, present, err := stringField(m["autorenew"]); err != nil {
		bad.add("autorenew", "%v", err)
	} else if present {
		switch v := strings.ToLower(strings.TrimSpace(ar)); v {
		case "on":
			rec.AutoRenew = registrar.AutoRenewOn
		case "off":
			rec.AutoRenew = registrar.AutoRenewOff
		case "default":
			rec.AutoRenew = registrar.AutoRenewDefault
		default:
			bad.add("autorenew", "unknown value %q (want on, off or default)", ar)
		}
	}

	// WHOIS privacy.
	if on, present, err := boolField(m["is_private_whois_enabled"]); err != nil {
		bad.add("is_private_whois_enabled", "%v", err)
	} else {
		rec.Privacy, rec.PrivacyKnown = on, present
	}
	// is_private_whois_allowed is in the spec; when it is not sent, privacy
	// is assumed allowed: a refused push is a per-domain refusal (19006).
	if allowed, present, err := boolField(m["is_private_whois_allowed"]); err != nil {
		bad.add("is_private_whois_allowed", "%v", err)
	} else {
		rec.PrivacyAllowed = allowed || !present
	}

	if owner, _, err := stringField(m["owner_handle"]); err != nil {
		bad.add("owner_handle", "%v", err)
	} else {
		rec.Registrant = owner
	}

	if len(bad) > 0 {
		name := rec.Name
		if name == "" {
			name = "(unnamed domain"
			if rec.ID != "" {
				name += " id " + rec.ID
			}
			name += ")"
		}
		rec.Invalid = &registrar.Error{
			Kind:      registrar.KindInvalidReply,
			Registrar: Name,
			Domain:    name,
			Message:   strings.Join(bad, "; "),
		}
	}
	return d, true
}

// firstDate returns the first of the named date fields that holds a date.
func firstDate(m map[string]json.RawMessage, bad *fieldErrors, fields ...string) civil.Date {
	var out civil.Date
	for _, f := range fields {
		date, none, err := dateField(m[f])
		if err != nil {
			bad.add(f, "%v", err)
			continue
		}
		if !none && !out.IsValid() {
			out = date
		}
	}
	return out
}

// dateLayouts are the accepted forms. Go's "15" accepts one- and two-digit
// hours ("2019-01-27 0:55:17" in the spec examples).
var dateLayouts = []string{"2006-01-02 15:04:05", "2006-01-02"}

// ParseDate returns the calendar day of an Openprovider date string, taken
// literally (no time zone conversion). none is true for "", the zero date
// "0000-00-00 00:00:00" and "0000-00-00". Anything else that is not a real
// date (e.g. "2025-02-30 00:00:00") is an error, never a guess.
func ParseDate(s string) (d civil.Date, none bool, err error) {
	t := strings.TrimSpace(s)
	switch t {
	case "", "0000-00-00 00:00:00", "0000-00-00":
		return civil.Date{}, true, nil
	}
	for _, layout := range dateLayouts {
		tm, perr := time.Parse(layout, t)
		if perr != nil {
			continue
		}
		if tm.Year() < 1900 {
			return civil.Date{}, false, fmt.Errorf("implausible date %q", s)
		}
		// The day is taken from the parsed fields, which time.Parse has
		// checked against the calendar; no zone is applied.
		return civil.DateOf(tm), false, nil
	}
	return civil.Date{}, false, fmt.Errorf("invalid date %q (want YYYY-MM-DD HH:MM:SS)", s)
}

// dateField decodes an optional date field. Absent and null are none.
func dateField(raw json.RawMessage) (civil.Date, bool, error) {
	s, present, err := stringField(raw)
	if err != nil {
		return civil.Date{}, false, err
	}
	if !present {
		return civil.Date{}, true, nil
	}
	return ParseDate(s)
}

// stringField decodes an optional string. Absent and null are "", false.
func stringField(raw json.RawMessage) (string, bool, error) {
	if len(raw) == 0 || isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, fmt.Errorf("not a string: %s", clip(raw))
	}
	return s, true, nil
}

// boolField decodes an optional flag: a JSON boolean, the strings
// "yes"/"no"/"true"/"false"/"1"/"0", or the numbers 1/0.
func boolField(raw json.RawMessage) (bool, bool, error) {
	if len(raw) == 0 || isNull(raw) {
		return false, false, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, false, fmt.Errorf("not a flag: %s", clip(raw))
	}
	switch x := v.(type) {
	case bool:
		return x, true, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "true", "1":
			return true, true, nil
		case "no", "false", "0":
			return false, true, nil
		}
	case float64:
		switch x {
		case 1:
			return true, true, nil
		case 0:
			return false, true, nil
		}
	}
	return false, false, fmt.Errorf("not a flag: %s", clip(raw))
}

// int64Field decodes an optional integer sent as a JSON number or a decimal
// string.
func int64Field(raw json.RawMessage) (int64, bool, error) {
	if len(raw) == 0 || isNull(raw) {
		return 0, false, nil
	}
	lit := bytes.TrimSpace(raw)
	if len(lit) > 0 && lit[0] == '"' {
		var s string
		if err := json.Unmarshal(lit, &s); err != nil {
			return 0, false, fmt.Errorf("not an integer: %s", clip(raw))
		}
		lit = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("not an integer: %s", clip(raw))
	}
	return n, true, nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// clip quotes a raw JSON value for an error message, shortened.
func clip(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "absent"
	}
	s := string(raw)
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

package opsim

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// filter is a parsed ListDomains query.
type filter struct {
	limit, offset int
	id            int64
	fullName      string
	pattern       string
	extension     string
	status        string
	notStatus     []string
	deleted       bool
	desc          bool
	byName        bool
}

var errBadStatus = errors.New("Invalid status for domain")

func parseFilter(q url.Values) (filter, error) {
	f := filter{limit: 100}
	intParam := func(name string, dst *int64) error {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return errors.New("invalid value for " + name + ": " + strconv.Quote(v))
			}
			*dst = n
		}
		return nil
	}
	var limit, offset int64
	if err := intParam("limit", &limit); err != nil {
		return f, err
	}
	if err := intParam("offset", &offset); err != nil {
		return f, err
	}
	if err := intParam("id", &f.id); err != nil {
		return f, err
	}
	switch {
	case limit > 1000:
		f.limit = 1000 // the API's maximum
	case limit > 0:
		f.limit = int(limit)
	}
	f.offset = int(max(offset, 0))
	// (Normalised once here: match runs for every domain.)
	if f.fullName = q.Get("full_name"); f.fullName != "" {
		f.fullName = toASCII(f.fullName)
	}
	if f.pattern = strings.ToLower(q.Get("domain_name_pattern")); f.pattern != "" && !strings.Contains(f.pattern, "*") {
		f.pattern = toASCII(f.pattern)
	}
	if f.extension = q.Get("extension"); f.extension != "" {
		f.extension = toASCII(strings.TrimPrefix(f.extension, "."))
	}
	f.status = q.Get("status")
	f.notStatus = q["status_not_equal"]
	for _, st := range append([]string{f.status}, f.notStatus...) {
		if st != "" && !isUpperCode(st) {
			return f, errBadStatus
		}
	}
	switch v := q.Get("is_deleted"); v {
	case "", "false", "0":
	case "true", "1":
		f.deleted = true
	default:
		return f, errors.New("invalid value for is_deleted: " + strconv.Quote(v))
	}
	f.desc = strings.EqualFold(q.Get("order_by.id"), "desc")
	if v := q.Get("order_by.domain_name"); v != "" {
		f.byName, f.desc = true, strings.EqualFold(v, "desc")
	}
	return f, nil
}

// isUpperCode reports whether s looks like a status code: upper-case
// letters only (lower case gets 515 from the live API, §9).
func isUpperCode(s string) bool {
	if s == "" || len(s) > 8 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// toASCII lower-cases a name and turns Unicode labels into punycode.
func toASCII(s string) string {
	if plainLower(s) {
		return s // (the common case, without idna: a lookup scans every domain)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if a, err := idna.Lookup.ToASCII(s); err == nil {
		return a
	}
	return s
}

func (f filter) match(d *Domain) bool {
	if d.IsDeleted != f.deleted {
		return false
	}
	if f.id != 0 && d.ID != f.id {
		return false
	}
	if f.fullName != "" && toASCII(d.FullName()) != f.fullName {
		return false
	}
	if f.extension != "" && f.extension != toASCII(d.Domain.Extension) {
		return false
	}
	if f.pattern != "" && !glob(f.pattern, toASCII(d.Domain.Name)) {
		return false
	}
	if f.status != "" && d.Status != f.status {
		return false
	}
	return !slices.Contains(f.notStatus, d.Status)
}

// plainLower reports whether s is already a lower-case ASCII name
// (letters, digits, '-' and '.'), which toASCII returns unchanged.
func plainLower(s string) bool {
	if s == "" || strings.HasPrefix(s, "xn--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// glob matches s against a pattern where * matches any run of characters.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

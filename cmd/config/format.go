package config

// Printing: the effective values as the config command lists them.

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/domainsync/domainsync/registrar/odr"
	"github.com/domainsync/domainsync/registrar/openprovider"
)

// Setting is one effective value, as the config command prints it.
type Setting struct {
	Key    string
	Value  string // secrets masked
	Source Source
}

// Values lists every effective value in a stable order (the file's
// layout), secrets masked, each with its source (src may be nil).
func (c Config) Values(src *Sources) []Setting {
	doc := documentOf(c)
	root := reflect.ValueOf(&doc).Elem()
	var out []Setting
	for _, k := range configKeys {
		v := fieldOf(root, k.Index, false)
		if !v.IsValid() {
			continue // a registrar that is not configured
		}
		if name, key, ok := overrideKey(k.Path); ok {
			if ov := c.Registrars.syncOverride(name); ov == nil || !slices.Contains(ov.Keys, key) {
				continue // not overridden: the top-level value applies
			}
		}
		out = append(out, Setting{Key: k.Path, Value: formatValue(k.Path, v), Source: src.Of(k.Path)})
	}
	return append(out, whmcsOnlySettings(c, src)...)
}

// String lists the effective values, one "key = value" per line, secrets masked.
func (c Config) String() string {
	var b strings.Builder
	for _, s := range c.Values(nil) {
		fmt.Fprintf(&b, "%s = %s\n", s.Key, s.Value)
	}
	return b.String()
}

// zeroNotes explain what an empty or zero value means.
var zeroNotes = map[string]string{
	"registrars.openprovider.rate_limit":  fmt.Sprintf("default: adaptive, at most %g a second", openprovider.DefaultRateLimit),
	"registrars.openprovider.concurrency": fmt.Sprintf("default: %d", openprovider.DefaultConcurrency),
	"registrars.openprovider.timeout":     "default: " + openprovider.DefaultRequestTimeout.String(),
	"registrars.odr.rate_limit":           fmt.Sprintf("default: adaptive, at most %g a second", odr.DefaultRateLimit),
	"registrars.odr.concurrency":          fmt.Sprintf("default: %d", odr.DefaultConcurrency),
	"registrars.odr.timeout":              "default: " + odr.DefaultRequestTimeout.String(),
	"sync.update_interval":                "every run",
	"report.to":                           "active WHMCS admins with System Emails",
}

func formatValue(path string, v reflect.Value) string {
	if _, key, ok := overrideKey(path); ok {
		path = "sync." + key
	}
	s := formatPlain(v)
	if v.IsZero() || (nilable(v.Type()) && v.Len() == 0) || (path == "sync.update_interval" && s == "0") {
		if note, ok := zeroNotes[path]; ok {
			s += " (" + note + ")"
		}
	}
	return s
}

func formatPlain(v reflect.Value) string {
	if st, ok := v.Interface().(fmt.Stringer); ok && (v.Type() == secretType || v.Type() == dsnType) {
		if s := st.String(); s != "" {
			return s
		}
		return `""`
	}
	if d, ok := v.Interface().(time.Duration); ok {
		return formatDuration(d)
	}
	switch v.Kind() {
	case reflect.String:
		return quoteIfNeeded(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = formatPlain(v.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		keys := v.MapKeys()
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = formatPlain(k) + ": " + formatPlain(v.MapIndex(k))
		}
		sort.Strings(items)
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

// quoteIfNeeded leaves plain text alone and quotes what would be ambiguous
// or unsafe on a terminal (empty, edge spaces, control characters, list
// punctuation).
func quoteIfNeeded(s string) string {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, ",[]{}\"") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

// formatDuration prints a duration without Go's trailing zero units: 2h, 1h30m, 30s.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatInterval prints an update interval as sync.ParseInterval reads it,
// with whole days as d: 2h, 1d, 1d12h.
func formatInterval(d time.Duration) string {
	if d <= 0 {
		return formatDuration(d)
	}
	days, rest := d/(24*time.Hour), d%(24*time.Hour)
	s := ""
	if days > 0 {
		s = strconv.FormatInt(int64(days), 10) + "d"
	}
	if rest > 0 {
		s += formatDuration(rest)
	}
	return s
}

package config

// Merging WHMCS's values in the loader (pure): only keys nothing above
// WHMCS set.

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"

	"github.com/domainsync/domainsync/whmcsdb/whmcscrypt"
)

// applyWHMCS reads whmcs.dir (when set and a reader is given) and fills
// every key whose value still is the built-in default. The mail transport
// is one unit: when report.smtp.host was set above WHMCS, none of WHMCS's
// SMTP settings is used (its credentials never go to another server).
func (l *loader) applyWHMCS() {
	if l.in.WHMCS == nil || l.doc.WHMCS.Dir == "" {
		return
	}
	w, err := l.in.WHMCS(l.doc.WHMCS.Dir, l.doc.WHMCS.DSN)
	if err != nil {
		l.failed["whmcs.dir"] = true
		l.problem("%swhmcs.dir: %v", l.at("whmcs.dir"), err)
		return
	}
	l.whmcs = w
	l.secrets = append(l.secrets, w.secrets()...)
	hostAbove := !l.src.Of("report.smtp.host").IsDefault()
	for _, v := range w.Values {
		if (v.group == "report.smtp" && hostAbove) || !l.src.Of(v.Key).IsDefault() {
			continue
		}
		if err := l.setValue(v.Key, v.Value); err != nil {
			l.problem("%s: %s: %v", v.Source, v.Key, err)
			continue
		}
		l.src.Set(v.Key, v.Source)
	}
	l.src.Warnings = append(l.src.Warnings, w.Warnings...)
}

// setValue sets a key to a typed value (see WHMCSValue).
func (l *loader) setValue(key string, v any) error {
	switch key {
	case "report.bcc":
		bcc, ok := v.([]string)
		if !ok {
			return fmt.Errorf("cannot use %T as a list of addresses", v)
		}
		l.doc.Report.BCC = slices.Clone(bcc)
		return nil
	case "report.smtp.sendmail":
		p, ok := v.(string)
		if !ok {
			return fmt.Errorf("cannot use %T as a path", v)
		}
		l.doc.Report.SMTP.Sendmail = p
		return nil
	case "report.mail_disabled":
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("cannot use %T as true or false", v)
		}
		l.doc.Report.MailDisabled = b
		return nil
	}
	k, ok := keyByPath[key]
	if !ok {
		return errors.New("unknown configuration key")
	}
	f := fieldOf(reflect.ValueOf(&l.doc).Elem(), k.Index, true)
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != f.Kind() || !rv.Type().ConvertibleTo(f.Type()) {
		return fmt.Errorf("cannot use %T as %s", v, describeType(f.Type()))
	}
	f.Set(rv.Convert(f.Type()))
	return nil
}

// validateWHMCS explains missing credentials a wrong cc_encryption_hash
// kept from being read.
func (l *loader) validateWHMCS() {
	if l.whmcs == nil || !l.whmcs.WrongKey || len(l.problems) == 0 {
		return
	}
	l.problem("%swhmcs.dir: %v (%s): WHMCS's encrypted settings, the registrar credentials among them, cannot be read",
		l.at("whmcs.dir"), whmcscrypt.ErrWrongKey, filepath.Join(l.whmcs.Dir, "configuration.php"))
}

// whmcsOnlySettings lists, for the config command, the settings only WHMCS
// sets (they have no key in the file), when it set them.
func whmcsOnlySettings(c Config, src *Sources) []Setting {
	var out []Setting
	if s := src.Of("report.bcc"); !s.IsDefault() {
		out = append(out, Setting{Key: "report.bcc", Value: formatPlain(reflect.ValueOf(c.Report.BCC)), Source: s})
	}
	if c.Report.SMTP.Sendmail != "" {
		out = append(out, Setting{Key: "report.smtp.sendmail", Value: c.Report.SMTP.Sendmail, Source: src.Of("report.smtp.sendmail")})
	}
	if s := src.Of("report.mail_disabled"); !s.IsDefault() {
		out = append(out, Setting{Key: "report.mail_disabled", Value: strconv.FormatBool(c.Report.MailDisabled), Source: s})
	}
	return out
}

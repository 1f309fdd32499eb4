// Package sync holds the rules: the settings and their validation, the pure
// planning functions that decide what changes for one domain, the guard
// against suspicious mass changes, and the run loop that applies plans.
package sync

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Settings are the sync options (the `sync:` section of the YAML file).
type Settings struct {
	BatchSize            int               `yaml:"batch_size"`
	UpdateInterval       time.Duration     `yaml:"-"` // parsed from update_interval ("2h", "1d", 0)
	Statuses             []string          `yaml:"statuses"`
	ExpiryDate           bool              `yaml:"expiry_date"`
	Status               bool              `yaml:"status"`
	DueDate              bool              `yaml:"due_date"`
	DueDateOffset        int               `yaml:"due_date_offset"`
	DueDateMaxDifference int               `yaml:"due_date_max_difference"`
	Invoices             bool              `yaml:"invoices"`
	AutoRenew            bool              `yaml:"auto_renew"`
	IDProtection         bool              `yaml:"id_protection"`
	StatusMap            map[string]string `yaml:"status_map"`

	// The blast-radius guard (see Guard): a batch is held when more than
	// MaxMassChangeShare of its domains would leave Active or move their
	// expiry date backwards, and at least MinMassChangeDomains domains do.
	// The floor keeps a small batch (3 domains, 1 of them deleted at the
	// registrar) from counting as a mass change; 5 is a handful an admin
	// reads in the report anyway.
	MaxMassChangeShare   float64 `yaml:"max_mass_change_share"`
	MinMassChangeDomains int     `yaml:"min_mass_change_domains"`

	// TransferFailedStatus is the WHMCS status a Pending Transfer domain is
	// set to when the registrar reports a failed transfer (a state that is
	// neither registered nor pending): "" keeps the status and lists the
	// domain under "needs attention"; "Cancelled" also sets Cancelled.
	// Applies to registrars whose rules know failed transfers (odr).
	TransferFailedStatus string `yaml:"transfer_failed_status"`

	// Registrar names the registrar whose built-in rules (default status
	// map, auto-renew wording, transfer rules) apply: "openprovider", "odr".
	// Set by the caller per registrar; "" (and any registrar without rules
	// of its own) = Openprovider's.
	Registrar string `yaml:"-"`
}

// DefaultSettings are the built-in defaults (the module's own fallbacks).
func DefaultSettings() Settings {
	return Settings{
		BatchSize:            200,
		UpdateInterval:       2 * time.Hour,
		Statuses:             []string{"Active", "Pending Registration", "Pending Transfer", "Grace", "Redemption", "Expired"},
		ExpiryDate:           true,
		Status:               true,
		DueDate:              true,
		DueDateOffset:        14,
		DueDateMaxDifference: 100,
		Invoices:             true,
		AutoRenew:            true,
		IDProtection:         true,
		StatusMap:            map[string]string{},
		MaxMassChangeShare:   0.2,
		MinMassChangeDomains: 5,
	}
}

// Validate rejects impossible values. It returns every problem, joined with
// errors.Join, each message starting with its key path ("sync.batch_size: must
// be at least 1, got -5"; list elements and map entries as
// "sync.statuses[2]" and "sync.status_map.DEL").
//
// Status names (in statuses and as status_map values) are matched
// case-insensitively (see CanonicalStatus) and status_map keys are read in
// upper case; Canonical returns the settings in the exact spellings, and
// everything in this package compares canonically, so "active" in the
// file works exactly as "Active".
func (s Settings) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("sync.%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if s.BatchSize < 1 {
		bad("batch_size", "must be at least 1, got %d", s.BatchSize)
	}
	if s.UpdateInterval < 0 {
		bad("update_interval", "must not be negative, got %s", s.UpdateInterval)
	}
	if len(s.Statuses) == 0 {
		bad("statuses", "must list at least one WHMCS status (%s)", strings.Join(whmcsStatuses, ", "))
	}
	for i, st := range s.Statuses {
		if _, ok := CanonicalStatus(st); !ok {
			bad(fmt.Sprintf("statuses[%d]", i), "%q is not a WHMCS domain status (one of %s)", st, strings.Join(whmcsStatuses, ", "))
		}
	}
	if s.DueDateOffset < 0 {
		bad("due_date_offset", "must not be negative (days before the expiry date), got %d", s.DueDateOffset)
	}
	if s.DueDateMaxDifference < 0 {
		bad("due_date_max_difference", "must not be negative, got %d", s.DueDateMaxDifference)
	}
	seen := map[string]string{}
	for _, k := range sortedKeys(s.StatusMap) {
		v := s.StatusMap[k]
		path := "status_map." + k
		c := canonicalCode(k)
		switch {
		case !statusCodeRE.MatchString(strings.TrimSpace(k)):
			bad(path, "%q is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)", k)
			continue
		case c == CodeFAI:
			bad(path, "FAI (the request failed) cannot be mapped: the domain is left as it is and the failure is reported")
			continue
		}
		if prev, dup := seen[c]; dup {
			bad(path, "code %s is listed twice (also as %q)", c, prev)
		}
		seen[c] = k
		st, ok := CanonicalStatus(v)
		switch {
		case !ok:
			bad(path, "%q is not a WHMCS domain status (one of %s)", v, strings.Join(whmcsStatuses, ", "))
		case st == StatusFraud:
			bad(path, "Fraud is an order decision, not a registrar state; it cannot be a mapping target")
		}
	}
	if math.IsNaN(s.MaxMassChangeShare) || s.MaxMassChangeShare <= 0 || s.MaxMassChangeShare > 1 {
		bad("max_mass_change_share", "must be more than 0 and at most 1 (a share of the batch, e.g. 0.2 for 20%%), got %v", s.MaxMassChangeShare)
	}
	if s.TransferFailedStatus != "" {
		if st, ok := CanonicalStatus(s.TransferFailedStatus); !ok || st != StatusCancelled {
			bad("transfer_failed_status", "must be empty (keep the status) or Cancelled, got %q", s.TransferFailedStatus)
		}
	}
	if s.MinMassChangeDomains < 0 {
		bad("min_mass_change_domains", "must not be negative, got %d", s.MinMassChangeDomains)
	}
	return errors.Join(errs...)
}

// Canonical returns a copy of s with status names in their exact WHMCS
// spelling and status_map keys in upper case. Names that are not statuses
// are left as they are (Validate reports them). The lead calls it once
// after Validate so that SQL and reports see canonical names.
func (s Settings) Canonical() Settings {
	out := s
	out.Statuses = make([]string, len(s.Statuses))
	for i, st := range s.Statuses {
		if c, ok := CanonicalStatus(st); ok {
			st = c
		}
		out.Statuses[i] = st
	}
	if c, ok := CanonicalStatus(s.TransferFailedStatus); ok {
		out.TransferFailedStatus = c
	}
	if s.StatusMap != nil {
		out.StatusMap = make(map[string]string, len(s.StatusMap))
		for _, k := range sortedKeys(s.StatusMap) {
			v := s.StatusMap[k]
			if c, ok := CanonicalStatus(v); ok {
				v = c
			}
			out.StatusMap[canonicalCode(k)] = v
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

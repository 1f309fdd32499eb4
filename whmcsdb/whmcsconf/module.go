package whmcsconf

import (
	"fmt"
	"time"
)

// ModuleOptions are the sync options of the Openprovider module's advanced
// configuration, with the module's own code fallbacks for keys the file does
// not set (openprovider-domainsync.md §9).
type ModuleOptions struct {
	DomainProcessingLimit int           // domainProcessingLimit: batch size; fallback 200
	UpdateInterval        time.Duration // updateInterval (whole hours): minimum time between syncs of a domain; fallback 2h
	// NextDueDateOffset is nextDueDateOffset (days before expiry) as the
	// bulk due-date pass reads it: fallback 0. EmptyDueDateOffset is the
	// same key as the empty-due-date pass reads it: fallback 14. Both equal
	// the file's value when it sets one.
	NextDueDateOffset                 int
	EmptyDueDateOffset                int
	NextDueDateUpdateMaxDayDifference int  // ± window in days; fallback 100
	UpdateNextDueDate                 bool // fallback false
	SyncExpiryDate                    bool // fallback true
	SyncDomainStatus                  bool // fallback true
	SyncAutoRenewSetting              bool // fallback true
	SyncIdentityProtectionToggle      bool // fallback true
	SendEmptyActivityEmail            bool // fallback false
	SyncUseNativeWHMCS                bool // fallback false

	// Set records which keys the file set with a usable value.
	Set map[string]bool
}

// DefaultModuleOptions are the module's code fallbacks.
func DefaultModuleOptions() ModuleOptions {
	return ModuleOptions{
		DomainProcessingLimit:             200,
		UpdateInterval:                    2 * time.Hour,
		NextDueDateOffset:                 0,
		EmptyDueDateOffset:                14,
		NextDueDateUpdateMaxDayDifference: 100,
		UpdateNextDueDate:                 false,
		SyncExpiryDate:                    true,
		SyncDomainStatus:                  true,
		SyncAutoRenewSetting:              true,
		SyncIdentityProtectionToggle:      true,
		SendEmptyActivityEmail:            false,
		SyncUseNativeWHMCS:                false,
		Set:                               map[string]bool{},
	}
}

// maxDays bounds day counts (100 years) so date arithmetic stays sane.
const maxDays = 36500

// ModuleOptionsFrom reads the sync keys from ParseReturnArray's result.
// Yes/no keys take true/false, 1/0 and the strings "1", "true", "on", "yes"
// / "0", "false", "off", "no", ""; number keys take ints, whole floats and
// numeric strings. A value of the wrong shape or out of range keeps the
// fallback and adds a Warning naming the key; warnings are appended to
// the ones given.
func ModuleOptionsFrom(vals map[string]Value, warnings []Warning) (ModuleOptions, []Warning) {
	o := DefaultModuleOptions()
	warn := func(key string, v Value, format string, args ...any) {
		warnings = append(warnings, Warning{Key: key,
			Msg: fmt.Sprintf("value %#v ", v) + fmt.Sprintf(format, args...)})
	}
	boolKey := func(key string, dst *bool) {
		v, ok := vals[key]
		if !ok {
			return
		}
		b, ok := v.LooseBool()
		if !ok {
			warn(key, v, "is not yes/no; the fallback %t applies", *dst)
			return
		}
		*dst = b
		o.Set[key] = true
	}
	intKey := func(key string, min, max int64, fallbacks ...*int) {
		v, ok := vals[key]
		if !ok {
			return
		}
		n, ok := v.LooseInt()
		if !ok || n < min || n > max {
			what := "is not a whole number"
			if ok {
				what = fmt.Sprintf("is outside %d..%d", min, max)
			}
			if len(fallbacks) == 1 {
				warn(key, v, "%s; the fallback %d applies", what, *fallbacks[0])
			} else {
				warn(key, v, "%s; the module's fallbacks apply", what)
			}
			return
		}
		for _, dst := range fallbacks {
			*dst = int(n)
		}
		o.Set[key] = true
	}

	intKey("domainProcessingLimit", 1, 1_000_000, &o.DomainProcessingLimit)
	hours := int(o.UpdateInterval / time.Hour)
	intKey("updateInterval", 0, 24*maxDays, &hours)
	o.UpdateInterval = time.Duration(hours) * time.Hour
	intKey("nextDueDateOffset", -maxDays, maxDays, &o.NextDueDateOffset, &o.EmptyDueDateOffset)
	intKey("nextDueDateUpdateMaxDayDifference", 0, maxDays, &o.NextDueDateUpdateMaxDayDifference)
	boolKey("updateNextDueDate", &o.UpdateNextDueDate)
	boolKey("syncExpiryDate", &o.SyncExpiryDate)
	boolKey("syncDomainStatus", &o.SyncDomainStatus)
	boolKey("syncAutoRenewSetting", &o.SyncAutoRenewSetting)
	boolKey("syncIdentityProtectionToggle", &o.SyncIdentityProtectionToggle)
	boolKey("sendEmptyActivityEmail", &o.SendEmptyActivityEmail)
	boolKey("syncUseNativeWHMCS", &o.SyncUseNativeWHMCS)
	return o, warnings
}

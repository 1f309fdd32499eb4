package sync

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		s    func(*Settings)
		want []string // the messages, in order; nil = valid
	}{
		{name: "defaults are valid"},
		{name: "every WHMCS status, any case, blanks collapsed", s: func(s *Settings) {
			s.Statuses = []string{"pending", "PENDING REGISTRATION", " Pending  Transfer ", "active", "grace", "redemption", "expired", "cancelled", "fraud", "transferred away"}
		}},
		{name: "zero interval, zero offset, zero max difference, no floor", s: func(s *Settings) {
			s.UpdateInterval, s.DueDateOffset, s.DueDateMaxDifference, s.MinMassChangeDomains = 0, 0, 0, 0
		}},
		{name: "share 1", s: func(s *Settings) { s.MaxMassChangeShare = 1 }},
		{name: "status_map codes and statuses in any case", s: func(s *Settings) {
			s.StatusMap = map[string]string{"del": "grace", "REQ": "Pending Transfer", "TRA": "transferred away", "OUT_2": "Cancelled"}
		}},
		{name: "batch size negative", s: func(s *Settings) { s.BatchSize = -5 },
			want: []string{"sync.batch_size: must be at least 1, got -5"}},
		{name: "batch size zero", s: func(s *Settings) { s.BatchSize = 0 },
			want: []string{"sync.batch_size: must be at least 1, got 0"}},
		{name: "negative interval", s: func(s *Settings) { s.UpdateInterval = -2 * time.Hour },
			want: []string{"sync.update_interval: must not be negative, got -2h0m0s"}},
		{name: "no statuses", s: func(s *Settings) { s.Statuses = nil },
			want: []string{"sync.statuses: must list at least one WHMCS status (Pending, Pending Registration, Pending Transfer, Active, Grace, Redemption, Expired, Cancelled, Fraud, Transferred Away)"}},
		{name: "unknown statuses", s: func(s *Settings) { s.Statuses = []string{"Active", "Actve", "PendingTransfer"} },
			want: []string{
				`sync.statuses[1]: "Actve" is not a WHMCS domain status (one of Pending, Pending Registration, Pending Transfer, Active, Grace, Redemption, Expired, Cancelled, Fraud, Transferred Away)`,
				`sync.statuses[2]: "PendingTransfer" is not a WHMCS domain status (one of Pending, Pending Registration, Pending Transfer, Active, Grace, Redemption, Expired, Cancelled, Fraud, Transferred Away)`,
			}},
		{name: "negative offset", s: func(s *Settings) { s.DueDateOffset = -3 },
			want: []string{"sync.due_date_offset: must not be negative (days before the expiry date), got -3"}},
		{name: "negative max difference", s: func(s *Settings) { s.DueDateMaxDifference = -1 },
			want: []string{"sync.due_date_max_difference: must not be negative, got -1"}},
		{name: "status_map: implausible codes", s: func(s *Settings) {
			s.StatusMap = map[string]string{"": "Active", "A": "Active", "1AB": "Active", "A B": "Active", "ÄCT": "Active", strings.Repeat("X", 33): "Active"}
		}, want: []string{
			`sync.status_map.: "" is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)`,
			`sync.status_map.1AB: "1AB" is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)`,
			`sync.status_map.A: "A" is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)`,
			`sync.status_map.A B: "A B" is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)`,
			`sync.status_map.XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)`,
			`sync.status_map.ÄCT: "ÄCT" is not a registrar status code (a letter, then letters, digits, _ or -, 2-32 characters, e.g. DEL)`,
		}},
		{name: "status_map: values that are no WHMCS status, and Fraud", s: func(s *Settings) {
			s.StatusMap = map[string]string{"DEL": "Deleted", "PEN": "Fraud"}
		}, want: []string{
			`sync.status_map.DEL: "Deleted" is not a WHMCS domain status (one of Pending, Pending Registration, Pending Transfer, Active, Grace, Redemption, Expired, Cancelled, Fraud, Transferred Away)`,
			"sync.status_map.PEN: Fraud is an order decision, not a registrar state; it cannot be a mapping target",
		}},
		{name: "status_map: FAI is never mapped", s: func(s *Settings) { s.StatusMap = map[string]string{"fai": "Cancelled"} },
			want: []string{"sync.status_map.fai: FAI (the request failed) cannot be mapped: the domain is left as it is and the failure is reported"}},
		{name: "status_map: the same code twice", s: func(s *Settings) { s.StatusMap = map[string]string{"DEL": "Grace", "del": "Expired"} },
			want: []string{`sync.status_map.del: code DEL is listed twice (also as "DEL")`}},
		{name: "share zero", s: func(s *Settings) { s.MaxMassChangeShare = 0 },
			want: []string{"sync.max_mass_change_share: must be more than 0 and at most 1 (a share of the batch, e.g. 0.2 for 20%), got 0"}},
		{name: "share above 1 (a percentage typed as such)", s: func(s *Settings) { s.MaxMassChangeShare = 20 },
			want: []string{"sync.max_mass_change_share: must be more than 0 and at most 1 (a share of the batch, e.g. 0.2 for 20%), got 20"}},
		{name: "share NaN", s: func(s *Settings) { s.MaxMassChangeShare = math.NaN() },
			want: []string{"sync.max_mass_change_share: must be more than 0 and at most 1 (a share of the batch, e.g. 0.2 for 20%), got NaN"}},
		{name: "negative floor", s: func(s *Settings) { s.MinMassChangeDomains = -1 },
			want: []string{"sync.min_mass_change_domains: must not be negative, got -1"}},
		{name: "all problems at once, each with its path", s: func(s *Settings) {
			s.BatchSize, s.DueDateOffset, s.DueDateMaxDifference = -5, -1, -1
			s.Statuses = []string{"Bogus"}
		}, want: []string{
			"sync.batch_size: must be at least 1, got -5",
			`sync.statuses[0]: "Bogus" is not a WHMCS domain status (one of Pending, Pending Registration, Pending Transfer, Active, Grace, Redemption, Expired, Cancelled, Fraud, Transferred Away)`,
			"sync.due_date_offset: must not be negative (days before the expiry date), got -1",
			"sync.due_date_max_difference: must not be negative, got -1",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := settings()
			if c.s != nil {
				c.s(&s)
			}
			err := s.Validate()
			var got []string
			if err != nil {
				var j interface{ Unwrap() []error }
				if !errors.As(err, &j) {
					t.Fatalf("not an errors.Join: %v", err)
				}
				for _, e := range j.Unwrap() {
					got = append(got, e.Error())
				}
			}
			sameLines(t, got, c.want)
		})
	}
}

func TestDefaultSettings(t *testing.T) {
	s := DefaultSettings()
	if s.MaxMassChangeShare != 0.2 || s.MinMassChangeDomains != 5 || s.DueDateOffset != 14 || s.DueDateMaxDifference != 100 {
		t.Errorf("defaults: %+v", s)
	}
	// The map is the documented one.
	for code, want := range map[string]string{"ACT": "Active", "DEL": "Expired", "PEN": "Pending", "REQ": "Pending", "RRQ": "Pending", "SCH": "Pending"} {
		if got, ok := s.StatusFor(code); !ok || got != want {
			t.Errorf("StatusFor(%s) = %q, %v; want %q", code, got, ok, want)
		}
	}
	for _, code := range []string{"FAI", "fai", "", "XYZ"} {
		if got, ok := s.StatusFor(code); ok {
			t.Errorf("StatusFor(%q) = %q, want unknown", code, got)
		}
	}
}

func TestCanonical(t *testing.T) {
	s := settings(func(s *Settings) {
		s.Statuses = []string{"active", " pending  transfer", "Bogus"}
		s.StatusMap = map[string]string{"del": "grace", " Req ": "pending transfer", "XY": "nonsense"}
	})
	c := s.Canonical()
	if want := []string{"Active", "Pending Transfer", "Bogus"}; !slices.Equal(c.Statuses, want) {
		t.Errorf("statuses = %q, want %q", c.Statuses, want)
	}
	want := map[string]string{"DEL": "Grace", "REQ": "Pending Transfer", "XY": "nonsense"}
	if len(c.StatusMap) != len(want) {
		t.Errorf("status_map = %q, want %q", c.StatusMap, want)
	}
	for k, v := range want {
		if c.StatusMap[k] != v {
			t.Errorf("status_map = %q, want %q", c.StatusMap, want)
		}
	}
	if s.Statuses[0] != "active" || s.StatusMap["del"] != "grace" {
		t.Errorf("Canonical changed its receiver")
	}
}

func TestCanonicalStatus(t *testing.T) {
	for in, want := range map[string]string{
		"Active": "Active", "active": "Active", "  ACTIVE ": "Active", "transferred\taway": "Transferred Away",
		"Pending Registration": "Pending Registration", "": "", "Pendingtransfer": "", "Activ": "",
	} {
		got, ok := CanonicalStatus(in)
		if got != want || ok != (want != "") {
			t.Errorf("CanonicalStatus(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if len(WHMCSStatuses()) != 10 {
		t.Errorf("WHMCSStatuses = %q", WHMCSStatuses())
	}
}

func TestParseInterval(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "0", want: 0},
		{in: "2h", want: 2 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1d", want: 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "2d30m", want: 48*time.Hour + 30*time.Minute},
		{in: "12h1d", want: 36 * time.Hour},
		{in: "0d", want: 0},
		{in: " 1d ", want: 24 * time.Hour},
		{in: "-1d", want: -24 * time.Hour},
		{in: "+1d", want: 24 * time.Hour},
		{in: "1d1d", want: 48 * time.Hour},
		{in: "", err: "interval is empty"},
		{in: "d", err: "expected a number followed by a unit"},
		{in: "1", err: "missing unit"},
		{in: "1x", err: "unknown unit"},
		{in: "1dd", err: "unknown unit"},
		{in: "1d-2h", err: "unknown unit"},
		{in: "1d 2h", err: "unknown unit"},
		{in: "-", err: "invalid duration"},
		{in: "-d", err: "expected a number followed by a unit"},
		{in: "1D", err: "unknown unit"},
		{in: ".d", err: "invalid duration"},
		{in: "200000d", err: "too long"},
		{in: "106751d23h", want: 106751*24*time.Hour + 23*time.Hour},
		{in: "106752d", err: "too long"},
		{in: "106751d24h", err: "too long"},
		{in: "99999999999999999999d", err: "invalid duration"},
	}
	for _, c := range cases {
		got, err := ParseInterval(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseInterval(%q) = %v, %v; want error containing %q", c.in, got, err, c.err)
		}
	}
}

package sync

import (
	"fmt"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// batch makes a batch of total plans: leave of them Active → Expired, back
// of them moving the expiry backwards, both of them doing both, the rest
// unchanged.
func batch(total, leave, back, both int) []DomainPlan {
	s := settings()
	var plans []DomainPlan
	add := func(n int, r func() *recordB) {
		for range n {
			plans = append(plans, Plan(domain().build(), r().found(), s, today))
		}
	}
	add(leave, func() *recordB { return record().code("DEL") })
	add(back, func() *recordB { return record().expiry("2026-02-01") })
	add(both, func() *recordB { return record().code("DEL").expiry("2026-02-01") })
	add(total-leave-back-both, record)
	return plans
}

func TestGuard(t *testing.T) {
	cases := []struct {
		name              string
		plans             []DomainPlan
		s                 func(*Settings)
		force             bool
		held, forced      bool
		suspicious, leave int
		back              int
		reason            string
	}{
		{name: "empty batch", plans: nil},
		{name: "nothing suspicious", plans: batch(50, 0, 0, 0)},
		{name: "below the limit", plans: batch(100, 19, 0, 0), suspicious: 19, leave: 19},
		{name: "at the limit is not held", plans: batch(100, 20, 0, 0), suspicious: 20, leave: 20},
		{name: "above the limit is held", plans: batch(100, 21, 0, 0), held: true, suspicious: 21, leave: 21,
			reason: "held: suspicious mass change: 21 of 100 domains (21%) would leave Active; limit 20%"},
		{name: "the message of the issue", plans: batch(200, 45, 0, 0), held: true, suspicious: 45, leave: 45,
			reason: "held: suspicious mass change: 45 of 200 domains (22%) would leave Active; limit 20%"},
		{name: "a share just above the limit shows decimals", plans: batch(200, 41, 0, 0), held: true, suspicious: 41, leave: 41,
			reason: "held: suspicious mass change: 41 of 200 domains (20.5%) would leave Active; limit 20%"},
		{name: "expiry backwards counts", plans: batch(10, 0, 6, 0), held: true, suspicious: 6, back: 6,
			reason: "held: suspicious mass change: 6 of 10 domains (60%) would move their expiry date backwards; limit 20%"},
		{name: "both kinds, a domain doing both counted once", plans: batch(20, 3, 2, 1), held: true, suspicious: 6, leave: 4, back: 3,
			reason: "held: suspicious mass change: 6 of 20 domains (30%) would leave Active (4) or move their expiry date backwards (3); limit 20%"},
		{name: "small batch floor: 4 of 4 is not mass", plans: batch(4, 4, 0, 0), suspicious: 4, leave: 4},
		{name: "small batch floor: 5 of 5 is", plans: batch(5, 5, 0, 0), held: true, suspicious: 5, leave: 5,
			reason: "held: suspicious mass change: 5 of 5 domains (100%) would leave Active; limit 20%"},
		{name: "floor 0: one domain of three", plans: batch(3, 1, 0, 0), s: func(s *Settings) { s.MinMassChangeDomains = 0 }, held: true, suspicious: 1, leave: 1,
			reason: "held: suspicious mass change: 1 of 3 domains (33%) would leave Active; limit 20%"},
		{name: "share 1 never holds", plans: batch(10, 10, 0, 0), s: func(s *Settings) { s.MaxMassChangeShare = 1 }, suspicious: 10, leave: 10},
		{name: "force lets it through and says so", plans: batch(100, 50, 0, 0), force: true, forced: true, suspicious: 50, leave: 50,
			reason: "forced: suspicious mass change: 50 of 100 domains (50%) would leave Active; limit 20%"},
		{name: "force on an unremarkable batch", plans: batch(100, 1, 0, 0), force: true, suspicious: 1, leave: 1},
		{name: "a non-Active domain leaving for Expired does not count", plans: grace(10), suspicious: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := settings()
			if c.s != nil {
				c.s(&s)
			}
			g := Guard(c.plans, s, c.force)
			if g.Held != c.held || g.Forced != c.forced || g.Suspicious != c.suspicious || g.LeaveActive != c.leave ||
				g.ExpiryBackwards != c.back || g.Total != len(c.plans) || g.Reason != c.reason {
				t.Errorf("got %+v\nwant held %v forced %v suspicious %d leave %d back %d reason %q",
					g, c.held, c.forced, c.suspicious, c.leave, c.back, c.reason)
			}
		})
	}
}

// grace: Expired domains coming back to Active; nothing leaves Active.
func grace(n int) []DomainPlan {
	var plans []DomainPlan
	for range n {
		plans = append(plans, Plan(domain().status(StatusExpired).build(), record().found(), settings(), today))
	}
	return plans
}

func TestHoldAll(t *testing.T) {
	s := settings()
	plans := []DomainPlan{
		Plan(domain().doNotRenew().item(1, 100, "Domain", "2026-02-15", false).build(), record().code("DEL").expiry("2026-02-01").found(), s, today),
		Plan(domain().idProtection().build(), record().found(), s, today),
		Plan(domain().build(), registrar.Result{}, s, today),
	}
	before := plans[0].String()
	held := HoldAll(plans, "held: suspicious mass change")
	if plans[0].String() != before {
		t.Fatalf("HoldAll changed its input")
	}
	sameLines(t, summary(held[0]), []string{
		"[needs attention] expiry date 2026-03-01 → 2026-02-01: the expiry date moves backwards by 28 days",
		"[held] expiry date 2026-03-01 → 2026-02-01: held: suspicious mass change",
		"[held] status Active → Expired (registrar status DEL): held: suspicious mass change",
		"[held] next due date 2026-02-15 → 2026-01-18: held: suspicious mass change",
		"[held] next invoice date 2026-02-15 → 2026-01-18: held: suspicious mass change",
		"[held] invoice 100 item 1 (Domain) due date 2026-02-15 → 2026-01-18: held: suspicious mass change",
	})
	sameLines(t, summary(held[1]), []string{"[held] push ID protection off → on: held: suspicious mass change"})
	if !strings.Contains(held[2].String(), "error: not found") {
		t.Errorf("errors dropped: %s", held[2])
	}
	for i, p := range held {
		if p.Changed() || p.HasDBChange() {
			t.Errorf("plan %d still changes: %s", i, p)
		}
		if c := p.Change("t", now); len(c.ActivityLog) != 0 || c.Status != nil || c.ExpiryDate != nil {
			t.Errorf("plan %d: change %+v", i, c)
		}
	}
	if g := Guard(held, s, false); g.Held || g.Suspicious != 0 {
		t.Errorf("held plans still suspicious: %+v", g)
	}
}

// The guard stage: the quiet domains of an --all run count in the total,
// and a held batch's plans are held (HoldAll): no change left in them.
func TestGuardBatch(t *testing.T) {
	var plans []DomainPlan
	for i := range 6 {
		plans = append(plans, DomainPlan{Domain: whmcsdb.Domain{ID: int64(i + 1)}, Name: fmt.Sprintf("d%d.com", i),
			Status: &StatusChange{Old: StatusActive, New: "Cancelled"}})
	}
	s := DefaultSettings()
	p, g := guardBatch(planResult{Plans: plans}, s, false)
	if !g.Held || g.Total != 6 || len(p.Plans) != 6 {
		t.Fatalf("6 of 6 leaving Active: held %v, total %d, %d plans", g.Held, g.Total, len(p.Plans))
	}
	for _, pl := range p.Plans {
		if pl.Status != nil || len(pl.Notes) != 1 || pl.Notes[0].Kind != NoteHeld {
			t.Errorf("held plan %v", pl)
		}
	}
	if plans[0].Status == nil {
		t.Error("the guard changed the plans it was given")
	}

	quiet := make([]int64, 100)
	p, g = guardBatch(planResult{Plans: plans, Quiet: quiet}, s, false)
	if g.Held || g.Total != 106 || p.Plans[0].Status == nil {
		t.Errorf("6 of 106 leaving Active: held %v, total %d", g.Held, g.Total)
	}

	p, g = guardBatch(planResult{Plans: plans}, s, true)
	if g.Held || !g.Forced || p.Plans[0].Status == nil || g.Reason == "" {
		t.Errorf("forced: held %v, forced %v, reason %q", g.Held, g.Forced, g.Reason)
	}
}

package sync

import (
	"fmt"
	"math"
	"strconv"
)

// GuardResult is the mass-change guard's verdict on one batch.
type GuardResult struct {
	Held   bool // the batch must not be applied (HoldAll it)
	Forced bool // it would have been held, but force was given

	Total           int     // plans in the batch
	Suspicious      int     // domains that leave Active or move expiry backwards (each counted once)
	LeaveActive     int     // domains whose status changes away from Active
	ExpiryBackwards int     // domains whose expiry date moves earlier
	Share           float64 // Suspicious / Total
	// Reason explains a held or forced verdict ("held: suspicious mass
	// change: 45 of 200 domains (22%) would leave Active; limit 20%"); ""
	// when the batch is unremarkable.
	Reason string
}

// Guard is the blast-radius check run on a whole batch of plans before
// anything is applied: a registrar outage that answers "DEL" for everything,
// or a wrong date field, must not rewrite hundreds of domains. The batch is
// held when more than MaxMassChangeShare of its plans (strictly more) would
// change status away from Active or move the expiry date backwards, and at
// least MinMassChangeDomains domains would. force lets it through; the
// result then says Forced with the same reason.
func Guard(plans []DomainPlan, s Settings, force bool) GuardResult {
	return GuardN(plans, len(plans), s, force)
}

// GuardN is Guard over a batch of total domains of which plans are the
// ones not in step (an --all run keeps no plan for a domain in step; such
// a plan is never suspicious).
func GuardN(plans []DomainPlan, total int, s Settings, force bool) GuardResult {
	g := GuardResult{Total: max(total, len(plans))}
	for _, p := range plans {
		leave := p.Status != nil && p.Status.Old == StatusActive && p.Status.New != StatusActive
		back := p.Expiry != nil && p.Expiry.Backwards()
		if leave {
			g.LeaveActive++
		}
		if back {
			g.ExpiryBackwards++
		}
		if leave || back {
			g.Suspicious++
		}
	}
	if g.Total == 0 {
		return g
	}
	g.Share = float64(g.Suspicious) / float64(g.Total)
	if g.Suspicious == 0 || g.Suspicious < s.MinMassChangeDomains || !(g.Share > s.MaxMassChangeShare) {
		return g
	}
	var what string
	switch {
	case g.ExpiryBackwards == 0:
		what = "would leave Active"
	case g.LeaveActive == 0:
		what = "would move their expiry date backwards"
	default:
		what = fmt.Sprintf("would leave Active (%d) or move their expiry date backwards (%d)", g.LeaveActive, g.ExpiryBackwards)
	}
	msg := fmt.Sprintf("suspicious mass change: %d of %d domains (%s) %s; limit %s",
		g.Suspicious, g.Total, sharePercent(g.Share, s.MaxMassChangeShare), what, percent(s.MaxMassChangeShare))
	if force {
		g.Forced = true
		g.Reason = "forced: " + msg
	} else {
		g.Held = true
		g.Reason = "held: " + msg
	}
	return g
}

// percent prints a share as a percentage with at most two decimals.
func percent(x float64) string {
	return strconv.FormatFloat(math.Round(x*10000)/100, 'f', -1, 64) + "%"
}

// sharePercent prints the batch's share as a whole percentage (45 of 200:
// "22%"), with decimals when the whole number would not visibly exceed the
// limit (41 of 200 against 20%: "20.5%").
func sharePercent(share, limit float64) string {
	if w := math.Floor(share * 100); w > math.Round(limit*10000)/100 {
		return strconv.FormatFloat(w, 'f', 0, 64) + "%"
	}
	return percent(share)
}

// HoldAll returns copies of the plans with every planned change (field,
// status, invoice item, push) replaced by a NoteHeld note carrying reason.
// Errors, other notes and LogOnly lines stay; last_sync is the run loop's
// decision.
func HoldAll(plans []DomainPlan, reason string) []DomainPlan {
	out := make([]DomainPlan, len(plans))
	for i, p := range plans {
		q := p
		q.Notes = append([]Note(nil), p.Notes...)
		q.Errors = append([]string(nil), p.Errors...)
		q.LogOnly = append([]string(nil), p.LogOnly...)
		for _, l := range p.changeLines() {
			q.Notes = append(q.Notes, Note{Kind: NoteHeld, What: l, Why: reason})
		}
		for _, x := range p.Pushes {
			q.Notes = append(q.Notes, Note{Kind: NoteHeld, What: fmt.Sprintf("push %s %s → %s", x.Kind, x.Old, x.New), Why: reason})
		}
		q.Expiry, q.NextDue, q.NextInvoice, q.Status = nil, nil, nil, nil
		q.Items, q.Pushes = nil, nil
		out[i] = q
	}
	return out
}

// guardBatch is the guard stage: Guard over the whole selection (with
// --all the quiet domains count in the total) and, when it holds, the
// plans held (HoldAll). force lets a held batch through.
func guardBatch(p planResult, s Settings, force bool) (planResult, GuardResult) {
	g := GuardN(p.Plans, len(p.Plans)+len(p.Quiet), s, force)
	if g.Held {
		p.Plans = HoldAll(p.Plans, g.Reason)
	}
	return p, g
}

package sync

import (
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/civil"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/whmcsdb"
)

// DomainPlan is what one run decides for one domain: the WHMCS field
// changes (old → new), the invoice moves, the registrar pushes, the notes
// and the errors. A dry run prints it (String), the run loop turns it into
// a whmcsdb.Change (Change) and performs its Pushes, and the report lists it.
// A nil change pointer means "leave unchanged".
type DomainPlan struct {
	Domain      whmcsdb.Domain
	Name        string            // ASCII (punycode) form; Domain.Name as stored when it does not normalize
	UnicodeName string            // Unicode form, used in reports and log lines
	Record      *registrar.Record // nil when not found, the lookup failed or the record is invalid

	Expiry      *DateChange
	NextDue     *DateChange
	NextInvoice *DateChange
	Status      *StatusChange
	Items       []ItemMove // unpaid invoice items moving with the due date

	Pushes []Push // WHMCS-led settings to send to the registrar

	Notes []Note
	// Errors are the report's error rows for this domain (the row's domain
	// column is UnicodeName; messages do not repeat it).
	Errors []string
	// LogOnly are activity-log lines written without a field change (FAI).
	LogOnly []string
	// Unread is set when the registrar could not be read for this domain
	// (registrar.NotRead: a listing page or a lookup still failing after
	// its retries): nothing is planned, written or reported as not found,
	// and the domain stays due (no last_sync).
	Unread error
}

// DateChange is one date column moving.
type DateChange struct {
	Old, New civil.Date // Old is whmcsdb.NoDate when the column held no date
}

// Days is how far the date moves (negative: earlier); 0 when Old is no date.
func (c DateChange) Days() int {
	if c.Old.IsZero() {
		return 0
	}
	return c.New.DaysSince(c.Old)
}

// Backwards reports whether a real date moves earlier.
func (c DateChange) Backwards() bool { return !c.Old.IsZero() && c.New.Before(c.Old) }

// StatusChange is tbldomains.status moving.
type StatusChange struct {
	Old, New string
	Code     string // the registrar status code that led to it
	// TransferCompleted: Pending Transfer became Active (registrar ACT); the
	// expiry and due date are set in the same plan whatever their settings.
	TransferCompleted bool
}

// ItemMove is one unpaid invoice item moving with the domain's next due
// date, with what the report shows about it.
type ItemMove struct {
	whmcsdb.ItemMove
	Type          string     // tblinvoiceitems.type (Domain, PromoDomain, ...)
	OldDue        civil.Date // the item's due date before (= the old next due date)
	OldInvoiceDue civil.Date // the invoice's due date before (when MoveInvoice)
}

// PushKind says which WHMCS-led setting a Push sends.
type PushKind int

const (
	PushAutoRenew PushKind = iota + 1 // Registrar.SetAutoRenew(rec, Renew)
	PushPrivacy                       // Registrar.SetPrivacy(rec, Enabled)
)

func (k PushKind) String() string {
	switch k {
	case PushAutoRenew:
		return "auto-renew"
	case PushPrivacy:
		return "ID protection"
	}
	return "push"
}

// Push is one call to make at the registrar. Old and New are the values as
// shown in the report ("off" → "default"; "off" → "on").
type Push struct {
	Kind     PushKind
	Old, New string
	Renew    bool // PushAutoRenew: the value to send
	Enabled  bool // PushPrivacy: the value to send
}

// LogLine is the activity-log line for the push once it succeeded.
func (p Push) LogLine(domain string) string {
	return logLine(domain, p.Kind.String(), p.Old, p.New)
}

// NoteKind classifies a Note.
type NoteKind int

const (
	NoteWaiting        NoteKind = iota + 1 // normal, nothing to do yet (pending domain not at the registrar)
	NoteNotApplied                         // a change was computed but a rule kept it back
	NoteNeedsAttention                     // something an admin should look at; nothing was changed for it
	NoteHeld                               // a planned change held back by the mass-change guard
)

func (k NoteKind) String() string {
	switch k {
	case NoteWaiting:
		return "waiting"
	case NoteNotApplied:
		return "not applied"
	case NoteNeedsAttention:
		return "needs attention"
	case NoteHeld:
		return "held"
	}
	return "note"
}

// Note is a remark for the report: What would change or was seen, Why.
type Note struct {
	Kind NoteKind
	What string
	Why  string
}

// The dates outside which a registrar expiry is implausible.
var minPlausibleExpiry = civil.Date{Year: 1985, Month: 1, Day: 1}

const maxPlausibleYearsAhead = 10

// expiryField names the registrar field the expiry comes from, for messages.
func expiryField(registrarName string) string {
	if strings.EqualFold(registrarName, "openprovider") {
		return "renewal_date"
	}
	return "expiry date"
}

// plausible checks an expiry date: a valid calendar date, not before
// 1985-01-01, not more than 10 years after today, and not before the WHMCS
// registration date when that is a real date. It returns why not, or "".
func plausible(d, registered, today civil.Date) string {
	switch {
	case d.IsZero():
		return "no date"
	case !d.IsValid():
		return "not a calendar date"
	case d.Before(minPlausibleExpiry):
		return "before " + minPlausibleExpiry.String()
	case today.IsValid() && d.After(today.AddYears(maxPlausibleYearsAhead)):
		return fmt.Sprintf("more than %d years after today (%s)", maxPlausibleYearsAhead, today)
	case !registered.IsZero() && registered.IsValid() && d.Before(registered):
		return "before the WHMCS registration date " + registered.String()
	}
	return ""
}

// Plan decides what changes for one WHMCS domain given what the registrar
// said about it. It is a pure function: today is the run's calendar day.
//
// The rules (each switched off by its setting), and the decisions taken:
//
//   - Nothing at all is planned (only an error row, or a waiting note) when
//     the WHMCS name does not normalize, the WHMCS status is outside the
//     enum, the lookup failed (Result.Err), the record is invalid
//     (Record.Invalid), the record is for another name, the domain is not
//     at the registrar (rule 6: an error saying whether it is among the
//     deleted domains; a waiting note for Pending, Pending Registration and
//     Pending Transfer, where that is normal), the registrar code is FAI
//     (error "The domain name request has failed", plus an activity-log
//     line) or a code neither status_map nor the default map knows (error;
//     on a Pending Transfer domain at a registrar with transfer rules, ODR,
//     a failed transfer instead: see below).
//     An unknown code changes nothing at all, not only the status: the
//     record's meaning is unknown, so none of it is trusted.
//   - Expiry (expiry_date; forced on by a transfer completion): the
//     registrar's expiry as a calendar day. A zero, invalid or implausible
//     date (see plausible) is never written: an error row names the date
//     and the field. A zero date is not an error while the code maps to a
//     pending status (registrations and transfers have none yet). A date
//     moving backwards is planned but gets a note and counts for Guard.
//   - Next due date (due_date; forced on by a transfer completion): expiry
//     after this run (the registrar's usable expiry when the expiry rule is
//     on, else WHMCS's own plausible expiry) minus due_date_offset days. No
//     usable expiry, no due date change. A zero next due date is always
//     filled, even with due_date off, without the max-difference check.
//     Otherwise a move of more than due_date_max_difference days (either
//     direction, measured from the current next due date) is not applied
//     and noted; the expiry still updates. nextinvoicedate is set to the
//     new due date whenever it differs from it (including when only it
//     differs), under the same guard, measured from its own old value.
//   - Invoices (invoices, only when the next due date moves from a real
//     date): every unpaid item whose due date equals the old next due date
//     moves to the new one; the invoice's own due date moves too when every
//     item on it belongs to this domain (OnlyThisDomain), once per invoice.
//   - Status (status; map: status_map over the default map): a change is
//     planned only when the current status is among sync.statuses, is not
//     Cancelled, Fraud or Transferred Away (never changed by domainsync;
//     noted when the registrar says the domain is live), and differs from
//     the target. A finer WHMCS state of the target's family is kept:
//     Pending Registration/Transfer for a pending target, Grace/Redemption
//     for an Expired/Grace/Redemption target; RRQ (restore requested) keeps
//     Grace, Redemption and Expired. A non-terminal target outside
//     sync.statuses is not applied and noted: the domain would drop out of
//     the sync (Active → Pending with the default statuses). Pending
//     Transfer → Active is a completed transfer; without a usable expiry
//     it is not applied (noted) so that status and dates change together.
//   - Pushes (auto_renew, id_protection) only while the registrar code maps
//     to Active (pending or deleted domains refuse them) and the WHMCS
//     status stays non-terminal. Auto-renew: desired "off" when donotrenew,
//     else "renews"; registrar off and desired renews → push renew (the
//     registrar sets default); default or on when desired renews → nothing
//     (on is stronger and is never downgraded); on/default when desired off
//     → push off; not sent by the registrar → nothing, noted. A registrar
//     with only on/off (ODR) is shown as "on" after a renew push.
//   - Registrar rules (Settings.Registrar; unset = Openprovider's): the
//     default status map is the registrar's own (see RegistrarDefaultStatusMap).
//     ODR: DELETE_SCHEDULED keeps the status (dates still follow) and needs
//     attention while donotrenew is off; a Pending Transfer domain that ODR
//     says is PENDING waits, REGISTERED completes it, any other state (a
//     known one like DELETED or one no map knows: FAILED, CANCELLED,
//     REJECTED, …) is a failed transfer: needs attention with the status
//     and the registrar's reason, WHMCS unchanged unless
//     transfer_failed_status is Cancelled. Privacy:
//     pushed when it differs from idprotection; when the registrar does not
//     allow privacy for the domain, noted instead; not sent → noted.
func Plan(d whmcsdb.Domain, r registrar.Result, s Settings, today civil.Date) DomainPlan {
	p := DomainPlan{Domain: d, Name: d.Name, UnicodeName: d.Name}
	ascii, uni, err := registrar.NormalizeName(d.Name)
	if err != nil {
		p.errorf("WHMCS domain name: %v; nothing changed", err)
		return p
	}
	p.Name, p.UnicodeName = ascii, uni
	if d.Invalid != nil {
		p.errorf("WHMCS data: %v; nothing changed", d.Invalid)
		return p
	}

	cur, ok := CanonicalStatus(d.Status)
	if !ok {
		p.errorf("WHMCS status %q (stored %q) is not a WHMCS domain status; nothing changed", d.Status, d.RawStatus)
		return p
	}

	if registrar.NotRead(r.Err) {
		p.Unread = r.Err
		return p
	}
	if r.Err != nil {
		p.errorf("lookup at %s failed: %v; nothing changed", registrarName(d), r.Err)
		return p
	}
	rl := s.rules()
	if !r.Found {
		if dr := r.DeletedRecord; dr != nil && rl.transfers && cur == StatusPendingTransfer {
			p.planFailedTransfer(cur, *dr, s)
			return p
		}
		p.planNotFound(cur, r)
		return p
	}
	rec := r.Record
	if rec.Invalid != nil {
		p.errorf("invalid reply from %s: %v; nothing changed", registrarName(d), rec.Invalid)
		return p
	}
	if rec.Name != "" && !strings.EqualFold(rec.Name, ascii) {
		p.errorf("%s answered for %q instead of %q; nothing changed", registrarName(d), rec.Name, ascii)
		return p
	}
	p.Record = &rec

	code := canonicalCode(rec.StatusCode)
	if code == CodeFAI {
		p.Errors = append(p.Errors, FAIMessage)
		p.LogOnly = append(p.LogOnly, fmt.Sprintf("Domain Sync: %s %s (registrar status %s)", uni, FAIMessage, CodeFAI))
		return p
	}
	target, known := s.statusFor(code, rl)
	if !known && rl.transfers && cur == StatusPendingTransfer {
		// Neither REGISTERED nor PENDING (FAILED, CANCELLED, REJECTED, …):
		// the transfer failed, whatever the code is called.
		p.planFailedTransfer(cur, rec, s)
		return p
	}
	if !known {
		p.errorf("unknown registrar status code %q%s; nothing changed", rec.StatusCode, paren(rec.StatusText))
		return p
	}
	kept := target == StatusKept
	if kept {
		// The status stays as it is (a scheduled deletion): dates still
		// follow the registrar, nothing is pushed.
		target = cur
		if code == rl.scheduledCode && !d.DoNotRenew && !isTerminal(cur) && !(rl.transfers && cur == StatusPendingTransfer) {
			p.note(NoteNeedsAttention, fmt.Sprintf("deletion scheduled at %s (registrar status %s)", registrarName(d), rec.StatusCode),
				"WHMCS still expects the domain to renew (do not renew is off); status kept")
		}
	}
	if rl.transfers && cur == StatusPendingTransfer && target != StatusActive {
		// REGISTERED completes the transfer below; PENDING waits; any other
		// state (a scheduled deletion included) is a failed transfer.
		if isPendingFamily(target) && !kept {
			p.note(NoteWaiting, "transfer in progress at "+registrarName(d), "registrar status "+rec.StatusCode)
		} else {
			p.planFailedTransfer(cur, rec, s)
		}
		return p
	}

	field := expiryField(d.Registrar)
	why := plausible(rec.Expiry, d.RegistrationDate, today)
	regExpiryOK := why == ""

	// Status first: a transfer completion forces the expiry and due date.
	if s.Status {
		if !kept {
			p.Status = p.planStatus(cur, target, code, s)
		}
	}
	useRegExpiry := s.ExpiryDate
	forceDue := false
	if p.Status != nil && p.Status.TransferCompleted {
		useRegExpiry, forceDue = true, true
		if !regExpiryOK {
			p.note(NoteNotApplied, fmt.Sprintf("status %s → %s", p.Status.Old, p.Status.New),
				"transfer completion waits for a usable expiry date from the registrar")
			p.Status = nil
		}
	}

	// Expiry.
	var base civil.Date // the expiry as it will be after this run; zero = none usable
	if useRegExpiry {
		if regExpiryOK {
			base = rec.Expiry
			if rec.Expiry != d.ExpiryDate {
				c := &DateChange{Old: d.ExpiryDate, New: rec.Expiry}
				p.Expiry = c
				if c.Backwards() {
					p.note(NoteNeedsAttention, fmt.Sprintf("expiry date %s → %s", c.Old, c.New),
						fmt.Sprintf("the expiry date moves backwards by %d days", -c.Days()))
				}
			}
		} else if rec.Expiry.IsZero() {
			if !isPendingFamily(target) {
				p.errorf("no expiry date from registrar (field %s); expiry date not changed", field)
			}
		} else {
			p.errorf("implausible expiry date %s from registrar (field %s): %s; expiry date not changed", rec.Expiry, field, why)
		}
	} else if plausible(d.ExpiryDate, d.RegistrationDate, today) == "" {
		base = d.ExpiryDate
	}

	// Next due date, next invoice date, invoice items.
	if !base.IsZero() && (s.DueDate || forceDue || d.NextDueDate.IsZero()) {
		p.planDue(base.AddDays(-s.DueDateOffset), s)
	}

	// Pushes.
	live := target == StatusActive && !kept
	after := cur
	if p.Status != nil {
		after = p.Status.New
	}
	if live && !isTerminal(after) {
		if s.AutoRenew {
			p.planAutoRenew(rec, rl.renewOn)
		}
		switch {
		case s.IDProtection && rl.noPrivacy:
			if d.IDProtection {
				p.note(NoteNeedsAttention, "ID protection", registrarName(d)+" has no WHOIS privacy; ID protection is on in WHMCS but nothing can be sent")
			}
		case s.IDProtection:
			p.planPrivacy(rec)
		}
	}
	return p
}

func registrarName(d whmcsdb.Domain) string {
	if d.Registrar == "" {
		return "the registrar"
	}
	return d.Registrar
}

func (p *DomainPlan) planNotFound(cur string, r registrar.Result) {
	name := registrarName(p.Domain)
	if isPendingFamily(cur) {
		p.note(NoteWaiting, "not at "+name+" yet", "normal while the domain is "+cur)
		return
	}
	if dr := r.DeletedRecord; dr != nil {
		extra := ""
		if dr.StatusCode != "" {
			extra = ", status " + dr.StatusCode
		}
		p.errorf("not found at %s among live domains; it exists among deleted domains%s; WHMCS not changed", name, extra)
		return
	}
	p.errorf("not found at %s (not among its deleted domains either); WHMCS not changed", name)
}

// planStatus returns the status change to make, or nil (with a note when
// the reason is worth reporting).
func (p *DomainPlan) planStatus(cur, target, code string, s Settings) *StatusChange {
	if cur == target {
		return nil
	}
	what := fmt.Sprintf("status %s → %s (registrar status %s)", cur, target, code)
	switch {
	case isTerminal(cur):
		if target == StatusActive {
			p.note(NoteNeedsAttention, what, cur+" is never changed by domainsync, but the registrar says the domain is live")
		}
		return nil
	case !s.selects(cur):
		p.note(NoteNotApplied, what, cur+" is not in sync.statuses")
		return nil
	case isPendingFamily(target) && (cur == StatusPendingRegistration || cur == StatusPendingTransfer):
		return nil // finer pending state kept
	case isExpiredFamily(target) && (cur == StatusGrace || cur == StatusRedemption):
		return nil // finer expired state kept (WHMCS moves Grace → Redemption by days)
	case code == "RRQ" && isExpiredFamily(cur):
		return nil // restore requested: kept until the registrar says ACT
	case !isTerminal(target) && !s.selects(target):
		p.note(NoteNotApplied, what, target+" is not in sync.statuses: the domain would no longer be synced")
		return nil
	}
	return &StatusChange{Old: cur, New: target, Code: code,
		TransferCompleted: cur == StatusPendingTransfer && target == StatusActive}
}

func (p *DomainPlan) planDue(due civil.Date, s Settings) {
	d := p.Domain
	if d.NextDueDate != due {
		if !d.NextDueDate.IsZero() {
			if n := abs(due.DaysSince(d.NextDueDate)); n > s.DueDateMaxDifference {
				p.note(NoteNotApplied, fmt.Sprintf("next due date %s → %s", d.NextDueDate, due),
					fmt.Sprintf("due date move of %d days exceeds due_date_max_difference %d", n, s.DueDateMaxDifference))
				return
			}
		}
		p.NextDue = &DateChange{Old: d.NextDueDate, New: due}
		if s.Invoices && !d.NextDueDate.IsZero() {
			p.planItems(due)
		}
	}
	if d.NextInvoiceDate != due {
		if p.NextDue == nil && !d.NextInvoiceDate.IsZero() {
			if n := abs(due.DaysSince(d.NextInvoiceDate)); n > s.DueDateMaxDifference {
				p.note(NoteNotApplied, fmt.Sprintf("next invoice date %s → %s", d.NextInvoiceDate, due),
					fmt.Sprintf("due date move of %d days exceeds due_date_max_difference %d", n, s.DueDateMaxDifference))
				return
			}
		}
		p.NextInvoice = &DateChange{Old: d.NextInvoiceDate, New: due}
	}
}

// planItems moves the unpaid items billed for the old next due date. An
// invoice's own due date is moved by its first moving item only, so that
// the guarded UPDATE of tblinvoices runs once per invoice.
func (p *DomainPlan) planItems(due civil.Date) {
	old := p.Domain.NextDueDate
	moved := map[int64]bool{}
	for _, it := range p.Domain.UnpaidItems {
		if it.DueDate != old {
			continue
		}
		m := ItemMove{
			ItemMove: whmcsdb.ItemMove{ItemID: it.ID, InvoiceID: it.InvoiceID, OldDue: it.RawDue, NewDue: due},
			Type:     it.Type,
			OldDue:   it.DueDate,
		}
		if it.OnlyThisDomain && !moved[it.InvoiceID] && it.InvoiceDueDate != due {
			m.MoveInvoice = true
			m.OldInvoice = it.RawInvoiceDue
			m.OldInvoiceDue = it.InvoiceDueDate
			moved[it.InvoiceID] = true
		}
		p.Items = append(p.Items, m)
	}
}

// planFailedTransfer: a Pending Transfer domain the registrar holds in a
// state that is neither live nor pending (a known code such as DELETED, or
// one no map knows: FAILED, CANCELLED, REJECTED, …). The note gives the
// registrar's status and its reason: the registrar's own (StatusReason)
// when sent, else what a known code means. WHMCS is left as it is (the
// transfer may be retried) unless transfer_failed_status says Cancelled.
func (p *DomainPlan) planFailedTransfer(cur string, rec registrar.Record, s Settings) {
	code := canonicalCode(rec.StatusCode)
	reason := strings.TrimSpace(rec.StatusReason)
	if reason == "" && rec.Family != registrar.FamilyUnknown && rec.Family != "" {
		reason = rec.StatusText
	}
	status := code + paren(reason)
	why := fmt.Sprintf("the transfer failed: registrar status %s; WHMCS not changed", status)
	if st, ok := CanonicalStatus(s.TransferFailedStatus); ok && st == StatusCancelled && s.Status {
		why = fmt.Sprintf("the transfer failed: registrar status %s; status set to %s (sync.transfer_failed_status)", status, st)
		p.Status = &StatusChange{Old: cur, New: st, Code: code}
	}
	p.note(NoteNeedsAttention, "failed transfer", why)
}

// planAutoRenew compares donotrenew with the registrar's auto-renew.
// renewOn is what the registrar shows after a "renew" push.
func (p *DomainPlan) planAutoRenew(rec registrar.Record, renewOn registrar.AutoRenew) {
	wantRenew := !p.Domain.DoNotRenew
	cur := rec.AutoRenew
	switch cur {
	case registrar.AutoRenewOff:
		if wantRenew {
			p.Pushes = append(p.Pushes, Push{Kind: PushAutoRenew, Old: string(cur), New: string(renewOn), Renew: true})
		}
	case registrar.AutoRenewOn, registrar.AutoRenewDefault:
		if !wantRenew {
			p.Pushes = append(p.Pushes, Push{Kind: PushAutoRenew, Old: string(cur), New: string(registrar.AutoRenewOff), Renew: false})
		}
	default:
		p.note(NoteNeedsAttention, "auto-renew", fmt.Sprintf("the registrar sent no known auto-renew value (%q); not compared, nothing sent", string(cur)))
	}
}

func (p *DomainPlan) planPrivacy(rec registrar.Record) {
	want := p.Domain.IDProtection
	switch {
	case !rec.PrivacyKnown:
		p.note(NoteNeedsAttention, "ID protection", "the registrar sent nothing about WHOIS privacy; not compared, nothing sent")
	case rec.Privacy == want:
	case !rec.PrivacyAllowed:
		p.note(NoteNeedsAttention, fmt.Sprintf("ID protection %s → %s", onOff(rec.Privacy), onOff(want)),
			"the registrar does not allow WHOIS privacy for this domain; nothing sent")
	default:
		p.Pushes = append(p.Pushes, Push{Kind: PushPrivacy, Old: onOff(rec.Privacy), New: onOff(want), Enabled: want})
	}
}

func (p *DomainPlan) errorf(format string, args ...any) {
	p.Errors = append(p.Errors, fmt.Sprintf(format, args...))
}

func (p *DomainPlan) note(kind NoteKind, what, why string) {
	p.Notes = append(p.Notes, Note{Kind: kind, What: what, Why: why})
}

// InvoiceIDs are the invoices whose items move, in order, each once.
func (p DomainPlan) InvoiceIDs() []int64 {
	var ids []int64
	for _, m := range p.Items {
		if !slices.Contains(ids, m.InvoiceID) {
			ids = append(ids, m.InvoiceID)
		}
	}
	return ids
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// showDate prints a date for messages and log lines: YYYY-MM-DD, "none"
// for no date.
func showDate(d civil.Date) string {
	if d.IsZero() {
		return "none"
	}
	return d.String()
}

package sync

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/domainsync/domainsync/registrar"
)

// TestCheckContactUsers: a planned change goes ahead only when every domain
// of the registrar account using the contact is a WHMCS domain of the same
// client.
func TestCheckContactUsers(t *testing.T) {
	use := func(name string) ContactUse {
		return ContactUse{Domain: name, Record: registrar.Record{Name: name, Registrant: "24"}, ClientID: 7}
	}
	change := func(action ContactAction, names ...string) ContactPlan {
		p := ContactPlan{ContactID: "24", ClientID: 7, Clients: 1, Action: action, Want: registrar.Contact{ID: "24", Email: "jan@example.nl"}}
		for _, n := range names {
			p.Uses = append(p.Uses, use(n))
		}
		return p
	}
	listErr := &registrar.Error{Kind: registrar.KindUnavailable, Registrar: "odr", Domain: "contact 24", Message: "HTTP 502"}
	owners := map[string][]int64{"a.nl": {7}, "a2.nl": {7}, "b.nl": {8}, "c.nl": {9}, "both.nl": {7, 8}, "xn--bcher-kva.nl": {8}}
	tests := []struct {
		name    string
		plan    ContactPlan
		users   map[string]ContactUsers
		changed bool
		clients int      // Clients after the check
		why     []string // all in Why ("" = no Why)
		err     bool
	}{
		{name: "same client everywhere: changed", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "a2.nl"}}}, changed: true, clients: 1},
		{name: "replace, same client: changed", plan: change(ContactReplace, "a.nl", "a2.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a2.nl", "a.nl"}}}, changed: true, clients: 1},
		{name: "another client's domain outside the batch: not changed", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "b.nl"}}}, clients: 2,
			why: []string{"contact 24 is used by domains of 2 WHMCS clients", "registrar's portfolio", "b.nl", "never changed"}},
		{name: "replace, two other clients: not changed", plan: change(ContactReplace, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "b.nl", "c.nl"}}}, clients: 3,
			why: []string{"domains of 3 WHMCS clients", "b.nl, c.nl"}},
		{name: "a name WHMCS holds for two clients: not changed", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "both.nl"}}}, clients: 2, why: []string{"both.nl"}},
		{name: "IDN of another client named in Unicode", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "xn--bcher-kva.nl"}}}, clients: 2, why: []string{"bücher.nl"}},
		{name: "domain unknown to WHMCS: not changed", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "unknown.nl"}}}, clients: 1,
			why: []string{"1 domain(s) at the registrar that WHMCS does not hold", "unknown.nl", "owner is unknown"}},
		{name: "another client and an unknown domain: both said", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"unknown.nl", "a.nl", "b.nl"}}}, clients: 2,
			why: []string{"2 WHMCS clients", "b.nl", "unknown.nl", "owner is unknown"}},
		{name: "registrar lookup error: not changed", plan: change(ContactUpdate, "a.nl"),
			users: map[string]ContactUsers{"24": {Err: listErr}}, clients: 1, err: true},
		{name: "contact not listed: not changed", plan: change(ContactReplace, "a.nl"),
			users: map[string]ContactUsers{}, clients: 1, why: []string{"not checked", "contact 24"}},
		{name: "listing misses a batch domain: not changed", plan: change(ContactUpdate, "a.nl", "a2.nl"),
			users: map[string]ContactUsers{"24": {Domains: []string{"a.nl"}}}, clients: 1, why: []string{"does not name a2.nl", "incomplete"}},
		{name: "report plan untouched", plan: func() ContactPlan {
			p := change(ContactReport, "a.nl")
			p.Want, p.Why, p.Clients = registrar.Contact{}, "shared in the batch", 2
			return p
		}(), users: map[string]ContactUsers{"24": {Domains: []string{"a.nl", "b.nl"}}}, clients: 2, why: []string{"shared in the batch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []ContactPlan{tt.plan}
			before := tt.plan
			got := CheckContactUsers(in, tt.users, owners)
			if len(got) != 1 {
				t.Fatalf("%d plans", len(got))
			}
			p := got[0]
			if in[0].Action != before.Action || in[0].Why != before.Why || in[0].Want != before.Want {
				t.Error("the input plans were modified")
			}
			if changed := p.Action == ContactUpdate || p.Action == ContactReplace; changed != tt.changed {
				t.Fatalf("action %s (why %q, err %v), changed want %v", p.Action, p.Why, p.Err, tt.changed)
			}
			if tt.changed {
				if p.Action != tt.plan.Action || p.Want != tt.plan.Want || p.Why != "" || p.Err != nil {
					t.Errorf("a change that passed was altered: %+v", p)
				}
			} else if p.Action != ContactReport || p.Want != (registrar.Contact{}) {
				t.Errorf("refused plan still sends: %s %+v", p.Action, p.Want)
			}
			if p.Clients != tt.clients {
				t.Errorf("clients %d, want %d", p.Clients, tt.clients)
			}
			for _, w := range tt.why {
				if !strings.Contains(p.Why, w) {
					t.Errorf("why %q lacks %q", p.Why, w)
				}
			}
			if len(tt.why) == 0 && p.Why != "" {
				t.Errorf("unexpected why %q", p.Why)
			}
			if tt.err != (p.Err != nil) {
				t.Errorf("err %v, want err: %v", p.Err, tt.err)
			}
			if tt.err && (!errors.Is(p.Err, listErr) || !strings.Contains(p.Err.Error(), "contact 24")) {
				t.Errorf("err %v does not wrap the registrar's error", p.Err)
			}
		})
	}
}

// TestCheckContactUsersMany: each plan is decided on its own contact.
func TestCheckContactUsersMany(t *testing.T) {
	plans := []ContactPlan{
		{ContactID: "1", ClientID: 7, Action: ContactUpdate, Uses: []ContactUse{{Domain: "a.nl", Record: registrar.Record{Name: "a.nl"}}}},
		{ContactID: "2", ClientID: 7, Action: ContactUpdate, Uses: []ContactUse{{Domain: "a2.nl", Record: registrar.Record{Name: "a2.nl"}}}},
		{ContactID: "3", ClientID: 7, Action: ContactEqual},
	}
	users := map[string]ContactUsers{"1": {Domains: []string{"a.nl"}}, "2": {Domains: []string{"a2.nl", "b.nl"}}}
	got := CheckContactUsers(plans, users, map[string][]int64{"a.nl": {7}, "a2.nl": {7}, "b.nl": {8}})
	var actions []ContactAction
	for _, p := range got {
		actions = append(actions, p.Action)
	}
	if want := []ContactAction{ContactUpdate, ContactReport, ContactEqual}; !slices.Equal(actions, want) {
		t.Errorf("actions %v, want %v", actions, want)
	}
}

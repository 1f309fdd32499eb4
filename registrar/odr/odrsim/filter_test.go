package odrsim

import (
	"strconv"
	"testing"
	"time"
)

// TestListFilterContact: filter[contact] keeps the domains using the
// contact in any role, pages over what is left, refuses a value that is not
// a contact id, and every request is logged.
func TestListFilterContact(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s, url := StartTB(t, Options{Now: func() time.Time { return now }, PerPage: 2, Domains: []Domain{
		{Name: "reg.nl", Registrant: 7}, {Name: "onsite.nl", Registrant: 1, Onsite: 7}, {Name: "tech.nl", Registrant: 1, Tech: 7},
		{Name: "other.nl", Registrant: 1, Onsite: 1, Tech: 1}}})
	_, m, _ := post(t, url+"/user/login/", map[string]any{"api_key": s.APIKey(), "timestamp": now.Unix(), "signature": sign(s.APIKey(), s.APISecret(), now.Unix())})
	tok, _ := m["response"].(map[string]any)["token"].(string)
	if tok == "" {
		t.Fatalf("no token: %v", m)
	}
	var names []string
	for page := 1; page <= 2; page++ {
		code, m, h := get(t, url+"/domain/?filter%5Bcontact%5D=7&page="+strconv.Itoa(page), tok)
		if code != 200 || h.Get("X-Pagination-TotalPages") != "2" {
			t.Fatalf("page %d: %d %v %v", page, code, h, m)
		}
		for _, r := range m["response"].([]any) {
			row := r.(map[string]any)
			names = append(names, row["name"].(string)+"."+row["tld"].(string))
		}
	}
	if len(names) != 3 || names[0] != "reg.nl" || names[1] != "onsite.nl" || names[2] != "tech.nl" {
		t.Errorf("filtered names %v", names)
	}
	if code, m, _ := get(t, url+"/domain/?filter%5Bcontact%5D=x", tok); code != 400 || m["status"] != "error" {
		t.Errorf("bad filter value: %d %v", code, m)
	}
	if code, m, _ := get(t, url+"/domain/?filter%5Bcontact%5D=99", tok); code != 200 || len(m["response"].([]any)) != 0 {
		t.Errorf("unused contact: %d %v", code, m)
	}
	n := 0
	for _, r := range s.Requests() {
		if r.Path == "/domain/" && r.Method == "GET" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d listing requests logged, want 4", n)
	}
}

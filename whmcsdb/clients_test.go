package whmcsdb

import (
	"context"
	"testing"

	"github.com/domainsync/domainsync/whmcsdb/whmcstest"
)

// TestClients reads the clients of a batch: every field, entities decoded
// and values trimmed, duplicates and unknown or zero ids ignored.
func TestClients(t *testing.T) {
	e := newEnv(t, Options{})
	a := whmcstest.InsertClient(t, e.raw, whmcstest.ClientRow{FirstName: " Jan ", LastName: "de Vries", CompanyName: "Vries &amp; Zn",
		Email: "Jan@Example.NL", Address1: "Hoofdstraat 12", Address2: "2e etage", City: "Amsterdam", State: "Noord-Holland",
		PostCode: "1011 AA", Country: "nl", PhoneNumber: "+31.201234567"})
	b := whmcstest.InsertClient(t, e.raw, whmcstest.ClientRow{FirstName: "Piet", LastName: "Jansen", Email: "piet@example.nl"})
	whmcstest.InsertClient(t, e.raw, whmcstest.ClientRow{FirstName: "Not", LastName: "Asked"})

	got, err := e.db.Clients(context.Background(), []int64{b, a, b, 0, -3, 99999})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d clients, want 2: %+v", len(got), got)
	}
	want := Client{ID: a, FirstName: "Jan", LastName: "de Vries", CompanyName: "Vries & Zn", Email: "Jan@Example.NL",
		Address1: "Hoofdstraat 12", Address2: "2e etage", City: "Amsterdam", State: "Noord-Holland", PostCode: "1011 AA",
		Country: "nl", Phone: "+31.201234567"}
	if got[a] != want {
		t.Errorf("client %d\n got %+v\nwant %+v", a, got[a], want)
	}
	if got[b].FirstName != "Piet" || got[b].Email != "piet@example.nl" || got[b].CompanyName != "" {
		t.Errorf("client %d: %+v", b, got[b])
	}

	none, err := e.db.Clients(context.Background(), nil)
	if err != nil || len(none) != 0 {
		t.Errorf("no ids: %v, %v", none, err)
	}
}

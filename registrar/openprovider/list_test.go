package openprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
)

// TestListDeleted: the deleted domains are listed in pages of 1000 with
// is_deleted=true, each once, and the live listing holds none of them.
func TestListDeleted(t *testing.T) {
	gen := opsim.Generate(4000, 3)
	var live, deleted int
	for _, d := range gen {
		if d.IsDeleted {
			deleted++
		} else {
			live++
		}
	}
	s, c := setup(t, opsim.Options{Domains: gen})
	ctx := context.Background()

	got := map[string]bool{}
	total := -2
	err := c.ListDeleted(ctx, func(n int) { total = n }, func(r registrar.Record) error {
		if !r.Deleted {
			t.Errorf("ListDeleted streamed a live domain: %s", r.Name)
		}
		if got[r.ID] {
			t.Errorf("ListDeleted streamed id %s twice", r.ID)
		}
		got[r.ID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != deleted || len(got) != deleted {
		t.Errorf("ListDeleted: total %d, %d domains; want %d", total, len(got), deleted)
	}
	var pages int
	for _, r := range s.Requests() {
		if r.Path == "/v1beta/domains" {
			if !strings.Contains(r.Query, "is_deleted=true") || !strings.Contains(r.Query, "limit=1000") {
				t.Errorf("deleted listing request %s", r.Query)
			}
			pages++
		}
	}
	if want := (deleted + PageSize - 1) / PageSize; pages != want {
		t.Errorf("%d deleted pages for %d deleted domains; want %d", pages, deleted, want)
	}

	s.ResetRequests()
	n := 0
	if err := c.List(ctx, nil, func(r registrar.Record) error {
		if r.Deleted {
			t.Errorf("List streamed a deleted domain: %s", r.Name)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != live {
		t.Errorf("List: %d domains, want %d", n, live)
	}
	for _, r := range s.Requests() {
		if strings.Contains(r.Query, "is_deleted") {
			t.Errorf("live listing request %s", r.Query)
		}
	}
}

// TestEmitterDedupes: records are streamed once per id (kept as int64),
// and once per name when they have no id.
func TestEmitterDedupes(t *testing.T) {
	var names []string
	em := &emitter{ids: map[int64]struct{}{}, names: map[string]struct{}{}, fn: func(r registrar.Record) error {
		names = append(names, r.Name)
		return nil
	}}
	rec := func(id int64, name string) decoded {
		return decoded{id: id, rec: registrar.Record{Name: name}}
	}
	if err := em.emit([]decoded{rec(1, "a.com"), rec(2, "b.com"), rec(1, "a.com"), rec(0, "c.com")}); err != nil {
		t.Fatal(err)
	}
	if err := em.emit([]decoded{rec(2, "b.com"), rec(0, "c.com"), rec(0, ""), rec(0, ""), rec(3, "a.com")}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "a.com,b.com,c.com,,,a.com" || em.count != 6 {
		t.Errorf("emitted %q (count %d)", got, em.count)
	}
}

// FuzzEachListItem: the streaming decoder of a listing reply agrees with
// decoding it whole (a map of its keys), and never panics.
func FuzzEachListItem(f *testing.F) {
	for _, s := range []string{
		`{"results":[{"id":1},{"id":2}],"total":2}`, `{"total":5,"results":[{}]}`, `{"results":null}`,
		`{"results":{},"total":1}`, `[1]`, `null`, ``, `{"results":[1,"x",null],"total":"3"}`,
		`{"results":[],"results":[{}]}`, `{"a":{"b":[1,2]},"results":[{"x":[{}]}],"total":-1}`, `{"results":[{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		total, err := eachListItem(json.RawMessage(data), func(json.RawMessage) error { n++; return nil })
		if err != nil {
			return
		}
		// Reference: the whole reply decoded at once.
		if len(bytes.TrimSpace(data)) == 0 || isNull(data) {
			if total != 0 || n != 0 {
				t.Fatalf("empty data: %d items, total %d", n, total)
			}
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil || m == nil {
			t.Fatalf("streaming accepted %q, which is not a JSON object", data)
		}
		var items []json.RawMessage
		if r, ok := m["results"]; ok && !isNull(r) {
			if err := json.Unmarshal(r, &items); err != nil {
				t.Fatalf("streaming accepted results that are not an array: %q", data)
			}
		}
		if len(items) != n {
			t.Fatalf("%q: streaming %d items, whole %d", data, n, len(items))
		}
		want := -1
		if tv, present, err := int64Field(m["total"]); err == nil && present && tv >= 0 && tv <= math.MaxInt32 {
			want = int(tv)
		} else if !present && n == 0 {
			want = 0
		}
		if total != want {
			t.Fatalf("%q: total %d, want %d", data, total, want)
		}
	})
}

func TestQuickName(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		name string
		id   int64
		ok   bool
	}{
		{`{"id":5,"domain":{"name":"example","extension":"com"}}`, "example.com", 5, true},
		{`{"id":5,"domain":{"name":"Example","extension":".CO.UK."}}`, "example.co.uk", 5, true},
		{`{"id":5,"domain":{"name":"bücher","extension":"de"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":"xn--bcher-kva","extension":"de"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":"\u212aelvin","extension":"com"}}`, "", 0, false},
		{`{"id":"5","domain":{"name":"example","extension":"com"}}`, "", 0, false},
		{`{"id":0,"domain":{"name":"example","extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":"-x","extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":" example","extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":"example"}}`, "", 0, false},
		{`{"id":5}`, "", 0, false},
		{`[1]`, "", 0, false},
		// Any key order, other keys before; the rest after id and domain is
		// not read; keys match exactly (as in decodeDomain).
		{`{"status":"ACT","domain":{"extension":"com","name":"example"},"name_servers":[{"seq_nr":1}],"id":7,"x":{}}`, "example.com", 7, true},
		{`{"ID":5,"Domain":{"name":"example","extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":{"Name":"example","extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":null,"extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":{"name":7,"extension":"com"}}`, "", 0, false},
		{`{"id":5,"domain":null}`, "", 0, false},
		{`{"id":-5,"domain":{"name":"example","extension":"com"}}`, "", 0, false},
	} {
		name, id, ok := quickName(json.RawMessage(tt.raw))
		if name != tt.name || id != tt.id || ok != tt.ok {
			t.Errorf("quickName(%s) = %q %d %v, want %q %d %v", tt.raw, name, id, ok, tt.name, tt.id, tt.ok)
		}
	}
}

// ListWanted streams the wanted domains exactly as List does (and the
// records it cannot name cheaply), over several pages; the others are
// counted, not streamed.
func TestListWanted(t *testing.T) {
	gen := opsim.Generate(2500, 9)
	s, c := setup(t, opsim.Options{Domains: gen})
	all := map[string]registrar.Record{}
	if err := c.List(context.Background(), nil, func(r registrar.Record) error { all[r.Name] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"nope.example": true}
	for name := range all {
		if len(want) == 40 {
			break
		}
		want[name] = true
	}
	before := len(s.Requests())
	c2 := newClient(t, s, c.base.String())
	got := map[string]registrar.Record{}
	err := c2.ListWanted(context.Background(), func(n string) bool { return want[n] }, 0, nil, func(r registrar.Record) error {
		got[r.Name] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if r, ok := all[name]; ok && !reflect.DeepEqual(got[name], r) {
			t.Errorf("%s: %+v, want %+v", name, got[name], r)
		}
	}
	for name := range got {
		if !want[name] && plainLabels(name) && !strings.Contains(name, "xn--") {
			t.Errorf("%s streamed, not wanted", name)
		}
	}
	if len(got) >= len(all)/2 {
		t.Errorf("%d of %d streamed", len(got), len(all))
	}
	if n := len(s.Requests()) - before; n != 1+3 {
		t.Errorf("%d requests, want a login and 3 pages", n)
	}
}

// FuzzQuickName: whatever quickName names, decodeDomain names the same
// (the same id and name) for an item without a key sent twice, and it
// never panics.
func FuzzQuickName(f *testing.F) {
	for _, s := range []string{
		`{"id":5,"domain":{"name":"example","extension":"com"}}`,
		`{"status":"ACT","domain":{"extension":".CO.uk","name":"ex\u0061mple"},"id":7}`,
		`{"id":5,"domain":{"name":"a","extension":"com","x":[1,{"y":null}]},"renewal_date":"2026-01-01 00:00:00"}`,
		`{"id":5,"domain":{"name":"a","name":7,"extension":"com"}}`,
		`{"id":5,"domain":{"name":"b\xffc","extension":"com"}}`,
		`{"id":1e3,"domain":{"name":"a","extension":"com"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		name, id, ok := quickName(raw) // (first: it must not panic on anything)
		if !ok || !json.Valid(raw) {   // (it is handed items of a reply found valid)
			return
		}
		if !jsontext.Value(raw).IsValid() { // (a key sent twice, or bytes that are not UTF-8)
			return
		}
		d, dok := decodeDomain(raw)
		if !dok || d.rec.Invalid != nil && d.rec.Name == "" {
			return // (the full decoding refuses the item: it is not skipped by name alone)
		}
		if d.rec.Name != name || d.id != id {
			t.Fatalf("%s: quickName %q %d, decodeDomain %q %d", raw, name, id, d.rec.Name, d.id)
		}
	})
}

// ListWanted with an expected size requests the first pages, up to the
// concurrency, before any of them has been answered (the simulator holds
// each of them until the whole wave has arrived), and lists exactly what
// List lists whether the expectation is right, too high or too low.
func TestListWantedFirstWave(t *testing.T) {
	gen := opsim.Generate(2500, 4)
	for _, tc := range []struct {
		name          string
		expect, wave  int
		pages         int // listing requests in all
		stopAtFirst   bool
		wantStopError bool
	}{
		{name: "right", expect: 2500, wave: 3, pages: 3},
		{name: "too high", expect: 9000, wave: 4, pages: 4}, // (the concurrency, 4: one page past the end)
		{name: "too low", expect: 1500, wave: 2, pages: 3},
		{name: "unknown", expect: 0, wave: 1, pages: 3},
		{name: "stopped by the first total", expect: 2500, wave: 3, stopAtFirst: true, wantStopError: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := setup(t, opsim.Options{Domains: gen})
			all := map[string]registrar.Record{}
			if err := c.List(context.Background(), nil, func(r registrar.Record) error { all[r.Name] = r; return nil }); err != nil {
				t.Fatal(err)
			}
			before := len(s.Requests())

			// The barrier: each of the first wave's requests waits for all
			// of them to have arrived.
			var (
				mu      stdsync.Mutex
				arrived int
				full    = make(chan struct{})
			)
			s.SetHook(func(r opsim.Request) {
				if r.Method != "GET" || r.Path != "/v1beta/domains" {
					return
				}
				mu.Lock()
				arrived++
				n := arrived
				mu.Unlock()
				if n > tc.wave {
					return
				}
				if n == tc.wave {
					close(full)
				}
				select {
				case <-full:
				case <-time.After(10 * time.Second):
					t.Errorf("only %d of the first wave's %d pages were requested before the first reply", n, tc.wave)
				}
			})
			c2 := newClient(t, s, c.base.String())
			got := map[string]registrar.Record{}
			errStop := errors.New("stop")
			total := -2
			err := c2.ListWanted(context.Background(), func(string) bool { return true }, tc.expect,
				func(n int) { total = n },
				func(r registrar.Record) error {
					if tc.stopAtFirst {
						return errStop
					}
					got[r.Name] = r
					return nil
				})
			if tc.wantStopError {
				if !errors.Is(err, errStop) || total != len(all) {
					t.Fatalf("err %v total %d, want the callback's error after the total %d", err, total, len(all))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, all) || total != len(all) {
				t.Errorf("listed %d domains (total %d), want %d as List lists them", len(got), total, len(all))
			}
			if n := len(s.Requests()) - before; n != 1+tc.pages {
				t.Errorf("%d requests, want a login and %d pages", n, tc.pages)
			}
		})
	}
}

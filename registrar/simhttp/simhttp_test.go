package simhttp

import (
	"net/http"
	"testing"
	"time"
)

type req string

func (r req) Key() string { return string(r) }

func TestMaxIdentical(t *testing.T) {
	tests := []struct {
		in   []req
		key  string
		n    int
		keys int
	}{
		{nil, "", 0, 0},
		{[]req{"b", "a"}, "a", 1, 2},
		{[]req{"b", "a", "b"}, "b", 2, 2},
	}
	for _, tt := range tests {
		k, n := MaxIdentical(tt.in)
		if k != tt.key || n != tt.n || len(CountKeys(tt.in)) != tt.keys {
			t.Errorf("MaxIdentical(%v) = %q %d", tt.in, k, n)
		}
	}
}

func TestStartTB(t *testing.T) {
	u := StartTB(t, "sim", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	resp, err := http.Get(u + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestThrottled(t *testing.T) {
	type r struct {
		req
		status int
	}
	status := func(x r) int { return x.status }
	reqs := []r{{"a", 429}, {"a", 200}, {"a", 429}, {"b", 429}, {"c", 500}}
	if total, maxPer := Throttled(reqs, status); total != 3 || maxPer != 2 {
		t.Errorf("Throttled = %d, %d; want 3, 2", total, maxPer)
	}
	if total, maxPer := Throttled(nil, status); total != 0 || maxPer != 0 {
		t.Errorf("Throttled(nil) = %d, %d", total, maxPer)
	}
}

func TestRateWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var w RateWindow
	for i := range 2 {
		if _, ok := w.Admit(t0.Add(time.Duration(i)*100*time.Millisecond), 2); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	if secs, ok := w.Admit(t0.Add(200*time.Millisecond), 2); ok || secs != 1 {
		t.Errorf("third in the second: %d, %v; want refused, Retry-After 1", secs, ok)
	}
	if _, ok := w.Admit(t0.Add(time.Second), 2); !ok {
		t.Error("a second after the first: refused")
	}
	var unlimited RateWindow
	for range 100 {
		if _, ok := unlimited.Admit(t0, 0); !ok {
			t.Fatal("limit 0 refused a request")
		}
	}
}

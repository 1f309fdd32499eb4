package simhttp

import (
	"net/http"
	"testing"
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

package odrsim

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func sign(key, secret string, ts int64) string {
	in := sha1.Sum([]byte(secret))
	out := sha1.Sum([]byte(key + " " + strconv.FormatInt(ts, 10) + " " + hex.EncodeToString(in[:])))
	return "token$" + hex.EncodeToString(out[:])
}

func post(t *testing.T, url string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

func get(t *testing.T, url, token string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Access-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

func TestLoginWindowAndPaging(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s, url := StartTB(t, Options{APIKey: "public$3f2a9c", APISecret: "secret$7b1e44", Now: func() time.Time { return now }, PerPage: 2,
		Domains: []Domain{{Name: "a.nl", Expiration: "2026-01-01"}, {Name: "b.nl"}, {Name: "c.nl"}}})
	// The test vector is accepted.
	if got := sign("public$3f2a9c", "secret$7b1e44", 1700000000); got != "token$2d5f9846e4573372a968627b713ec090819250b1" {
		t.Fatalf("vector %s", got)
	}
	for ts, want := range map[int64]int{1700000000: 200, 1700000000 - 299: 200, 1700000000 + 301: 401, 1700000000 - 400: 401} {
		code, _, _ := post(t, url+"/user/login/", map[string]any{"api_key": s.APIKey(), "timestamp": ts, "signature": sign(s.APIKey(), s.APISecret(), ts)})
		if code != want {
			t.Errorf("timestamp %d: HTTP %d, want %d", ts, code, want)
		}
	}
	code, m, _ := post(t, url+"/user/login/", map[string]any{"api_key": s.APIKey(), "timestamp": 1700000000, "signature": sign(s.APIKey(), "wrong", 1700000000)})
	if code != 401 || m["status"] != "error" {
		t.Errorf("bad signature: %d %v", code, m)
	}
	_, m, _ = post(t, url+"/user/login/", map[string]any{"api_key": s.APIKey(), "timestamp": "1700000000", "signature": sign(s.APIKey(), s.APISecret(), 1700000000)})
	tok, _ := m["response"].(map[string]any)["token"].(string)
	if tok == "" {
		t.Fatalf("no token: %v", m)
	}
	code, m, h := get(t, url+"/domain/?page=2", tok)
	if code != 200 || h.Get("X-Pagination-TotalPages") != "2" || h.Get("X-Pagination-CurrentPage") != "2" || h.Get("X-Pagination-Next") != "" {
		t.Errorf("page 2: %d %v %v", code, h, m)
	}
	if rows := m["response"].([]any); len(rows) != 1 || rows[0].(map[string]any)["name"] != "c" {
		t.Errorf("page 2 rows %v", rows)
	}
	if code, _, _ := get(t, url+"/domain/a.nl/info/", "token$nope"); code != 401 {
		t.Errorf("unknown token: %d", code)
	}
	now = now.Add(2 * time.Hour)
	if code, _, _ := get(t, url+"/domain/a.nl/info/", tok); code != 401 {
		t.Errorf("expired token: %d", code)
	}
	if s.Count("GET", "/domain/a.nl/info/") != 2 {
		t.Error("request log incomplete")
	}
	s.FailNext(502)
	if code, m, _ := get(t, url+"/domain/", tok); code != 502 || m != nil {
		t.Errorf("FailNext: %d %v", code, m)
	}
}

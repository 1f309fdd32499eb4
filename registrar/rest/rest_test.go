package rest

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/domainsync/domainsync/registrar"
)

func TestCeiling(t *testing.T) {
	tests := []struct{ r, def, want float64 }{
		{-1, 5, math.Inf(1)},
		{0, 5, 5},
		{0, 0.5, 0.5},
		{2, 5, 2},
	}
	for _, tt := range tests {
		if got := Ceiling(tt.r, tt.def); got != tt.want {
			t.Errorf("Ceiling(%g, %g) = %g, want %g", tt.r, tt.def, got, tt.want)
		}
	}
}

func TestSendKey(t *testing.T) {
	a := SendKey("GET", "http://x/a", nil)
	for _, k := range [][32]byte{SendKey("POST", "http://x/a", nil), SendKey("GET", "http://x/a", []byte("b")), SendKey("GET", "http://x/b", nil)} {
		if k == a {
			t.Error("different requests share a key")
		}
	}
	if SendKey("GET", "http://x/a", []byte{}) != a {
		t.Error("nil and empty body differ")
	}
}

func TestLatchKeepsFirst(t *testing.T) {
	var l Latch
	first, second := errors.New("first"), errors.New("second")
	if l.Err() != nil || l.Set(first) != first || l.Set(second) != first || l.Err() != first {
		t.Errorf("latch = %v, want first", l.Err())
	}
}

func newTransport(t *testing.T, h http.HandlerFunc) *Transport {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return New(Config{Registrar: "test", Base: u, HTTP: srv.Client(),
		Concurrency: 2, Timeout: 5 * time.Second, Backoff: time.Millisecond, UserAgent: "ua", MaxBody: 100})
}

// A transient failure is retried twice, then the third send's error is returned.
func TestSendRetriesTransient(t *testing.T) {
	var hits atomic.Int32
	tr := newTransport(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("X-Token") != "tok" || r.Header.Get("User-Agent") != "ua" {
			t.Errorf("headers %v", r.Header)
		}
		w.WriteHeader(500)
	})
	sends := 0
	err := tr.Send(context.Background(), Request{Method: "GET", Path: "/a", Header: http.Header{"X-Token": {"tok"}}, OnSend: func() { sends++ }},
		func(r *Reply) (error, Outcome) { return errors.New("bad"), transientIf(r.Status >= 500) })
	if err == nil || hits.Load() != 3 || sends != 3 {
		t.Fatalf("err %v, hits %d, sends %d", err, hits.Load(), sends)
	}
	if st := tr.Stats(); st.Requests != 3 || st.Retries != 2 || st.Blocked != 0 {
		t.Errorf("stats %+v", st)
	}
	// The identical request was sent three times: a fourth is refused unsent.
	err = tr.Send(context.Background(), Request{Method: "GET", Path: "/a", Domain: "a.nl"}, func(*Reply) (error, Outcome) { return nil, Final })
	if registrar.KindOf(err) != registrar.KindUnavailable || hits.Load() != 3 || tr.Stats().Blocked != 1 {
		t.Errorf("fourth send: err %v, hits %d", err, hits.Load())
	}
}

// A non-transient error is not retried; an oversized reply is refused; the
// latch stops every later send.
func TestSendNoRetryOversizeLatch(t *testing.T) {
	var hits atomic.Int32
	tr := newTransport(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/big" {
			w.Write(make([]byte, 101))
		}
	})
	ok := func(*Reply) (error, Outcome) { return nil, Final }
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/x"}, func(*Reply) (error, Outcome) { return errors.New("no"), Final }); err == nil || hits.Load() != 1 {
		t.Errorf("err %v hits %d", err, hits.Load())
	}
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/big"}, ok); registrar.KindOf(err) != registrar.KindInvalidReply {
		t.Errorf("oversized: %v", err)
	}
	stop := errors.New("stop")
	tr.Latch.Set(stop)
	if err := tr.Send(context.Background(), Request{Method: "GET", Path: "/y"}, ok); err != stop || hits.Load() != 2 {
		t.Errorf("after latch: %v hits %d", err, hits.Load())
	}
}

// A refused connection is a transient KindUnavailable error without a secret.
func TestSendTransportError(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1")
	tr := New(Config{Registrar: "test", Base: u, HTTP: http.DefaultClient,
		Concurrency: 1, Timeout: time.Second, Backoff: time.Millisecond, MaxBody: 10})
	err := tr.Send(context.Background(), Request{Method: "GET", Path: "/p", Domain: "a.nl"}, func(*Reply) (error, Outcome) { return nil, Final })
	var re *registrar.Error
	if !errors.As(err, &re) || re.Kind != registrar.KindUnavailable || re.Domain != "a.nl" || re.Err != nil || tr.Stats().Requests != 3 {
		t.Errorf("err %#v, stats %+v", err, tr.Stats())
	}
}

func TestLookupFanOut(t *testing.T) {
	var calls atomic.Int32
	out, err := Lookup(context.Background(), "test", 2, []string{"a.nl", "A.nl", "", "x.nl", "a.nl"},
		func(raw, ascii string) error {
			if ascii == "x.nl" {
				return errors.New("refused")
			}
			return nil
		},
		func(_ context.Context, ascii string) (registrar.Result, error) {
			calls.Add(1)
			return registrar.Result{Found: true, Record: registrar.Record{Name: ascii}}, nil
		})
	if err != nil || calls.Load() != 1 || len(out) != 4 {
		t.Fatalf("out %v err %v calls %d", out, err, calls.Load())
	}
	if !out["a.nl"].Found || !out["A.nl"].Found || out[""].Err == nil || out["x.nl"].Err == nil {
		t.Errorf("out %v", out)
	}
	stop := errors.New("stop")
	out, err = Lookup(context.Background(), "test", 2, []string{"a.nl", "b.nl"}, nil,
		func(context.Context, string) (registrar.Result, error) { return registrar.Result{}, stop })
	if err != stop || out != nil {
		t.Errorf("stopping error: %v %v", out, err)
	}
}

func transientIf(b bool) Outcome {
	if b {
		return Transient
	}
	return Final
}

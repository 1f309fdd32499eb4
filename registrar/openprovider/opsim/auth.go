package opsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// throttle applies Options.RateLimit: ok is false, with a 429 reply, when
// RateLimit requests were already let through in the last second.
func (s *Server) throttle() (rp reply, ok bool) {
	now := s.opts.Now()
	s.mu.Lock()
	secs, ok := s.window.Admit(now, s.opts.RateLimit)
	s.mu.Unlock()
	if ok {
		return reply{}, true
	}
	return reply{status: http.StatusTooManyRequests, code: -1,
		body:   []byte("Too Many Requests\n"),
		header: http.Header{"Retry-After": {strconv.Itoa(secs)}}}, false
}

// login answers POST /v1beta/auth/login. The body is JSON with or without
// a Content-Type.
func (s *Server) login(body []byte, f Faults) reply {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		IP       string `json:"ip"`
	}
	now := s.opts.Now()
	s.mu.Lock()
	if s.opts.LoginLimit > 0 {
		recent := s.logins[:0]
		for _, t := range s.logins {
			if now.Sub(t) < time.Minute {
				recent = append(recent, t)
			}
		}
		s.logins = append(recent, now)
		if len(s.logins) > s.opts.LoginLimit {
			s.mu.Unlock()
			return s.fail(s.opts.ErrorStatus, 50, "Calls limit has been reached", false)
		}
	}
	s.mu.Unlock()
	if json.Unmarshal(body, &req) != nil || req.Username != s.opts.Username || req.Password != s.opts.Password {
		return s.fail(s.opts.AuthFailStatus, 196, "Authentication/Authorization Failed", false)
	}
	var raw [16]byte
	rand.Read(raw[:])
	token := hex.EncodeToString(raw[:])
	s.mu.Lock()
	s.tokens[token] = now.Add(s.opts.TokenTTL)
	s.calls[token] = 0
	s.mu.Unlock()
	return s.ok(struct {
		Token      string `json:"token"`
		ResellerID int64  `json:"reseller_id"`
	}{token, s.opts.ResellerID}, f)
}

// authorize checks the bearer token: missing, unknown or expired → 196.
func (s *Server) authorize(r *http.Request) (reply, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[token]
	valid := ok && known && s.opts.Now().Before(exp)
	if valid && s.opts.TokenCalls > 0 {
		if s.calls[token] >= s.opts.TokenCalls {
			valid = false
			delete(s.tokens, token)
		}
		s.calls[token]++
	}
	s.mu.Unlock()
	if !valid {
		return s.fail(s.opts.AuthFailStatus, 196, "Authentication/Authorization Failed", false), false
	}
	return reply{}, true
}

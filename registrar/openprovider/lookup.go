package openprovider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/rest"
)

// Lookup implements registrar.Registrar. Each name is looked up with
// domain_name_pattern + extension (exact, no wildcard), at most Concurrency
// at a time. A name that is not among the live domains is looked up again
// with is_deleted=true to fill DeletedRecord. The first error that stops the
// run (auth, access denied, rate limit, maintenance) cancels the remaining
// lookups and is the one error returned, with a nil map. A lookup that
// still fails after its retries (unreachable, 5xx) fails only its name:
// Result.Err, for which registrar.NotRead holds.
func (c *Client) Lookup(ctx context.Context, names []string) (map[string]registrar.Result, error) {
	return c.lookup(ctx, names, false)
}

// LookupMissing implements sync.MissingLooker: Lookup, with the search
// among the deleted domains sent beside the live one instead of after it.
// The results are Lookup's; a name found live costs one request more. A
// sync run uses it for the names a complete live listing did not hold.
func (c *Client) LookupMissing(ctx context.Context, names []string) (map[string]registrar.Result, error) {
	return c.lookup(ctx, names, true)
}

// lookup is Lookup; together: LookupMissing.
func (c *Client) lookup(ctx context.Context, names []string, together bool) (map[string]registrar.Result, error) {
	if err := c.Login(ctx); err != nil {
		return nil, err
	}
	// Names that normalize to the same ASCII name (bücher.de and
	// xn--bcher-kva.de) are looked up once.
	return rest.Lookup(ctx, Name, c.conc, names, func(raw, ascii string) error {
		if strings.ContainsAny(ascii, "*?") {
			return fmt.Errorf("domain name %q contains a wildcard character", raw)
		}
		return nil
	}, func(ctx context.Context, ascii string) (registrar.Result, error) {
		return c.lookupOne(ctx, ascii, together)
	})
}

// lookupOne looks up one normalized ASCII name. A returned error stops the
// run; per-domain failures are in Result.Err. together sends the search
// among the deleted domains at once beside the live one (and waits for
// both) rather than only when the live one found nothing.
func (c *Client) lookupOne(ctx context.Context, ascii string, together bool) (registrar.Result, error) {
	sld, ext, _ := strings.Cut(ascii, ".")
	searchDeleted := func() (searchResult, error) { return c.search(ctx, ascii, sld, ext, true) }
	if together {
		var dres searchResult
		var derr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			dres, derr = c.search(ctx, ascii, sld, ext, true)
		}()
		defer func() { <-done }() // no request outlives the lookup
		searchDeleted = func() (searchResult, error) { <-done; return dres, derr }
	}

	live, err := c.search(ctx, ascii, sld, ext, false)
	if err != nil {
		if registrar.IsAccountLevel(err) || ctx.Err() != nil {
			return registrar.Result{}, err
		}
		return registrar.Result{Err: err}, nil
	}
	if dup := duplicateLive(live.matches); dup != nil {
		return registrar.Result{Err: &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: ascii, Message: dup.Error()}}, nil
	}
	if best, ok := pick(live.matches, false); ok {
		return registrar.Result{Record: best, Found: true, Err: best.Invalid}, nil
	}
	if live.unusable != nil {
		return registrar.Result{Err: live.unusable}, nil
	}

	// Not among the live domains: is it a deleted one? The normal search
	// may already have returned it marked is_deleted.
	if best, ok := pick(live.matches, true); ok {
		return registrar.Result{DeletedRecord: &best}, nil
	}
	deleted, err := searchDeleted()
	if err != nil {
		if registrar.IsAccountLevel(err) || ctx.Err() != nil {
			return registrar.Result{}, err
		}
		// The name is not live; only the explanation failed.
		return registrar.Result{Err: err}, nil
	}
	if best, ok := pick(deleted.matches, true); ok {
		return registrar.Result{DeletedRecord: &best}, nil
	}
	if deleted.unusable != nil {
		return registrar.Result{Err: deleted.unusable}, nil
	}
	return registrar.Result{}, nil
}

// searchResult holds the exact-name matches of a search.
type searchResult struct {
	matches []decoded
	// unusable is set when the reply held an item that could not be tied
	// to a name: "not found" must then not be concluded.
	unusable error
}

// search sends GET /v1beta/domains?domain_name_pattern=…&extension=…
// (with is_deleted=true for deleted domains) and keeps exact matches.
func (c *Client) search(ctx context.Context, ascii, sld, ext string, deleted bool) (searchResult, error) {
	q := url.Values{}
	q.Set("domain_name_pattern", sld)
	q.Set("extension", ext)
	if deleted {
		q.Set("is_deleted", "true")
	}
	env, err := c.call(ctx, request{kind: kindList, method: http.MethodGet, path: "/v1beta/domains", query: q, domain: ascii})
	if err != nil {
		return searchResult{}, err
	}
	ld, err := decodeListData(env.Data)
	if err != nil {
		return searchResult{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: ascii, Message: err.Error()}
	}
	var sr searchResult
	for i, raw := range ld.Items {
		d, ok := decodeDomain(raw)
		switch {
		case !ok:
			sr.unusable = &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: ascii,
				Message: fmt.Sprintf("result %d is not a domain object: %s", i, clip(raw))}
		case d.rec.Name == ascii:
			sr.matches = append(sr.matches, d)
		case d.rec.Name == "":
			sr.unusable = &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: ascii,
				Message: fmt.Sprintf("result %d has no usable name: %v", i, d.rec.Invalid)}
		}
	}
	return sr, nil
}

// pick chooses among exact matches: deleted ones when deleted is true,
// live ones otherwise; decodable before invalid, ACT first, newest id.
// duplicateLive reports two live (not deleted, not failed) records with
// different ids for one name: which one is right cannot be decided, so
// nothing may be written from either (the listing reports the same).
func duplicateLive(ms []decoded) error {
	var first *decoded
	for i := range ms {
		d := &ms[i]
		if d.rec.Deleted || d.rec.StatusCode == "FAI" {
			continue
		}
		if first == nil {
			first = d
			continue
		}
		if d.id != first.id {
			return fmt.Errorf("the registrar holds %s twice (ids %d and %d); nothing written", d.rec.Name, first.id, d.id)
		}
	}
	return nil
}

func pick(ms []decoded, deleted bool) (registrar.Record, bool) {
	best := -1
	score := func(d decoded) int {
		s := 0
		if d.rec.Invalid == nil {
			s += 2
		}
		if d.rec.StatusCode == "ACT" {
			s++
		}
		return s
	}
	for i, d := range ms {
		if d.rec.Deleted != deleted {
			continue
		}
		if best < 0 || score(d) > score(ms[best]) || (score(d) == score(ms[best]) && d.id > ms[best].id) {
			best = i
		}
	}
	if best < 0 {
		return registrar.Record{}, false
	}
	return ms[best].rec, true
}

// Get fetches one domain by its Openprovider id (GET /v1beta/domains/{id}).
// An id that is not in the account is a KindNotFound error (code 320).
func (c *Client) Get(ctx context.Context, id int64) (registrar.Record, error) {
	label := "id " + strconv.FormatInt(id, 10)
	if id <= 0 {
		return registrar.Record{}, &registrar.Error{Kind: registrar.KindOther, Registrar: Name, Domain: label, Message: "field id: not a positive domain id"}
	}
	env, err := c.call(ctx, request{kind: kindGet, method: http.MethodGet, path: "/v1beta/domains/" + strconv.FormatInt(id, 10), domain: label})
	if err != nil {
		return registrar.Record{}, err
	}
	d, ok := decodeDomain(env.Data)
	if !ok {
		return registrar.Record{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label, Message: "reply data is not a domain object"}
	}
	if d.id != 0 && d.id != id {
		return registrar.Record{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label,
			Message: fmt.Sprintf("reply is about domain id %d", d.id)}
	}
	return d.rec, nil
}

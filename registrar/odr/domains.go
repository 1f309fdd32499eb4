package odr

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/domainsync/domainsync/registrar"
	"github.com/domainsync/domainsync/registrar/rest"
)

// Info reads one domain: GET /domain/{name}/info/. A domain the registrar
// says is not there is a KindNotFound error. A reply whose fields could not
// all be decoded is returned with rec.Invalid set.
func (c *Client) Info(ctx context.Context, name string) (registrar.Record, error) {
	ascii, _, err := registrar.NormalizeName(name)
	if err != nil {
		return registrar.Record{}, &registrar.Error{Kind: registrar.KindOther, Registrar: Name, Domain: name, Message: err.Error()}
	}
	rp, err := c.call(ctx, request{method: http.MethodGet, path: "/domain/" + url.PathEscape(ascii) + "/info/", domain: ascii})
	if err != nil {
		return registrar.Record{}, err
	}
	rec, _, ok := decodeDomain(rp.Response, ascii)
	if !ok {
		return registrar.Record{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: ascii,
			Message: "reply response is not a domain object: " + clip(rp.Response)}
	}
	if rec.Name != ascii {
		return registrar.Record{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: ascii,
			Message: fmt.Sprintf("field name: the reply is about %q", rec.Name)}
	}
	return rec, nil
}

// Lookup implements registrar.Registrar: one info call per name, at most
// Concurrency at a time. A domain the info call returns is found, whatever
// its status: a DELETED one is found with that status (ODR has no separate
// namespace of deleted domains, so the status is the domain's status and
// maps through the status map like any other). Only a name ODR does not
// return at all is not found. The first run-stopping (account-level) error
// cancels the rest and is the one error returned, with a nil map; a lookup
// that still fails after its retries fails only its name
// (registrar.NotRead).
func (c *Client) Lookup(ctx context.Context, names []string) (map[string]registrar.Result, error) {
	if err := c.Login(ctx); err != nil {
		return nil, err
	}
	return rest.Lookup(ctx, Name, c.conc, names, nil, func(ctx context.Context, ascii string) (registrar.Result, error) {
		var res registrar.Result
		rec, err := c.Info(ctx, ascii)
		switch {
		case err != nil && (registrar.IsAccountLevel(err) || ctx.Err() != nil):
			return res, err
		case registrar.KindOf(err) == registrar.KindNotFound:
			// not found: the zero Result
		case err != nil:
			res.Err = err
		default:
			res = registrar.Result{Record: rec, Found: true, Err: rec.Invalid}
		}
		return res, nil
	})
}

// Page is one page of the listing with what its X-Pagination-* headers say.
type Page struct {
	Records    []registrar.Record
	Current    int // X-Pagination-CurrentPage (the page asked for when not sent)
	TotalPages int // X-Pagination-TotalPages (1 when not sent)
	PerPage    int // X-Pagination-PerPage (0 when not sent)
	HasNext    bool
}

// ListPage fetches one page (from 1) of GET /domain/?page=N&o[id]=ASC.
func (c *Client) ListPage(ctx context.Context, page int) (Page, error) {
	return c.listPage(ctx, page, nil, "")
}

// listPage fetches one page of the listing with extra query parameters
// (filters, e.g. filter[contact]); label names what is listed in errors
// ("" for the whole portfolio).
func (c *Client) listPage(ctx context.Context, page int, filter url.Values, label string) (Page, error) {
	if page < 1 {
		return Page{}, fmt.Errorf("odr: page %d: pages start at 1", page)
	}
	q := url.Values{}
	for k, vs := range filter {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("page", strconv.Itoa(page))
	q.Set("o[id]", "ASC")
	rp, err := c.call(ctx, request{method: http.MethodGet, path: "/domain/", query: q, domain: label})
	if err != nil {
		return Page{}, err
	}
	p, err := pageInfo(rp.header, page)
	if err != nil {
		return Page{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label, Message: fmt.Sprintf("page %d: %v", page, err)}
	}
	rows, err := decodeList(rp.Response)
	if err != nil {
		return Page{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label, Message: fmt.Sprintf("page %d: %v", page, err)}
	}
	p.Records = make([]registrar.Record, 0, len(rows))
	for i, raw := range rows {
		rec, _, ok := decodeDomain(raw, "")
		if !ok {
			return Page{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label,
				Message: fmt.Sprintf("page %d: row %d is not a domain object: %s", page, i, clip(raw))}
		}
		p.Records = append(p.Records, rec)
	}
	return p, nil
}

// pageInfo reads the X-Pagination-* headers. Without them the reply is the
// only page. A page number other than the one asked for is an error.
func pageInfo(h http.Header, asked int) (Page, error) {
	p := Page{Current: asked, TotalPages: 1}
	num := func(name string) (int, bool, error) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, false, fmt.Errorf("header %s: %q is not a page count", name, v)
		}
		return n, true, nil
	}
	var err error
	var ok bool
	var n int
	if n, ok, err = num("X-Pagination-CurrentPage"); err != nil {
		return p, err
	} else if ok {
		if n != asked {
			return p, fmt.Errorf("header X-Pagination-CurrentPage: %d, but page %d was asked for", n, asked)
		}
	}
	if n, ok, err = num("X-Pagination-TotalPages"); err != nil {
		return p, err
	} else if ok {
		p.TotalPages = n
	}
	if n, ok, err = num("X-Pagination-PerPage"); err != nil {
		return p, err
	} else if ok {
		p.PerPage = n
	}
	if p.TotalPages > maxPages {
		return p, fmt.Errorf("header X-Pagination-TotalPages: %d is more than %d", p.TotalPages, maxPages)
	}
	p.HasNext = asked < p.TotalPages || (h.Get("X-Pagination-Next") != "" && h.Get("X-Pagination-TotalPages") == "")
	return p, nil
}

// List implements registrar.Registrar: it reads every page in id order,
// following the X-Pagination-* headers, and streams each domain once
// (de-duplicated by id, then name). total is reported after the first page:
// exact when there is one page, else -1 (ODR sends no record count). A
// page that still fails after its retries, when the first page announced
// the page count, is skipped: the others are read and the listing returns
// a registrar.PartialListError.
func (c *Client) List(ctx context.Context, total func(int), fn func(registrar.Record) error) error {
	if fn == nil {
		fn = func(registrar.Record) error { return nil }
	}
	if err := c.Login(ctx); err != nil {
		return err
	}
	seen := map[string]bool{}
	pages := 0 // the page count the first page announced (0 = not known)
	var partial *registrar.PartialListError
	for page := 1; ; page++ {
		p, err := c.ListPage(ctx, page)
		if err != nil {
			// A page that still fails after its retries is skipped when
			// the page count is known: the other pages are read, and the
			// listing ends with a PartialListError.
			if pages == 0 || registrar.IsAccountLevel(err) || ctx.Err() != nil {
				return err
			}
			c.log.Warn("odr: a listing page could not be read; reading the others", "page", page, "error", err.Error())
			if partial == nil {
				partial = &registrar.PartialListError{Registrar: Name, Err: err}
			}
			partial.Pages++
			if page >= pages {
				return partial
			}
			continue
		}
		if page == 1 {
			if p.HasNext {
				pages = p.TotalPages
			}
			if total != nil {
				if p.HasNext {
					total(-1)
				} else {
					total(len(p.Records))
				}
			}
		}
		for _, rec := range p.Records {
			key := "id:" + rec.ID
			if rec.ID == "" {
				key = "name:" + rec.Name
			}
			if rec.ID == "" && rec.Name == "" {
				key = ""
			}
			if key != "" {
				if seen[key] {
					continue
				}
				seen[key] = true
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if !p.HasNext || len(p.Records) == 0 || page >= maxPages {
			if partial != nil {
				return partial
			}
			return nil
		}
	}
}

// SetAutoRenew implements registrar.Registrar: PUT /domain/{name}/renew-on/
// or renew-off/ (no body). A reply with "result": false is a refusal.
func (c *Client) SetAutoRenew(ctx context.Context, rec registrar.Record, renew bool) error {
	ascii, err := recName(rec)
	if err != nil {
		return err
	}
	action := "renew-off"
	if renew {
		action = "renew-on"
	}
	rp, err := c.call(ctx, request{method: http.MethodPut, path: "/domain/" + url.PathEscape(ascii) + "/" + action + "/", domain: ascii})
	if err != nil {
		return err
	}
	var r struct {
		Result *bool `json:"result"`
	}
	if json.Unmarshal(rp.Response, &r) == nil && r.Result != nil && !*r.Result {
		return &registrar.Error{Kind: registrar.KindRefused, Registrar: Name, Domain: ascii, Message: action + ": the reply says result false"}
	}
	return nil
}

// SetPrivacy implements registrar.Registrar: ODR has no WHOIS privacy, so
// it is always a per-domain refusal and sends nothing.
func (c *Client) SetPrivacy(ctx context.Context, rec registrar.Record, enabled bool) error {
	return &registrar.Error{Kind: registrar.KindRefused, Registrar: Name, Domain: rec.Name, Message: "WHOIS privacy is not supported by ODR"}
}

func recName(rec registrar.Record) (string, error) {
	ascii, _, err := registrar.NormalizeName(rec.Name)
	if err != nil {
		return "", &registrar.Error{Kind: registrar.KindOther, Registrar: Name, Domain: rec.Name, Message: "field name: " + err.Error()}
	}
	return ascii, nil
}

var _ registrar.Registrar = (*Client)(nil)

package openprovider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/domainsync/domainsync/registrar"
)

// ListPage fetches one page of the portfolio: GET /v1beta/domains with
// limit, offset and order_by.id=asc. total is the number of all live
// domains the reply reports (-1 when it sent none). Records that could not
// be decoded completely are returned with Invalid set; an item that is not
// a domain object at all fails the page.
func (c *Client) ListPage(ctx context.Context, offset, limit int) (records []registrar.Record, total int, err error) {
	ds, total, err := c.page(ctx, offset, limit, listing{})
	if err != nil {
		return nil, 0, err
	}
	records = make([]registrar.Record, len(ds))
	for i, d := range ds {
		records[i] = d.rec
	}
	return records, total, nil
}

// listing says which listing is read: the live portfolio, or the deleted
// domains (is_deleted=true); want, when set, names the domains the caller
// needs (ASCII names): the others are only counted and de-duplicated, not
// decoded in full (see quickName).
type listing struct {
	deleted bool
	want    func(name string) bool
	// expect, when above one page, is how many domains the caller expects
	// the listing to hold: the first wave of pages (up to Concurrency)
	// is requested at once with the first page, instead of after its
	// total has come back (one round trip less). Pages past the real end
	// come back empty; a real total above it is read as before.
	expect int
}

// page fetches one page of the listing lst.
func (c *Client) page(ctx context.Context, offset, limit int, lst listing) ([]decoded, int, error) {
	deleted := lst.deleted
	if limit < 1 || limit > PageSize || offset < 0 {
		return nil, 0, fmt.Errorf("openprovider: page offset %d, limit %d: limit must be 1..%d and offset not negative", offset, limit, PageSize)
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	q.Set("order_by.id", "asc")
	if deleted {
		q.Set("is_deleted", "true")
	}
	env, err := c.call(ctx, request{kind: kindList, method: http.MethodGet, path: "/v1beta/domains", query: q})
	if err != nil {
		return nil, 0, err
	}
	// Each result is decoded as it is read (eachListItem): the page's raw
	// items are not held besides the reply.
	ds := make([]decoded, 0, limit)
	total, err := eachListItem(env.Data, func(raw json.RawMessage) error {
		if lst.want != nil {
			if name, id, ok := quickName(raw); ok && !lst.want(name) {
				ds = append(ds, decoded{id: id, skip: true})
				return nil
			}
		}
		d, ok := decodeDomain(raw)
		if !ok {
			return fmt.Errorf("result %d is not a domain object: %s", len(ds), clip(raw))
		}
		ds = append(ds, d)
		return nil
	})
	if err != nil {
		return nil, 0, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name,
			Message: fmt.Sprintf("page at offset %d: %v", offset, err)}
	}
	return ds, total, nil
}

// List implements registrar.Registrar. It pages through the portfolio with
// limit=1000 and order_by.id=asc: the first page gives total, the others are
// fetched at most Concurrency at a time and streamed to fn in page (id)
// order, de-duplicated by id. The listing can change while it is read: a
// domain added shifts later items forward (a duplicate, dropped) and a
// domain removed shifts them back (one item skipped). So when the totals of
// the pages differ, or the number of distinct domains seen differs from the
// last total, the portfolio is read once more and the domains not seen yet
// are streamed after the others. A page after the first that still fails
// after its retries is skipped: the other pages are read and streamed, the
// portfolio is not read once more (the count cannot match), and List
// returns a registrar.PartialListError.
func (c *Client) List(ctx context.Context, total func(int), fn func(registrar.Record) error) error {
	return c.list(ctx, listing{}, total, fn)
}

// ListWanted is List streaming only the domains whose ASCII name want
// accepts, and the records it cannot tell a name of cheaply (invalid or
// unnamed ones, Unicode names): the others are counted and de-duplicated
// like every record but not decoded in full, which is most of a listing's
// cost when a run needs a few names of a large portfolio.
//
// expect (0: unknown) is how many domains the caller expects the listing
// to hold (say, the WHMCS domains of the registrar): with more than one
// page's worth, the first pages, up to Concurrency, are requested at once
// with the first one rather than after its total has come back. They are
// not wasted unless the first page's total makes the caller stop (fn
// returning an error): then those still in flight are cancelled.
func (c *Client) ListWanted(ctx context.Context, want func(name string) bool, expect int, total func(int), fn func(registrar.Record) error) error {
	return c.list(ctx, listing{want: want, expect: expect}, total, fn)
}

// ListDeletedWanted is ListDeleted with ListWanted's filter.
func (c *Client) ListDeletedWanted(ctx context.Context, want func(name string) bool, total func(int), fn func(registrar.Record) error) error {
	return c.list(ctx, listing{deleted: true, want: want}, total, fn)
}

// ListDeleted streams the deleted domains of the account (the listing with
// is_deleted=true), paged and de-duplicated like List. A run that lists the
// live portfolio uses it to explain the names the live listing does not
// hold, instead of two searches per name (see sync.DeletedLister).
func (c *Client) ListDeleted(ctx context.Context, total func(int), fn func(registrar.Record) error) error {
	return c.list(ctx, listing{deleted: true}, total, fn)
}

func (c *Client) list(ctx context.Context, lst listing, total func(int), fn func(registrar.Record) error) error {
	if fn == nil {
		fn = func(registrar.Record) error { return nil }
	}
	if err := c.Login(ctx); err != nil {
		return err
	}
	// The first wave: the first page, and with an expected size the pages
	// after it up to the concurrency, handed over in order. The first
	// page's total starts the totals; a first page that fails fails the
	// listing, a later one is skipped (sweep).
	offsets := []int{0}
	for off := PageSize; off < lst.expect && len(offsets) < c.conc; off += PageSize {
		offsets = append(offsets, off)
	}
	em := &emitter{ids: map[int64]struct{}{}, names: map[string]struct{}{}, fn: fn}
	var (
		tr      totals
		t0      int
		lastLen int // records on the last page of the wave
		handed  int
	)
	err := c.fetchPages(ctx, lst, offsets, func(ds []decoded, t int, perr error) error {
		handed++
		if handed == 1 {
			if perr != nil {
				return perr
			}
			t0, tr = t, totals{first: t, last: t, max: t}
			if total != nil {
				total(t)
			}
		} else if !tr.page(t, perr) {
			return nil
		}
		lastLen = len(ds)
		return em.emit(ds)
	})
	if err != nil {
		return err
	}
	next := offsets[len(offsets)-1] + PageSize
	if t0 < 0 {
		// No total: read pages one by one until a short one.
		for n := lastLen; n == PageSize && tr.partial == nil; next += PageSize {
			ds, _, err := c.page(ctx, next, PageSize, lst)
			if err != nil {
				return err
			}
			if err := em.emit(ds); err != nil {
				return err
			}
			n = len(ds)
		}
		if tr.partial != nil {
			return tr.partial
		}
		return nil
	}

	if err := c.sweep(ctx, lst, next, &tr, em); err != nil {
		return err
	}
	if tr.partial != nil {
		c.log.Warn("openprovider: some listing pages could not be read; the others were", "pages", tr.partial.Pages,
			"error", tr.partial.Err.Error())
		return tr.partial
	}
	if tr.changed || em.count != tr.last {
		c.log.Info("openprovider: the portfolio changed while it was listed; reading it once more",
			"first_total", t0, "last_total", tr.last, "seen", em.count)
		again := totals{first: tr.last, last: tr.last, max: tr.last}
		if err := c.sweep(ctx, lst, 0, &again, em); err != nil {
			return err
		}
		if again.partial != nil {
			return again.partial
		}
		if again.changed || em.count < again.last {
			c.log.Warn("openprovider: the portfolio kept changing while it was listed",
				"total", again.last, "seen", em.count)
		}
	}
	return nil
}

// totals tracks the totals the pages of one sweep reported, and the pages
// it could not read.
type totals struct {
	first, last, max int
	changed          bool
	partial          *registrar.PartialListError
}

// page records a page after the first of a sweep: its total, or the
// error it still failed with (then it is skipped: false).
func (t *totals) page(total int, err error) bool {
	if err != nil {
		if t.partial == nil {
			t.partial = &registrar.PartialListError{Registrar: Name, Err: err}
		}
		t.partial.Pages++
		return false
	}
	t.add(total)
	return true
}

func (t *totals) add(n int) {
	if n < 0 {
		return
	}
	if n != t.first {
		t.changed = true
	}
	t.last = n
	t.max = max(t.max, n)
}

// sweep reads the pages from offset from up to the highest total seen,
// streaming them in order; pages beyond the first plan are added when a
// later total is higher.
func (c *Client) sweep(ctx context.Context, lst listing, from int, tr *totals, em *emitter) error {
	next := from
	for round := 0; next < tr.max && round < 10; round++ {
		var offsets []int
		for off := next; off < tr.max; off += PageSize {
			offsets = append(offsets, off)
		}
		next = offsets[len(offsets)-1] + PageSize
		err := c.fetchPages(ctx, lst, offsets, func(ds []decoded, t int, perr error) error {
			if !tr.page(t, perr) {
				return nil
			}
			return em.emit(ds)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fetchPages fetches the pages at offsets with bounded concurrency and
// hands them to each in offset order; a page that still failed after its
// retries is handed over as its error, unless the error stops the run
// (account-level), which ends fetchPages. At most 2×Concurrency pages are
// held in memory. It returns after every request it started has finished.
func (c *Client) fetchPages(ctx context.Context, lst listing, offsets []int, each func([]decoded, int, error) error) error {
	type result struct {
		ds    []decoded
		total int
		err   error
		slot  bool // holds a window slot
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan result, len(offsets))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	window := semaphore.NewWeighted(int64(2 * c.conc))
	done := make(chan struct{})
	go func() {
		defer close(done)
		var g errgroup.Group
		g.SetLimit(c.conc)
		for i, off := range offsets {
			if err := window.Acquire(ctx, 1); err != nil {
				for _, ch := range results[i:] {
					ch <- result{err: err}
				}
				break
			}
			g.Go(func() error {
				ds, t, err := c.page(ctx, off, PageSize, lst)
				results[i] <- result{ds, t, err, true}
				return nil
			})
		}
		g.Wait()
	}()
	defer func() { cancel(); <-done }()
	for i := range offsets {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.slot {
			window.Release(1)
		}
		if r.err != nil && (registrar.IsAccountLevel(r.err) || !r.slot || ctx.Err() != nil) {
			return r.err
		}
		if err := each(r.ds, r.total, r.err); err != nil {
			return err
		}
	}
	return nil
}

// emitter streams records to fn once per domain id (a record without an id,
// which is Invalid, once per name). Only the ids are kept, as int64: the
// records themselves are not held.
type emitter struct {
	ids   map[int64]struct{}
	names map[string]struct{}
	count int
	fn    func(registrar.Record) error
}

func (e *emitter) emit(ds []decoded) error {
	for _, d := range ds {
		switch {
		case d.id > 0:
			if _, dup := e.ids[d.id]; dup {
				continue
			}
			e.ids[d.id] = struct{}{}
		case d.rec.Name != "":
			if _, dup := e.names[d.rec.Name]; dup {
				continue
			}
			e.names[d.rec.Name] = struct{}{}
		}
		e.count++
		if d.skip {
			continue // not wanted: counted, not streamed
		}
		if err := e.fn(d.rec); err != nil {
			return err
		}
	}
	return nil
}

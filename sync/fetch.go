package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/domainsync/domainsync/registrar"
)

// ReadStrategy is how a run reads the registrar: per-name lookups or the
// paged portfolio listing.
type ReadStrategy string

const (
	ReadLookup ReadStrategy = "lookup" // one search per domain, Concurrency at a time
	ReadList   ReadStrategy = "list"   // the portfolio, one page per PageSize domains
)

// ReadStrategyEnv is a hidden knob for benchmarks: "lookup" or "list"
// forces that strategy (--all always lists). The benchmark harness sets
// DOMAINSYNC_READ_STRATEGY=lookup with registrar concurrency 1 to reproduce
// the old DomainSync.php access pattern (one lookup per domain, in
// sequence). Any other value means "choose from the numbers".
const ReadStrategyEnv = "DOMAINSYNC_READ_STRATEGY"

// ReadCapacity is implemented by registrar clients that can list their
// portfolio in pages; the read strategy is chosen from these numbers. A
// registrar without it is read with lookups (and listed only for --all).
type ReadCapacity interface {
	// Concurrency is the number of requests the client sends at once.
	Concurrency() int
	// ListPageSize is the number of domains one listing request returns.
	ListPageSize() int
}

// DeletedLister is implemented by registrar clients that can list the
// domains deleted at the registrar in pages, as they list the live
// portfolio. A run that lists explains the names the live listing does not
// hold from it, instead of looking each one up.
type DeletedLister interface {
	// ListDeleted streams the deleted domains; total is reported before
	// the first record (-1 when unknown).
	ListDeleted(ctx context.Context, total func(int), fn func(registrar.Record) error) error
}

// MissingLooker is implemented by registrar clients whose Lookup searches
// the live domains first and the deleted ones only for a name not found
// live (two round trips in a row). LookupMissing returns the same results
// but sends both searches of a name at once: for the names a complete live
// listing did not hold, the live search almost always finds nothing, so
// both are sent either way, and one round trip is saved.
type MissingLooker interface {
	LookupMissing(ctx context.Context, names []string) (map[string]registrar.Result, error)
}

// WantedLister is implemented by registrar clients that can list their
// portfolio streaming only the domains a run needs (by ASCII name), plus
// every record whose name they cannot tell cheaply; the others are not
// decoded in full. A batch of 200 from a 10,000-domain portfolio needs 2 %
// of what it lists. expect (0: unknown) is the number of domains the run
// expects the listing to hold (selection.Expect): the client requests the
// first pages up to that many at once, without waiting for the first
// page's total.
type WantedLister interface {
	ListWanted(ctx context.Context, want func(name string) bool, expect int, total func(int), fn func(registrar.Record) error) error
	ListDeletedWanted(ctx context.Context, want func(name string) bool, total func(int), fn func(registrar.Record) error) error
}

// PagesPerTrip is the decoding cost of a listing page in the cost model:
// decoding PagesPerTrip pages of PageSize domains costs about one round
// trip. Lookups decode one small reply each; the listing decodes every
// domain of the portfolio, and for a small batch of a large portfolio that
// dominates (a batch of 200 from 100,000 took 4.6 s over 98 pages, where
// 25 waves of lookups take about 1.3 s).
const PagesPerTrip = 4

// ReadChoice is the outcome of ChooseRead, with the numbers behind it
// (logged with -v).
type ReadChoice struct {
	Strategy    ReadStrategy
	Names       int // distinct names in the batch
	Portfolio   int // live domains the listing reports; -1 = unknown
	Concurrency int
	PageSize    int
	// LookupTrips and ListTrips are the round trips still needed, counted
	// as waves of up to Concurrency requests in flight: ceil(names/conc)
	// lookups; ceil((pages-1)/conc) for the listing pages after the first
	// one (which ChooseRead's caller already holds), plus
	// ceil((pages-1)/PagesPerTrip) for decoding them. -1 = not computed.
	LookupTrips, ListTrips int
	// LookupRequests and ListRequests break a tie in round trips: the rate
	// limit applies per request.
	LookupRequests, ListRequests int
	Reason                       string
}

// ChooseRead decides how to read a batch of names from a portfolio of
// portfolio live domains (the first listing page's total; -1 = unknown),
// given the first page is already fetched. It picks the strategy with
// fewer remaining round trips (the listing's decoding counted in, see
// PagesPerTrip), then fewer requests; a tie goes to lookups, which also
// explain domains deleted at the registrar.
func ChooseRead(names, portfolio, concurrency, pageSize int) ReadChoice {
	conc := max(1, concurrency)
	ps := max(1, pageSize)
	c := ReadChoice{Strategy: ReadLookup, Names: names, Portfolio: portfolio, Concurrency: conc, PageSize: ps,
		LookupTrips: ceilDiv(names, conc), ListTrips: -1, LookupRequests: names, ListRequests: -1}
	if portfolio < 0 {
		c.Reason = "the listing reports no total"
		return c
	}
	more := max(0, ceilDiv(portfolio, ps)-1) // pages after the first
	c.ListTrips, c.ListRequests = ceilDiv(more, conc)+ceilDiv(more, PagesPerTrip), more
	switch {
	case c.ListTrips < c.LookupTrips || (c.ListTrips == c.LookupTrips && more < names):
		c.Strategy = ReadList
		c.Reason = fmt.Sprintf("listing needs %d more round trips (%d pages, decoding included), lookups %d (%d requests)", c.ListTrips, more, c.LookupTrips, names)
	default:
		c.Reason = fmt.Sprintf("lookups need %d round trips (%d requests), listing %d more (%d pages, decoding included)", c.LookupTrips, names, c.ListTrips, more)
	}
	return c
}

// LookupFirst reports whether lookups win before anything is listed: all
// names fit in one wave of requests, which no listing can beat.
func LookupFirst(names, concurrency int) bool { return names <= max(1, concurrency) }

// concurrency is the registrar client's concurrency (1 when it does not
// say).
func concurrency(r registrar.Registrar) int {
	if c, ok := r.(ReadCapacity); ok {
		return max(1, c.Concurrency())
	}
	return 1
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// errStopListing ends a listing whose first page showed lookups are cheaper.
var errStopListing = errors.New("listing stopped: lookups are cheaper")

// forcedStrategy reads ReadStrategyEnv.
func forcedStrategy() ReadStrategy {
	switch ReadStrategy(strings.ToLower(strings.TrimSpace(os.Getenv(ReadStrategyEnv)))) {
	case ReadLookup:
		return ReadLookup
	case ReadList:
		return ReadList
	}
	return ""
}

// fetchResult is the fetch stage's outcome: the registrar's answer for each
// name, or why there is none. With TimedOut or AccountErr nothing is
// planned or written.
type fetchResult struct {
	Results map[string]registrar.Result
	// TimedOut: the Deadline passed while the registrar was being read;
	// nothing is applied from an incomplete read.
	TimedOut bool
	// AccountErr is the failure that stopped the read (login, rate limit,
	// maintenance, access denied...): nothing is written.
	AccountErr error
}

// fetchBatch is the fetch stage: it reads the names want from the
// registrar (fetch), the read cancelled at o.Deadline. The returned error
// is the run's context being cancelled; every other failure is in the
// result.
func fetchBatch(ctx context.Context, o Options, want []string, expect int) (fetchResult, error) {
	fctx, cancel := ctx, context.CancelFunc(func() {})
	if !o.Deadline.IsZero() {
		fctx, cancel = context.WithDeadline(ctx, o.Deadline)
	}
	results, err := fetch(fctx, o, want, expect)
	cancel()
	switch {
	case err == nil:
		return fetchResult{Results: results}, nil
	case errors.Is(err, context.Canceled):
		return fetchResult{}, err
	case ctx.Err() == nil && errors.Is(fctx.Err(), context.DeadlineExceeded): // (cancel above leaves Canceled otherwise)
		return fetchResult{TimedOut: true}, nil
	}
	return fetchResult{AccountErr: err}, nil
}

// fetch asks the registrar about every domain of the batch, with whichever
// of per-name lookups or the paged portfolio listing costs fewer round
// trips (see ChooseRead); --all always lists. When more than one wave of
// lookups would be needed, the listing is started: its first page gives the
// portfolio size, and the listing is either continued or stopped there in
// favour of lookups. Names the listing does not hold are explained from the
// listing of deleted domains when the client has one (DeletedLister) and
// more than one wave of lookups would be needed (always with --all); a name
// in neither listing is not found. Otherwise they are looked up.
//
// expect is how many domains the registrar is expected to list (the
// selection's WHMCS domains of the registrar; 0: unknown): when the
// listing would win for that many, the client requests the first pages at
// once, without waiting for the first page's total (WantedLister); the
// choice is made again on the real total.
func fetch(ctx context.Context, o Options, want []string, expect int) (map[string]registrar.Result, error) {
	seen := make(map[string]bool, len(want))
	for _, n := range want {
		seen[n] = true
	}
	if err := o.Registrar.Login(ctx); err != nil {
		return nil, err
	}
	conc, pageSize := 1, 0
	capa, canChoose := o.Registrar.(ReadCapacity)
	if canChoose {
		conc, pageSize = capa.Concurrency(), capa.ListPageSize()
	}
	forced := forcedStrategy()
	log := o.Logger.With("registrar", o.Registrar.Name(), "names", len(want), "concurrency", conc)
	switch {
	case o.All:
		log.Debug("registrar read strategy", "strategy", ReadList, "reason", "--all lists the whole portfolio")
	case forced != "":
		log.Debug("registrar read strategy", "strategy", forced, "reason", ReadStrategyEnv+" is set")
		if forced == ReadLookup {
			return o.Registrar.Lookup(ctx, want)
		}
	case !canChoose:
		log.Debug("registrar read strategy", "strategy", ReadLookup, "reason", "the registrar client does not page its listing")
		return o.Registrar.Lookup(ctx, want)
	case LookupFirst(len(want), conc):
		log.Debug("registrar read strategy", "strategy", ReadLookup, "reason",
			fmt.Sprintf("%d names fit in one round trip of %d lookups", len(want), conc))
		return o.Registrar.Lookup(ctx, want)
	}
	decide := !o.All && forced == ""

	out := make(map[string]registrar.Result, len(want))
	choice := ReadChoice{Strategy: ReadList}
	unnamed := false // a listed record had no usable name
	list := o.Registrar.List
	if wl, ok := o.Registrar.(WantedLister); ok {
		if decide && ChooseRead(len(want), expect, conc, pageSize).Strategy != ReadList {
			expect = 0 // (lookups would win: the first page alone decides)
		}
		list = func(ctx context.Context, total func(int), fn func(registrar.Record) error) error {
			return wl.ListWanted(ctx, func(name string) bool { return seen[name] }, expect, total, fn)
		}
	}
	err := list(ctx, func(total int) {
		if !decide {
			return
		}
		choice = ChooseRead(len(want), total, conc, pageSize)
		log.Debug("registrar read strategy", "strategy", choice.Strategy, "portfolio", total,
			"lookup_round_trips", choice.LookupTrips, "list_round_trips", choice.ListTrips, "reason", choice.Reason)
	}, func(r registrar.Record) error {
		if choice.Strategy == ReadLookup {
			return errStopListing
		}
		if r.Name == "" {
			unnamed = true
		}
		if seen[r.Name] {
			out[r.Name] = listedAgain(out, r)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopListing) && !registrar.NotRead(err) {
		return nil, err
	}
	var missing []string
	for _, n := range want {
		if _, ok := out[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	if err != nil && registrar.NotRead(err) {
		// Part of the listing could not be read: a name it did not hold
		// may be on a page that failed. Not read, not "not found".
		log.Warn("the registrar listing is incomplete; the names it did not hold are left due", "missing", len(missing), "error", err.Error())
		markNotRead(out, missing, err)
		return out, nil
	}
	lookup := o.Registrar.Lookup
	if ml, ok := o.Registrar.(MissingLooker); ok && choice.Strategy == ReadList {
		lookup = ml.LookupMissing
	}
	dl, canListDeleted := o.Registrar.(DeletedLister)
	if choice.Strategy == ReadList && canListDeleted && (o.All || !LookupFirst(len(missing), conc)) {
		log.Debug("listing the deleted domains to explain the names the live listing does not hold", "missing", len(missing))
		missing, err = explainFromDeleted(ctx, dl, out, missing, unnamed)
		if err != nil {
			return nil, err
		}
		if len(missing) == 0 {
			return out, nil
		}
		lookup = o.Registrar.Lookup // (in neither listing: the deleted search is not what is missing)
	}
	if choice.Strategy == ReadList {
		log.Debug("looking up the names the listing does not hold", "missing", len(missing))
	}
	more, err := lookup(ctx, missing)
	if err != nil {
		return nil, err
	}
	for n, r := range more {
		out[n] = r
	}
	return out, nil
}

// listedAgain is the result for r's name once the listing has yielded r:
// a live record wins over a deleted one (a listing that holds deleted
// domains, as ODR's does, holds a name deleted and registered again twice:
// the live record is the domain's status), two deleted ones give the better
// (see betterDeleted), and two live ones with different ids are an error
// that a later record of the name does not undo.
func listedAgain(out map[string]registrar.Result, r registrar.Record) registrar.Result {
	prev, dup := out[r.Name]
	switch {
	case !dup || prev.Record.ID == r.ID:
	case prev.Err != nil:
		return prev
	case !prev.Record.Deleted && r.Deleted:
		return prev
	case prev.Record.Deleted && !r.Deleted:
	case prev.Record.Deleted && r.Deleted:
		if !betterDeleted(r, prev.Record) {
			return prev
		}
	default:
		return registrar.Result{Err: fmt.Errorf("the registrar lists %s twice (ids %s and %s)", r.Name, prev.Record.ID, r.ID)}
	}
	return registrar.Result{Record: r, Found: true}
}

// explainFromDeleted lists the deleted domains and records, for each
// missing name, the deleted record the listing holds (DeletedRecord; among
// several, a decodable one, then ACT, then the newest id, as a lookup
// picks). A name in neither listing is not found, without a call of its
// own, unless a listing held a record without a usable name (then "not
// found" cannot be concluded: such names are returned to be looked up).
func explainFromDeleted(ctx context.Context, dl DeletedLister, out map[string]registrar.Result, missing []string, unnamed bool) ([]string, error) {
	want := make(map[string]*registrar.Record, len(missing))
	for _, n := range missing {
		want[n] = nil
	}
	listDeleted := dl.ListDeleted
	if wl, ok := dl.(WantedLister); ok {
		// (A set of its own: want is written while pages are decoded.)
		wanted := make(map[string]bool, len(missing))
		for _, n := range missing {
			wanted[n] = true
		}
		listDeleted = func(ctx context.Context, total func(int), fn func(registrar.Record) error) error {
			return wl.ListDeletedWanted(ctx, func(name string) bool { return wanted[name] }, total, fn)
		}
	}
	err := listDeleted(ctx, nil, func(r registrar.Record) error {
		switch best, ok := want[r.Name]; {
		case r.Name == "":
			unnamed = true
		case !ok || !r.Deleted:
		case best == nil || betterDeleted(r, *best):
			want[r.Name] = &r
		}
		return nil
	})
	if err != nil && registrar.NotRead(err) {
		// Without the whole deleted listing, a name in neither listing is
		// not known to be absent: the names it did not explain are not read.
		var left []string
		for _, n := range missing {
			if r := want[n]; r != nil {
				out[n] = registrar.Result{DeletedRecord: r}
			} else {
				left = append(left, n)
			}
		}
		markNotRead(out, left, err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var left []string
	for _, n := range missing {
		switch r := want[n]; {
		case r != nil:
			out[n] = registrar.Result{DeletedRecord: r}
		case unnamed:
			left = append(left, n)
		default:
			out[n] = registrar.Result{}
		}
	}
	return left, nil
}

// markNotRead records names as not read at the registrar because of err
// (a listing that could not be read completely).
func markNotRead(out map[string]registrar.Result, names []string, err error) {
	for _, n := range names {
		out[n] = registrar.Result{Err: err}
	}
}

// betterDeleted reports whether a is to be preferred over b as the deleted
// record of a name: decodable first, then status ACT, then the newest id.
func betterDeleted(a, b registrar.Record) bool {
	score := func(r registrar.Record) int {
		s := 0
		if r.Invalid == nil {
			s += 2
		}
		if r.StatusCode == "ACT" {
			s++
		}
		return s
	}
	if sa, sb := score(a), score(b); sa != sb {
		return sa > sb
	}
	ia, _ := strconv.ParseInt(a.ID, 10, 64)
	ib, _ := strconv.ParseInt(b.ID, 10, 64)
	return ia > ib
}

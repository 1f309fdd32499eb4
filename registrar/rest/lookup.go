package rest

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/domainsync/domainsync/registrar"
)

// Lookup is the bounded fan-out of registrar.Registrar.Lookup: names that
// normalize to the same ASCII name are looked up once, at most conc at a
// time. A name that does not normalize, or that check refuses, gets a
// per-domain error. one looks up one ASCII name; an error it returns stops
// the run: it cancels the rest and is the one error returned, with a nil map.
func Lookup(ctx context.Context, name string, conc int, names []string,
	check func(raw, ascii string) error,
	one func(ctx context.Context, ascii string) (registrar.Result, error)) (map[string]registrar.Result, error) {
	out := make(map[string]registrar.Result, len(names))
	byASCII := map[string][]string{}
	var order []string
	for _, raw := range names {
		if _, done := out[raw]; done {
			continue
		}
		ascii, _, err := registrar.NormalizeName(raw)
		if err == nil && check != nil {
			err = check(raw, ascii)
		}
		if err != nil {
			out[raw] = registrar.Result{Err: &registrar.Error{Kind: registrar.KindOther, Registrar: name, Domain: raw, Message: err.Error()}}
			continue
		}
		out[raw] = registrar.Result{}
		if byASCII[ascii] == nil {
			order = append(order, ascii)
		}
		byASCII[ascii] = append(byASCII[ascii], raw)
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, ascii := range order {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			res, err := one(gctx, ascii)
			if err != nil {
				return err
			}
			mu.Lock()
			for _, n := range byASCII[ascii] {
				out[n] = res
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

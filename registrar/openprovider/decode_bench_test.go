package openprovider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
)

// pageBody is a listing reply of n domains as opsim sends it (the live
// API's field order), with total portfolio.
func pageBody(tb testing.TB, n, portfolio int) []byte {
	tb.Helper()
	var b bytes.Buffer
	b.WriteString(`{"code":0,"desc":"","data":{"results":[`)
	for i, d := range opsim.Generate(n, 1) {
		if i > 0 {
			b.WriteByte(',')
		}
		raw, err := d.MarshalJSON()
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(raw)
	}
	fmt.Fprintf(&b, `],"total":%d}}`, portfolio)
	return b.Bytes()
}

// decodePage is what Client.page does with a listing reply: the envelope,
// then each item (want: only the names it accepts in full).
func decodePage(body []byte, want func(string) bool) (int, int, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return 0, 0, err
	}
	full := 0
	total, err := eachListItem(env.Data, func(raw json.RawMessage) error {
		if want != nil {
			if name, _, ok := quickName(raw); ok && !want(name) {
				return nil
			}
		}
		if _, ok := decodeDomain(raw); ok {
			full++
		}
		return nil
	})
	return total, full, err
}

// BenchmarkListPage: the client's CPU for one listing page of 1,000
// domains: a batch's (2 % of the names wanted) and --all's (every one).
func BenchmarkListPage(b *testing.B) {
	body := pageBody(b, PageSize, 10000)
	for _, bc := range []struct {
		name string
		want func(string) bool
	}{
		{"batch", func(n string) bool { return len(n)%50 == 0 }},
		{"all", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := decodePage(body, bc.want); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

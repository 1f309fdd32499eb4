package opsim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"golang.org/x/net/idna"
)

// GenerateRef is the reference day Generate spreads dates around.
var GenerateRef = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FirstGeneratedID is the id of the first generated domain. Live ids are
// about 2.2×10⁷ and stay within the spec's int32; the fixture in
// testdata/openprovider uses 22000001 onwards, so both can be loaded
// together (Add replaces a domain with the same id).
const FirstGeneratedID = 23_000_000

// Generate returns n synthetic domains, the same for the same seed, with
// dates around GenerateRef. See GenerateAt.
func Generate(n int, seed int64) []Domain { return GenerateAt(n, seed, GenerateRef) }

// tlds is the extension mix: common gTLDs and ccTLDs, multi-label ones.
type tld struct {
	ext    string
	weight int
	wpp    bool // WHOIS privacy allowed
}

var tlds = []tld{
	{"com", 30, true}, {"nl", 15, false}, {"net", 8, true}, {"org", 6, true},
	{"eu", 6, false}, {"de", 6, false}, {"be", 4, false}, {"co.uk", 5, true},
	{"org.uk", 2, true}, {"com.au", 2, false}, {"io", 3, true}, {"shop", 2, true},
	{"nu", 1, false}, {"com.br", 1, false},
}

// statuses is the status mix: mostly active, some of every other state and
// an undocumented code.
var statuses = []struct {
	code   string
	weight int
}{
	{"ACT", 850}, {"REQ", 30}, {"PEN", 10}, {"SCH", 10}, {"FAI", 20},
	{"DEL", 60}, {"RRQ", 10}, {"PRE", 5}, {"TRAN", 5},
}

var words = []string{
	"acme", "bakery", "garden", "studio", "travel", "hosting", "design", "tech", "music", "photo",
	"consult", "shop", "fitness", "coffee", "books", "legal", "dental", "auto", "media", "cloud",
}

// idnWords become IDN labels (punycode on the wire, §6).
var idnWords = []string{"bücher", "café", "müller", "straße", "fête", "zürich", "ålesund", "köln"}

// GenerateAt returns n synthetic domains with ids from FirstGeneratedID,
// a realistic mix of statuses, extensions (including co.uk and IDNs) and
// auto-renew and privacy settings, and renewal dates from 30 days before to
// 365 days after ref at random times of day. It is deterministic in seed.
func GenerateAt(n int, seed int64, ref time.Time) []Domain {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6f70_7369_6d00))
	ds := make([]Domain, 0, n)
	for i := 0; i < n; i++ {
		id := int64(FirstGeneratedID + i)
		t := pickTLD(r)
		var name string
		if r.IntN(20) == 0 {
			label := fmt.Sprintf("%s%d", idnWords[r.IntN(len(idnWords))], i)
			ascii, err := idna.Lookup.ToASCII(label)
			if err != nil {
				ascii = fmt.Sprintf("domain%d", i)
			}
			name = ascii
		} else {
			name = fmt.Sprintf("%s-%s%d", words[r.IntN(len(words))], words[r.IntN(len(words))], i)
		}
		status := pickStatus(r)
		at := func(days int) string {
			return ref.AddDate(0, 0, days).Add(time.Duration(r.IntN(86400)) * time.Second).Format(DateLayout)
		}
		renewal := ref.AddDate(0, 0, r.IntN(396)-30).Add(time.Duration(r.IntN(86400)) * time.Second)
		years := 1 + r.IntN(12)
		created := renewal.AddDate(-years, 0, -r.IntN(3))
		d := Domain{
			ID:                       id,
			Domain:                   DomainName{Name: name, Extension: t.ext},
			Status:                   status,
			Autorenew:                pickAutorenew(r),
			RenewalDate:              renewal.Format(DateLayout),
			ExpirationDate:           renewal.AddDate(0, 0, 2+r.IntN(3)).Format(DateLayout),
			RegistryExpirationDate:   renewal.AddDate(0, 0, 2).Format(DateLayout),
			CreationDate:             created.Format(DateLayout),
			OrderDate:                created.Add(-time.Hour).Format(DateLayout),
			ActiveDate:               created.Format(DateLayout),
			LastChanged:              at(-r.IntN(200)),
			DeletedAt:                NoDate,
			IsPrivateWhoisAllowed:    t.wpp,
			IsLockable:               true,
			IsLocked:                 r.IntN(2) == 0,
			CanRenew:                 status == "ACT",
			AuthCode:                 fmt.Sprintf("%012x", r.Uint64()&0xffffffffffff),
			TransferAuthCodeRequired: "yes",
			TradeAuthCodeRequired:    "no",
			IsClientHoldEnabled:      "no",
			OwnerHandle:              fmt.Sprintf("XX%06d-NL", 100000+r.IntN(900000)),
			AdminHandle:              "AD000001-NL",
			TechHandle:               "TE000001-NL",
			BillingHandle:            "",
			ResellerID:               123456,
			NameServers: []NameServer{
				{SeqNr: 1, Name: "ns1.openprovider.nl"},
				{SeqNr: 2, Name: "ns2.openprovider.be"},
				{SeqNr: 3, Name: "ns3.openprovider.eu"},
			},
			Type: []string{"NEW", "TRANSFER"}[r.IntN(2)],
			Unit: "y",
		}
		if t.wpp && r.IntN(3) == 0 {
			d.IsPrivateWhoisEnabled = true
		}
		switch status {
		case "REQ", "PEN", "SCH", "FAI":
			// Not (yet) registered here: no dates from the registry.
			d.RenewalDate, d.ExpirationDate, d.RegistryExpirationDate, d.ActiveDate = "", "", "", ""
			d.CanRenew = false
		case "DEL", "RRQ":
			deleted := ref.AddDate(0, 0, -r.IntN(40)).Add(time.Duration(r.IntN(86400)) * time.Second)
			d.DeletedAt = deleted.Format(DateLayout)
			d.SoftQuarantineExpiryDate = deleted.AddDate(0, 0, 30).Format(DateLayout)
			d.HardQuarantineExpiryDate = deleted.AddDate(0, 0, 40).Format(DateLayout)
			d.QuarantineExpirationDate = d.HardQuarantineExpiryDate
			d.RestorableUntil = d.SoftQuarantineExpiryDate
			d.DeleteStatus = "quarantine"
			d.Autorenew = "off"
			d.IsDeleted = status == "DEL" && r.IntN(2) == 0
		}
		ds = append(ds, d)
	}
	return ds
}

func pickTLD(r *rand.Rand) tld {
	sum := 0
	for _, t := range tlds {
		sum += t.weight
	}
	n := r.IntN(sum)
	for _, t := range tlds {
		if n < t.weight {
			return t
		}
		n -= t.weight
	}
	return tlds[0]
}

func pickStatus(r *rand.Rand) string {
	sum := 0
	for _, s := range statuses {
		sum += s.weight
	}
	n := r.IntN(sum)
	for _, s := range statuses {
		if n < s.weight {
			return s.code
		}
		n -= s.weight
	}
	return "ACT"
}

func pickAutorenew(r *rand.Rand) string {
	switch n := r.IntN(10); {
	case n < 7:
		return "default"
	case n < 9:
		return "off"
	}
	return "on"
}

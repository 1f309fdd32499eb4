package opsim

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
)

// DateLayout is how the API writes dates: zero-padded, no time zone.
const DateLayout = "2006-01-02 15:04:05"

// NoDate is what the API writes for a date that is not set (deleted_at).
const NoDate = "0000-00-00 00:00:00"

// Domain is one domain in the API's own shape (domainGetDomainResponseData,
// the fields that matter for sync plus a realistic set of others). Dates
// are the strings the API sends, so a fixture can hold any value the API
// could send, including bad ones. Empty optional fields are left out, as
// the live API does; billing_handle and deleted_at are always sent.
type Domain struct {
	ID     int64      `json:"id"`
	Domain DomainName `json:"domain"`
	Status string     `json:"status,omitempty"`

	Autorenew              string `json:"autorenew,omitempty"`
	RenewalDate            string `json:"renewal_date,omitempty"`
	ExpirationDate         string `json:"expiration_date,omitempty"`
	RegistryExpirationDate string `json:"registry_expiration_date,omitempty"`
	CreationDate           string `json:"creation_date,omitempty"`
	OrderDate              string `json:"order_date,omitempty"`
	ActiveDate             string `json:"active_date,omitempty"`
	LastChanged            string `json:"last_changed,omitempty"`
	DeletedAt              string `json:"deleted_at"`

	IsDeleted             bool `json:"is_deleted"`
	IsPrivateWhoisEnabled bool `json:"is_private_whois_enabled"`
	IsPrivateWhoisAllowed bool `json:"is_private_whois_allowed"`
	IsLocked              bool `json:"is_locked"`
	IsLockable            bool `json:"is_lockable"`
	CanRenew              bool `json:"can_renew"`

	AuthCode                 string `json:"auth_code,omitempty"`
	TransferAuthCodeRequired string `json:"transfer_auth_code_required,omitempty"` // "yes"/"no"
	TradeAuthCodeRequired    string `json:"trade_auth_code_required,omitempty"`    // "yes"/"no"
	IsClientHoldEnabled      string `json:"is_client_hold_enabled,omitempty"`      // "yes"/"no"

	OwnerHandle    string `json:"owner_handle,omitempty"`
	AdminHandle    string `json:"admin_handle,omitempty"`
	TechHandle     string `json:"tech_handle,omitempty"`
	BillingHandle  string `json:"billing_handle"`
	ResellerHandle string `json:"reseller_handle,omitempty"`
	ResellerID     int64  `json:"reseller_id,omitempty"`

	NameServers []NameServer `json:"name_servers,omitempty"`
	NSGroup     string       `json:"ns_group,omitempty"`
	Comments    string       `json:"comments,omitempty"`
	Type        string       `json:"type,omitempty"` // NEW, TRANSFER, TRADE
	Unit        string       `json:"unit,omitempty"` // y, m, q

	SoftQuarantineExpiryDate string `json:"soft_quarantine_expiry_date,omitempty"`
	HardQuarantineExpiryDate string `json:"hard_quarantine_expiry_date,omitempty"`
	QuarantineExpirationDate string `json:"quarantine_expiration_date,omitempty"`
	RestorableUntil          string `json:"restorable_until,omitempty"`
	DeleteStatus             string `json:"delete_status,omitempty"`

	// Raw overrides the serialised fields: each key replaces (or adds) that
	// field verbatim, and a key with an empty (nil) value removes it. A
	// fixture's unknown fields, and fields whose value does not fit the
	// typed field (e.g. "is_private_whois_enabled": "yes"), land here, so
	// tests can make the server send anything.
	Raw map[string]json.RawMessage `json:"-"`
}

// DomainName is the domain's name and extension (co.uk, not .co.uk).
type DomainName struct {
	Name      string `json:"name"`
	Extension string `json:"extension"`
}

// NameServer is one delegation; empty addresses are left out.
type NameServer struct {
	SeqNr int    `json:"seq_nr"`
	Name  string `json:"name"`
	IP    string `json:"ip,omitempty"`
	IP6   string `json:"ip6,omitempty"`
}

// FullName is name + "." + extension.
func (d Domain) FullName() string { return d.Domain.Name + "." + d.Domain.Extension }

// domainFields is Domain without its methods, for the default encoding.
type domainFields Domain

// MarshalJSON writes the API's shape, with Raw applied.
func (d Domain) MarshalJSON() ([]byte, error) {
	if d.DeletedAt == "" {
		d.DeletedAt = NoDate
	}
	b, err := json.Marshal(domainFields(d))
	if err != nil || len(d.Raw) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range d.Raw {
		if len(v) == 0 {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the API's shape leniently: a field whose value does
// not fit its Go type, and any field Domain does not model, is kept in Raw
// and sent back verbatim.
func (d *Domain) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*d = Domain{}
	v := reflect.ValueOf(d).Elem()
	t := v.Type()
	known := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			known[name] = i
		}
	}
	for k, raw := range m {
		i, ok := known[k]
		if ok && json.Unmarshal(raw, v.Field(i).Addr().Interface()) == nil {
			continue
		}
		if ok {
			v.Field(i).SetZero()
		}
		if d.Raw == nil {
			d.Raw = map[string]json.RawMessage{}
		}
		d.Raw[k] = append(json.RawMessage(nil), raw...)
	}
	return nil
}

// clone returns a deep copy.
func (d Domain) clone() Domain {
	c := d
	c.NameServers = append([]NameServer(nil), d.NameServers...)
	if d.Raw != nil {
		c.Raw = make(map[string]json.RawMessage, len(d.Raw))
		for k, v := range d.Raw {
			c.Raw[k] = append(json.RawMessage(nil), v...)
		}
	}
	return c
}

// LoadFile reads a fixture: a JSON array of domain objects in the API's own
// shape (as in data.results of a list reply).
func LoadFile(path string) ([]Domain, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ds []Domain
	if err := json.Unmarshal(b, &ds); err != nil {
		return nil, fmt.Errorf("opsim: fixture %s: %w", path, err)
	}
	return ds, nil
}

// WriteFile writes domains as a fixture, sorted by id, indented.
func WriteFile(path string, ds []Domain) error {
	s := append([]Domain(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

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
)

// contactJSON is an ODR contact as sent and received (whmcs_module
// tests/mocks/Odr.php getContact). Empty fields are left out of writes.
type contactJSON struct {
	ID          json.RawMessage `json:"id,omitempty"`
	FirstName   string          `json:"first_name,omitempty"`
	LastName    string          `json:"last_name,omitempty"`
	CompanyName string          `json:"company_name,omitempty"`
	LegalForm   string          `json:"organization_legal_form,omitempty"`
	Email       string          `json:"email,omitempty"`
	Phone       string          `json:"phone,omitempty"`
	Street      string          `json:"street,omitempty"`
	HouseNumber json.RawMessage `json:"house_number,omitempty"`
	PostalCode  string          `json:"postal_code,omitempty"`
	City        string          `json:"city,omitempty"`
	State       string          `json:"state,omitempty"`
	Country     string          `json:"country,omitempty"`
}

// contactID checks an ODR contact id: a positive decimal number.
func contactID(field, id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, &registrar.Error{Kind: registrar.KindOther, Registrar: Name, Domain: "contact " + id,
			Message: fmt.Sprintf("field %s: %q is not an ODR contact id", field, id)}
	}
	return n, nil
}

// decodeContact reads a contact reply defensively.
func decodeContact(raw json.RawMessage) (registrar.Contact, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return registrar.Contact{}, fmt.Errorf("contact reply is not an object: %s", clip(raw))
	}
	str := func(k string) string { s, _ := stringOf(m[k]); return strings.TrimSpace(s) }
	c := registrar.Contact{
		ID: str("id"), FirstName: str("first_name"), LastName: str("last_name"),
		CompanyName: str("company_name"), LegalForm: str("organization_legal_form"),
		Email: str("email"), Phone: str("phone"), Street: str("street"), HouseNumber: str("house_number"),
		PostalCode: str("postal_code"), City: str("city"), State: str("state"), Country: str("country"),
	}
	return c, nil
}

func encodeContact(c registrar.Contact) ([]byte, error) {
	j := contactJSON{FirstName: c.FirstName, LastName: c.LastName, CompanyName: c.CompanyName, LegalForm: c.LegalForm,
		Email: c.Email, Phone: c.Phone, Street: c.Street, PostalCode: c.PostalCode, City: c.City, State: c.State, Country: c.Country}
	if hn := strings.TrimSpace(c.HouseNumber); hn != "" {
		j.HouseNumber, _ = json.Marshal(hn)
	}
	return json.Marshal(j)
}

// GetContact implements registrar.Contacts: GET /contact/{id}/.
func (c *Client) GetContact(ctx context.Context, id string) (registrar.Contact, error) {
	n, err := contactID("id", id)
	if err != nil {
		return registrar.Contact{}, err
	}
	label := "contact " + strconv.FormatInt(n, 10)
	rp, err := c.call(ctx, request{method: http.MethodGet, path: "/contact/" + strconv.FormatInt(n, 10) + "/", domain: label})
	if err != nil {
		return registrar.Contact{}, err
	}
	ct, err := decodeContact(rp.Response)
	if err != nil {
		return registrar.Contact{}, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label, Message: err.Error()}
	}
	if ct.ID == "" {
		ct.ID = strconv.FormatInt(n, 10)
	}
	return ct, nil
}

// UpdateContact implements registrar.Contacts: PUT /contact/{id}/ with the
// non-empty fields.
func (c *Client) UpdateContact(ctx context.Context, ct registrar.Contact) error {
	n, err := contactID("id", ct.ID)
	if err != nil {
		return err
	}
	body, err := encodeContact(ct)
	if err != nil {
		return err
	}
	label := "contact " + strconv.FormatInt(n, 10)
	_, err = c.call(ctx, request{method: http.MethodPut, path: "/contact/" + strconv.FormatInt(n, 10) + "/", body: body, domain: label})
	return err
}

// CreateContact implements registrar.Contacts: POST /contact/; the new id is
// read from response.id (or contact_id, or data.id).
func (c *Client) CreateContact(ctx context.Context, ct registrar.Contact) (string, error) {
	body, err := encodeContact(ct)
	if err != nil {
		return "", err
	}
	label := "new contact " + strings.TrimSpace(ct.FirstName+" "+ct.LastName)
	rp, err := c.call(ctx, request{method: http.MethodPost, path: "/contact/", body: body, domain: label})
	if err != nil {
		return "", err
	}
	var r struct {
		ID        json.RawMessage `json:"id"`
		ContactID json.RawMessage `json:"contact_id"`
		Data      struct {
			ID json.RawMessage `json:"id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(rp.Response, &r)
	for _, v := range []json.RawMessage{r.ID, r.ContactID, r.Data.ID} {
		if n, ok := intOf(v); ok && n > 0 {
			return strconv.FormatInt(n, 10), nil
		}
	}
	return "", &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label,
		Message: "the reply holds no new contact id: " + clip(rp.Response)}
}

// roleFields are ODR's domain fields for each contact role.
var roleFields = map[registrar.ContactRole]string{
	registrar.RoleRegistrant: "contact_registrant",
	registrar.RoleAdmin:      "contact_onsite",
	registrar.RoleTech:       "contact_tech",
}

// SetDomainContacts implements registrar.Contacts: PUT /domain/{name}/ with
// {"contact_registrant"|"contact_onsite"|"contact_tech": id}.
func (c *Client) SetDomainContacts(ctx context.Context, rec registrar.Record, ids map[registrar.ContactRole]string) error {
	ascii, err := recName(rec)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	body := map[string]int64{}
	for role, id := range ids {
		field, ok := roleFields[role]
		if !ok {
			return &registrar.Error{Kind: registrar.KindOther, Registrar: Name, Domain: ascii,
				Message: fmt.Sprintf("contact role %q is not an ODR role", role)}
		}
		n, err := contactID(field, id)
		if err != nil {
			err.(*registrar.Error).Domain = ascii
			return err
		}
		body[field] = n
	}
	raw, err := json.Marshal(body) // map keys are sorted: identical requests stay identical
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{method: http.MethodPut, path: "/domain/" + ascii + "/", body: raw, domain: ascii})
	return err
}

// DomainsUsingContact implements registrar.Contacts: the paged listing
// GET /domain/?filter[contact]={id}&page=N&o[id]=ASC (the filter the ODR
// WeFact module uses to find the domains a contact's update affects),
// every page, the same paging as List. ODR's filter matches the contact in
// any role. The names come back in listing order, each once. A row whose
// name cannot be read, or a listing cut short, is an error: a shorter list
// could hide a domain of another customer.
func (c *Client) DomainsUsingContact(ctx context.Context, id string) ([]string, error) {
	n, err := contactID("id", id)
	if err != nil {
		return nil, err
	}
	if err := c.Login(ctx); err != nil {
		return nil, err
	}
	cid := strconv.FormatInt(n, 10)
	label := "contact " + cid
	filter := url.Values{"filter[contact]": {cid}}
	seen := map[string]bool{}
	var out []string
	for page := 1; ; page++ {
		p, err := c.listPage(ctx, page, filter, label)
		if err != nil {
			return nil, err
		}
		for i, rec := range p.Records {
			if rec.Name == "" {
				msg := fmt.Sprintf("listing of the domains using it: page %d: row %d has no domain name", page, i)
				if rec.Invalid != nil {
					msg += " (" + rec.Invalid.Error() + ")"
				}
				return nil, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label, Message: msg}
			}
			if !seen[rec.Name] {
				seen[rec.Name] = true
				out = append(out, rec.Name)
			}
		}
		if !p.HasNext || len(p.Records) == 0 {
			return out, nil
		}
		if page >= maxPages {
			return nil, &registrar.Error{Kind: registrar.KindInvalidReply, Registrar: Name, Domain: label,
				Message: fmt.Sprintf("listing of the domains using it: more than %d pages", maxPages)}
		}
	}
}

// Concurrency is the number of requests the client sends at once; callers
// bound their own fan-out (e.g. reading contacts) with it.
func (c *Client) Concurrency() int { return c.conc }

var _ registrar.Contacts = (*Client)(nil)

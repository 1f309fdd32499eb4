package openprovider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/domainsync/domainsync/registrar"
)

// SetAutoRenew implements registrar.Registrar with a partial update: renew
// sends {"autorenew":"default"} (follow the reseller account's setting, as
// Openprovider's own module does), not renewing sends {"autorenew":"off"}.
func (c *Client) SetAutoRenew(ctx context.Context, rec registrar.Record, renew bool) error {
	v := "off"
	if renew {
		v = "default"
	}
	return c.update(ctx, rec, struct {
		AutoRenew string `json:"autorenew"`
	}{v})
}

// SetAutoRenewValue sets auto-renew to exactly v (on, off or default), as
// an undo needs to put back "on" (SetAutoRenew(true) sends default).
func (c *Client) SetAutoRenewValue(ctx context.Context, rec registrar.Record, v registrar.AutoRenew) error {
	switch v {
	case registrar.AutoRenewOn, registrar.AutoRenewOff, registrar.AutoRenewDefault:
	default:
		return fmt.Errorf("auto-renew value %q: want on, off or default", string(v))
	}
	return c.update(ctx, rec, struct {
		AutoRenew string `json:"autorenew"`
	}{string(v)})
}

// SetPrivacy implements registrar.Registrar with a partial update:
// {"is_private_whois_enabled":true|false}. A refusal (e.g. 19006, privacy
// not supported for the TLD) is a per-domain KindRefused error.
func (c *Client) SetPrivacy(ctx context.Context, rec registrar.Record, enabled bool) error {
	return c.update(ctx, rec, struct {
		Privacy bool `json:"is_private_whois_enabled"`
	}{enabled})
}

// update sends PUT /v1beta/domains/{id} with a partial body.
func (c *Client) update(ctx context.Context, rec registrar.Record, fields any) error {
	name := rec.Name
	if name == "" {
		name = "(unnamed domain)"
	}
	id, err := strconv.ParseInt(strings.TrimSpace(rec.ID), 10, 64)
	if err != nil || id <= 0 {
		return &registrar.Error{Kind: registrar.KindOther, Registrar: Name, Domain: name,
			Message: fmt.Sprintf("field id: %q is not an Openprovider domain id", rec.ID)}
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{kind: kindUpdate, method: http.MethodPut,
		path: "/v1beta/domains/" + strconv.FormatInt(id, 10), body: body, domain: name})
	return err
}

var _ registrar.Registrar = (*Client)(nil)

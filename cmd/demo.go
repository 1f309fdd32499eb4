//go:build demo

package cmd

import (
	"context"
	"fmt"
	"io"

	"time"

	"cloud.google.com/go/civil"
	"github.com/spf13/cobra"
	"golang.org/x/net/idna"

	"github.com/domainsync/domainsync/cmd/config"
	"github.com/domainsync/domainsync/registrar/openprovider/opsim"
	dsync "github.com/domainsync/domainsync/sync"
	"github.com/domainsync/domainsync/whmcsdb/embedded"
)

func init() {
	extraCommands = append(extraCommands, NewCmdDemo)
}

// demoOptions are the inputs of "domainsync demo".
type demoOptions struct {
	IO  *IOStreams
	Now time.Time // zero = time.Now()
	// AfterSync, when set, is called with the engine still running (tests).
	AfterSync func(ctx context.Context, srv *embedded.Server, sim *opsim.Server) error
}

// NewCmdDemo builds "domainsync demo" (only in binaries built with -tags demo).
func NewCmdDemo(ios *IOStreams) *cobra.Command {
	opts := &demoOptions{IO: ios}
	return &cobra.Command{
		Use:   "demo",
		Short: "Run a real sync against an embedded WHMCS database and a simulated Openprovider",
		Long: `Run a real sync on a machine with nothing installed: an embedded
MySQL-compatible engine holds a WHMCS database with about 50 domains, a
simulated Openprovider on 127.0.0.1 disagrees with it in every way the sync
handles, and "domainsync sync" runs through its normal code path, writing to
the embedded database and pushing settings to the simulator. No mail is sent
and nothing outside this process is touched; everything is gone when it ends.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runDemo(c.Context(), opts)
		},
	}
}

func runDemo(ctx context.Context, opts *demoOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	today := civil.DateOf(now)
	out := opts.IO.Out

	srv, err := embedded.Start(ctx, "whmcs")
	if err != nil {
		return WithExitCode(ExitError, fmt.Errorf("demo: starting the embedded database: %w", err))
	}
	defer srv.Close()
	cases := embedded.DemoCases(today)
	raw, err := srv.Open()
	if err != nil {
		return WithExitCode(ExitError, fmt.Errorf("demo: %w", err))
	}
	_, err = embedded.Seed(ctx, raw, cases)
	raw.Close()
	if err != nil {
		return WithExitCode(ExitError, fmt.Errorf("demo: seeding the WHMCS database: %w", err))
	}

	domains, err := demoRegistrarDomains(cases)
	if err != nil {
		return WithExitCode(ExitError, fmt.Errorf("demo: %w", err))
	}
	sim := opsim.New(opsim.Options{Domains: domains, Now: func() time.Time { return now }})
	simURL, stop, err := sim.Start()
	if err != nil {
		return WithExitCode(ExitError, fmt.Errorf("demo: starting the simulated Openprovider: %w", err))
	}
	defer stop()

	writeDemoIntro(out, cases, srv.Addr(), simURL)
	syncErr := runSync(ctx, &SyncOptions{
		IO:        opts.IO,
		Config:    demoConfig(srv.DSN(), simURL, sim),
		NoMail:    true,
		Report:    "text",
		LogFormat: "text",
		Now:       now,
	})
	if opts.AfterSync != nil {
		if err := opts.AfterSync(ctx, srv, sim); err != nil {
			return err
		}
	}
	writeDemoNext(out, sim)
	return syncErr
}

// demoConfig points a sync at the embedded database and the simulator,
// with the built-in sync settings and no mail.
func demoConfig(dsn, simURL string, sim *opsim.Server) *config.Config {
	return &config.Config{
		// One connection besides the run lock's: the embedded engine's
		// transactions must not overlap (see WHMCSConfig.MaxOpenConns).
		WHMCS: config.WHMCSConfig{DSN: config.DSN(dsn), MaxOpenConns: 2},
		Registrars: config.RegistrarsConfig{Openprovider: &config.OpenproviderConfig{
			URL: simURL, Username: sim.Username(), Password: config.Secret(sim.Password()),
			RateLimit: 1000, Concurrency: 8, // a loopback simulator: no need to pace
		}},
		Sync:   dsync.DefaultSettings(),
		Report: config.ReportConfig{SMTP: config.SMTPConfig{TLS: config.TLSNone}},
	}
}

// demoRegistrarDomains is the registrar side of the demo cases, in the
// API's own shape (names in punycode, dates as the API writes them).
func demoRegistrarDomains(cases []embedded.Case) ([]opsim.Domain, error) {
	var out []opsim.Domain
	for _, c := range cases {
		if !c.AtRegistrar {
			continue
		}
		label, err := idna.Lookup.ToASCII(c.Label)
		if err != nil {
			return nil, fmt.Errorf("demo domain %q: label %q: %w", c.Name(), c.Label, err)
		}
		at := func(d civil.Date, clock string) string {
			if d.IsZero() {
				return ""
			}
			return d.String() + " " + clock
		}
		created := c.Registered
		d := opsim.Domain{
			Domain:                   opsim.DomainName{Name: label, Extension: c.Ext},
			Status:                   c.RegStatus,
			Autorenew:                c.RegAutoRenew,
			RenewalDate:              at(c.RegExpiry, "00:00:00"),
			ExpirationDate:           at(c.RegExpiry.AddDays(3), "13:12:41"),
			RegistryExpirationDate:   at(c.RegExpiry.AddDays(2), "13:12:41"),
			CreationDate:             at(created, "13:12:41"),
			OrderDate:                at(created, "13:11:02"),
			ActiveDate:               at(created, "13:12:41"),
			IsPrivateWhoisEnabled:    c.RegPrivacy,
			IsPrivateWhoisAllowed:    c.PrivacyAllowed,
			IsLockable:               true,
			IsLocked:                 true,
			CanRenew:                 c.RegStatus == "ACT",
			TransferAuthCodeRequired: "yes",
			TradeAuthCodeRequired:    "no",
			IsClientHoldEnabled:      "no",
			OwnerHandle:              "RC000042-NL",
			AdminHandle:              "AD000001-NL",
			TechHandle:               "TE000001-NL",
			ResellerID:               opsim.DefaultResellerID,
			NameServers: []opsim.NameServer{
				{SeqNr: 1, Name: "ns1.openprovider.nl"}, {SeqNr: 2, Name: "ns2.openprovider.be"},
			},
			Type: "NEW",
			Unit: "y",
		}
		switch c.RegStatus {
		case "FAI":
			d.RenewalDate, d.ExpirationDate, d.RegistryExpirationDate, d.ActiveDate = "", "", "", ""
			d.CanRenew = false
		case "DEL":
			deleted := c.RegExpiry.AddDays(1)
			d.DeletedAt = at(deleted, "03:00:00")
			d.SoftQuarantineExpiryDate = at(deleted.AddDays(30), "03:00:00")
			d.HardQuarantineExpiryDate = at(deleted.AddDays(40), "03:00:00")
			d.QuarantineExpirationDate = d.HardQuarantineExpiryDate
			d.RestorableUntil = d.SoftQuarantineExpiryDate
			d.DeleteStatus = "quarantine"
		}
		out = append(out, d)
	}
	return out, nil
}

func writeDemoIntro(w io.Writer, cases []embedded.Case, dbAddr, simURL string) {
	var stories []embedded.Case
	for _, c := range cases {
		if c.Story != "" {
			stories = append(stories, c)
		}
	}
	fmt.Fprintf(w, `domainsync demo
===============

A WHMCS database with %d domains (registrar module %q) runs in an embedded
MySQL-compatible engine at %s, and a simulated Openprovider API at %s.
Nothing else is contacted and no mail is sent.

%d domains agree with the registrar. %d do not:
`, len(cases), embedded.DemoRegistrar, dbAddr, simURL, len(cases)-len(stories), len(stories))
	width := 0
	for _, c := range stories {
		width = max(width, len([]rune(c.Name())))
	}
	for _, c := range stories {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name(), c.Story)
	}
	fmt.Fprintf(w, `
Running "domainsync sync" on them: it writes WHMCS (each domain in one
guarded transaction) and sends auto-renew and privacy to the registrar.
The report it would mail to %s %s <%s>:

`, embedded.DemoAdmin.First, embedded.DemoAdmin.Last, embedded.DemoAdmin.Email)
}

func writeDemoNext(w io.Writer, sim *opsim.Server) {
	puts := 0
	for _, r := range sim.Requests() {
		if r.Method == "PUT" {
			puts++
		}
	}
	fmt.Fprintf(w, `
The simulated Openprovider received %d update%s from the sync.

Try next:
  %-62s # check your configuration (passwords masked)
  %-62s # what would change in your WHMCS; writes nothing
  %-62s # sync one domain for real
`, puts, plural(puts),
		"domainsync config --config domainsync.yaml",
		"domainsync sync --dry-run --config domainsync.yaml",
		"domainsync sync --domain example.com --config domainsync.yaml")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

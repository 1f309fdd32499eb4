package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// Schema is the value of the JSON rendering's "schema" field. It changes
// only when the shape changes incompatibly; fields may be added within v1.
const Schema = "domainsync.report/v1"

var errNilReport = errors.New("report: no report to render (nil)")

// RenderText writes the plain-text rendering: the subject, the start time,
// the dry-run and notice banners, each section with rows as an aligned table
// (text/tabwriter), and the footer. Cell text is written literally except
// that tabs, line breaks, control and bidi-control characters are replaced,
// so no cell can break the layout or send terminal escape sequences.
func RenderText(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	b.WriteString(r.Subject() + "\n")
	if s := startedText(r); s != "" {
		b.WriteString(s + "\n")
	}
	if r.DryRun {
		b.WriteString(dryRunText + "\n")
	}
	for _, n := range r.Notices {
		b.WriteString("\n*** " + clean(n) + " ***\n")
	}
	for _, s := range visibleSections(r) {
		title := sectionTitle(s)
		underline := "-"
		if s.Error {
			underline = "="
		}
		b.WriteString("\n" + title + "\n" + strings.Repeat(underline, len([]rune(title))) + "\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		writeTextRow(tw, s.Columns)
		for _, row := range s.Rows {
			writeTextRow(tw, row)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	b.WriteString("\n")
	for _, l := range footerLines(r) {
		b.WriteString(l + "\n")
	}
	// tabwriter pads every cell but the last; an empty last cell leaves
	// trailing blanks.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

func writeTextRow(w io.Writer, cells []string) {
	var b strings.Builder
	b.WriteString("  ")
	for i, c := range cells {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(clean(c))
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String()) //nolint:errcheck // tabwriter over a bytes.Buffer; Flush reports errors
}

const dryRunText = "Dry run: nothing was written; this lists what would change."

// RenderHTML writes the HTML rendering: a complete document with inline CSS
// (mail clients drop style sheets), one table per section with rows, errors
// highlighted in red. html/template escapes every cell, the subject and the
// notices; cells are cleaned as for text.
func RenderHTML(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	v := htmlView{
		Subject: r.Subject(),
		Started: startedText(r),
		DryRun:  r.DryRun,
		Footer:  footerLines(r),
	}
	if r.DryRun {
		v.DryRunText = dryRunText
	}
	for _, n := range r.Notices {
		v.Notices = append(v.Notices, clean(n))
	}
	for _, s := range visibleSections(r) {
		hs := htmlSection{Title: sectionTitle(s), Error: s.Error, Columns: cleanAll(s.Columns)}
		for _, row := range s.Rows {
			hs.Rows = append(hs.Rows, cleanAll(row))
		}
		v.Sections = append(v.Sections, hs)
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, v); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

type htmlView struct {
	Subject    string
	Started    string
	DryRun     bool
	DryRunText string
	Notices    []string
	Sections   []htmlSection
	Footer     []string
}

type htmlSection struct {
	Title   string
	Error   bool
	Columns []string
	Rows    [][]string
}

// RenderJSON writes the JSON rendering, a stable, documented shape
// (schema "domainsync.report/v1", see README.md):
//
//	{
//	  "schema":        "domainsync.report/v1",
//	  "kind":          "sync" | "reconcile",
//	  "registrar":     string,
//	  "dry_run":       bool,
//	  "subject":       string,          // as in the mail
//	  "notable":       bool,            // Report.Notable
//	  "started":       string | null,   // RFC 3339, null when unknown
//	  "duration_ms":   int,             // 0 when unknown
//	  "notices":       [string],        // never null
//	  "sections": [                     // only sections with rows, in display order
//	    {
//	      "id":      string,            // stable: "errors", "expiry", "due_date", "status",
//	                                    // "auto_renew", "privacy", "attention", "waiting", ...
//	      "title":   string,
//	      "error":   bool,
//	      "columns": [string],
//	      "rows":    [[string]]         // one string per column, insertion order
//	    }
//	  ],
//	  "totals": {"selected": int, "checked": int, "changed": int, "failed": int, "skipped": int},
//	  "remaining_due": int | null       // null when unknown
//	}
//
// Strings are carried literally (no HTML escaping, no cleaning); invalid
// UTF-8 becomes U+FFFD. Dates are "YYYY-MM-DD" or "no date".
func RenderJSON(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(toJSON(r))
}

// JSONReport is the JSON rendering's shape (schema v1). It is exported so
// that consumers in Go (and tests) can decode a rendering.
type JSONReport struct {
	Schema       string        `json:"schema"`
	Kind         string        `json:"kind"`
	Registrar    string        `json:"registrar"`
	DryRun       bool          `json:"dry_run"`
	Subject      string        `json:"subject"`
	Notable      bool          `json:"notable"`
	Started      *string       `json:"started"`
	DurationMS   int64         `json:"duration_ms"`
	Notices      []string      `json:"notices"`
	Sections     []JSONSection `json:"sections"`
	Totals       Totals        `json:"totals"`
	RemainingDue *int          `json:"remaining_due"`
}

// JSONSection is one section in the JSON rendering.
type JSONSection struct {
	ID      string     `json:"id"`
	Title   string     `json:"title"`
	Error   bool       `json:"error"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

func toJSON(r *Report) JSONReport {
	j := JSONReport{
		Schema:     Schema,
		Kind:       r.Kind,
		Registrar:  r.Registrar,
		DryRun:     r.DryRun,
		Subject:    r.Subject(),
		Notable:    r.Notable(),
		DurationMS: r.Duration.Milliseconds(),
		Notices:    append([]string{}, r.Notices...),
		Sections:   []JSONSection{},
		Totals:     r.Totals,
	}
	if !r.Started.IsZero() {
		s := r.Started.Format(time.RFC3339)
		j.Started = &s
	}
	if r.RemainingDue >= 0 {
		n := r.RemainingDue
		j.RemainingDue = &n
	}
	for _, s := range visibleSections(r) {
		js := JSONSection{ID: s.ID, Title: s.Title, Error: s.Error, Columns: nonNil(s.Columns), Rows: make([][]string, 0, len(s.Rows))}
		for _, row := range s.Rows {
			js.Rows = append(js.Rows, nonNil(row))
		}
		j.Sections = append(j.Sections, js)
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// visibleSections are the sections with rows, in order.
func visibleSections(r *Report) []Section {
	var out []Section
	for _, s := range r.Sections {
		if len(s.Rows) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func sectionTitle(s Section) string {
	return fmt.Sprintf("%s (%d)", clean(s.Title), len(s.Rows))
}

func startedText(r *Report) string {
	if r.Started.IsZero() {
		return ""
	}
	return "Started " + r.Started.Format("2006-01-02 15:04:05 MST") + "."
}

// footerLines are the run's totals, duration and remaining portfolio.
func footerLines(r *Report) []string {
	var lines []string
	if r.Kind == KindSync || r.Totals != (Totals{}) {
		t := r.Totals
		changed := "changed"
		if r.DryRun {
			changed = "would change"
		}
		lines = append(lines, fmt.Sprintf("Totals: selected %d, checked %d, %s %d, failed %d, skipped %d.",
			t.Selected, t.Checked, changed, t.Changed, t.Failed, t.Skipped))
	}
	var l []string
	if r.Duration > 0 {
		l = append(l, "Took "+formatDuration(r.Duration)+".")
	}
	switch {
	case r.RemainingDue == 0:
		l = append(l, "No domains remain due for a sync.")
	case r.RemainingDue == 1:
		l = append(l, "1 domain remains due for a sync.")
	case r.RemainingDue > 1:
		l = append(l, fmt.Sprintf("%d domains remain due for a sync.", r.RemainingDue))
	}
	if len(l) > 0 {
		lines = append(lines, strings.Join(l, " "))
	}
	return lines
}

func formatDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// clean makes s safe to show on one line of a terminal or a table cell:
// invalid UTF-8 becomes U+FFFD, tabs and line breaks become spaces, other
// control and bidi-control characters become U+FFFD.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || unicode.In(r, unicode.Zl, unicode.Zp):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return '\uFFFD'
		}
		return r
	}, s)
}

func cleanAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = clean(c)
	}
	return out
}

// oneLine is clean for header values (subject, title).
func oneLine(s string) string { return clean(s) }

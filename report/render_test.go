package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"cloud.google.com/go/civil"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/report")

const goldenDir = "../testdata/report"

var started = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// goldenCases are the reports whose three renderings are kept as golden
// files under testdata/report/<case>/.
func goldenCases() map[string]*Report {
	full := NewSync("openprovider")
	full.Started, full.Duration = started, 4213*time.Millisecond
	full.AddNotice("Held: 150 of 200 domains would change status to Expired (limit 20); status changes were not applied.")
	full.AddError("broken.com", "registrar: invalid reply: expiration_date \"2025-02-30\" is not a date")
	full.AddExpiry("example.com", d("2025-04-01"), d("2026-04-01"))
	full.AddExpiry("bücher.de", civil.Date{}, d("2025-11-30"))
	full.AddDueDate("example.com", d("2025-03-18"), d("2026-03-18"), true, "")
	full.AddDueDate("example.org", civil.Date{}, d("2025-12-01"), false, "was empty (new registration or transfer)")
	full.AddStatus("gone.net", "Active", "Expired")
	full.AddAutoRenew("example.com", "default", "off")
	full.AddPrivacy("example.org", false, true)
	full.AddAttention("far.com", "next due date 2025-01-01 → 2026-06-01", "differs by 516 days (max 100)")
	full.AddWaiting("new.io", "Pending Registration, not yet at the registrar")
	full.Totals = Totals{Selected: 200, Checked: 198, Changed: 5, Failed: 1, Skipped: 2}
	full.RemainingDue = 1234

	empty := NewSync("openprovider")
	empty.Started, empty.Duration = started, 350*time.Millisecond
	empty.RemainingDue = 0

	dry := NewSync("odr")
	dry.DryRun = true
	dry.Started, dry.Duration = started, 2*time.Second
	dry.AddExpiry("example.nl", d("2025-05-01"), d("2026-05-01"))
	dry.AddStatus("example.nl", "Pending Transfer", "Active")
	dry.AddContact("example.nl", "phone", "+31 20 123 4567", "+31.201234000")
	dry.Totals = Totals{Selected: 10, Checked: 10, Changed: 1}
	dry.RemainingDue = 1

	markup := NewSync("openprovider")
	markup.Started, markup.Duration = started, time.Second
	markup.AddNotice(`<i>notice</i> & "quotes"`)
	markup.AddError("<script>alert(1)</script>.com", `registrar said <b>&"'`)
	markup.AddStatus(`"><img src=x onerror=alert(1)>.com`, "Active", `<b>&"'`)
	markup.Totals = Totals{Selected: 2, Checked: 2, Changed: 1, Failed: 1}
	markup.RemainingDue = -1

	return map[string]*Report{"full": full, "empty": empty, "dryrun": dry, "markup": markup}
}

var renderers = []struct {
	file   string
	render func(*bytes.Buffer, *Report) error
}{
	{"report.txt", func(b *bytes.Buffer, r *Report) error { return RenderText(b, r) }},
	{"report.html", func(b *bytes.Buffer, r *Report) error { return RenderHTML(b, r) }},
	{"report.json", func(b *bytes.Buffer, r *Report) error { return RenderJSON(b, r) }},
}

// TestGolden compares the three renderings of each case with its golden
// files; `go test ./report -run TestGolden -update` rewrites them.
func TestGolden(t *testing.T) {
	for name, r := range goldenCases() {
		for _, rd := range renderers {
			t.Run(name+"/"+rd.file, func(t *testing.T) {
				var b bytes.Buffer
				if err := rd.render(&b, r); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(goldenDir, name, rd.file)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(b.Bytes(), want) {
					t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got:\n%s", path, b.String())
				}
			})
		}
	}
}

// TestMarkupEscaping proves HTML escapes domain names, registrar text and
// notices, while text and JSON carry them literally.
func TestMarkupEscaping(t *testing.T) {
	r := goldenCases()["markup"]
	var h, txt, js bytes.Buffer
	if err := RenderHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	if err := RenderText(&txt, r); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>", "<i>", `registrar said <b>&"'`} {
		if strings.Contains(h.String(), bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;.com", "registrar said &lt;b&gt;&amp;&#34;&#39;", "&lt;i&gt;notice&lt;/i&gt; &amp; &#34;quotes&#34;"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("HTML lacks escaped %q", want)
		}
	}
	for _, want := range []string{"<script>alert(1)</script>.com", `registrar said <b>&"'`, `"><img src=x onerror=alert(1)>.com`} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks literal %q", want)
		}
	}
	var j JSONReport
	if err := json.Unmarshal(js.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if got := j.Sections[0].Rows[0]; !slices.Equal(got, []string{"<script>alert(1)</script>.com", `registrar said <b>&"'`}) {
		t.Errorf("JSON row = %q", got)
	}
	if !strings.Contains(js.String(), `"<script>alert(1)</script>.com"`) {
		t.Error("JSON does not carry the markup literally (HTML-escaped?)")
	}
}

// TestJSONShape pins the documented v1 shape: field names, null for unknown
// values, [] rather than null for empty lists.
func TestJSONShape(t *testing.T) {
	r := NewSync("openprovider")
	var b bytes.Buffer
	if err := RenderJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"dry_run", "duration_ms", "kind", "notable", "notices", "registrar", "remaining_due", "schema", "sections", "started", "subject", "totals"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %v, want %v", keys, want)
	}
	if m["schema"] != "domainsync.report/v1" {
		t.Errorf("schema = %v", m["schema"])
	}
	if m["started"] != nil || m["remaining_due"] != nil {
		t.Errorf("unknown started/remaining_due not null: %v %v", m["started"], m["remaining_due"])
	}
	if s, ok := m["sections"].([]any); !ok || len(s) != 0 {
		t.Errorf("sections = %#v, want []", m["sections"])
	}
	if n, ok := m["notices"].([]any); !ok || len(n) != 0 {
		t.Errorf("notices = %#v, want []", m["notices"])
	}
	tot, _ := m["totals"].(map[string]any)
	for _, k := range []string{"selected", "checked", "changed", "failed", "skipped"} {
		if _, ok := tot[k]; !ok {
			t.Errorf("totals lacks %q", k)
		}
	}
}

// TestTextCleansCells proves a cell cannot add lines or terminal escapes to
// the text rendering.
func TestTextCleansCells(t *testing.T) {
	r := NewSync("openprovider")
	r.AddError("a.com", "line1\nline2\r\n\x1b[31mred\x1b[0m\ttab \u202eevil\xff")
	var b bytes.Buffer
	if err := RenderText(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\r\t\u202e") || !utf8.Valid(b.Bytes()) {
		t.Errorf("text carries control characters: %q", b.String())
	}
	if !strings.Contains(b.String(), "line1 line2  \ufffd[31mred\ufffd[0m tab \ufffdevil\ufffd") {
		t.Errorf("unexpected cleaning: %q", b.String())
	}
}

// FuzzRender feeds arbitrary domain names, messages and registrar names
// through all three renderings: none fails, HTML keeps its structure (the
// same number of tags as with harmless text), text keeps its lines and has
// no control characters, JSON decodes and carries valid UTF-8 cells intact.
func FuzzRender(f *testing.F) {
	f.Add("example.com", "registrar said no", "openprovider")
	f.Add("<script>alert(1)</script>.com", `<b>&"'`, "openprovider")
	f.Add(`"><img src=x onerror=alert(1)>`, "a\nb\r\nc\x1b[2J", "op\r\nBcc: x@y")
	f.Add("bücher.de", "\u202e\u2028\u2029\x00\x7f\u0085", "")
	f.Add("\xff\xfe", "{{.Subject}}", "</title><script>")
	f.Add("", "", "odr")
	f.Fuzz(func(t *testing.T, domain, msg, registrar string) {
		if len(domain)+len(msg)+len(registrar) > 1024 {
			t.Skip("long inputs add nothing but slow minimization")
		}
		build := func(domain, msg, registrar string) *Report {
			r := NewSync(registrar)
			r.Started, r.Duration, r.RemainingDue = started, time.Second, 3
			r.AddNotice(msg)
			r.AddError(domain, msg)
			r.AddStatus(domain, msg, "Expired")
			r.AddAttention(domain, msg, msg)
			r.AddWaiting(domain, msg)
			return r
		}
		r := build(domain, msg, registrar)
		ref := build("x", "x", "x")

		var h, href bytes.Buffer
		if err := RenderHTML(&h, r); err != nil {
			t.Fatal(err)
		}
		if err := RenderHTML(&href, ref); err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Count(h.String(), "<"), strings.Count(href.String(), "<"); got != want {
			t.Fatalf("HTML has %d '<', want %d:\n%s", got, want, h.String())
		}

		var txt, tref bytes.Buffer
		if err := RenderText(&txt, r); err != nil {
			t.Fatal(err)
		}
		if err := RenderText(&tref, ref); err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Count(txt.String(), "\n"), strings.Count(tref.String(), "\n"); got != want {
			t.Fatalf("text has %d lines, want %d:\n%s", got, want, txt.String())
		}
		if !utf8.Valid(txt.Bytes()) {
			t.Fatalf("text is not valid UTF-8: %q", txt.String())
		}
		for _, c := range txt.String() {
			if c != '\n' && (unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c)) {
				t.Fatalf("text carries %U: %q", c, txt.String())
			}
		}
		if s := r.Subject(); strings.ContainsAny(s, "\r\n") {
			t.Fatalf("subject has a line break: %q", s)
		}

		var js bytes.Buffer
		if err := RenderJSON(&js, r); err != nil {
			t.Fatal(err)
		}
		var j JSONReport
		if err := json.Unmarshal(js.Bytes(), &j); err != nil {
			t.Fatalf("JSON does not decode: %v\n%s", err, js.String())
		}
		if utf8.ValidString(domain) && utf8.ValidString(msg) {
			if got := j.Sections[0].Rows[0]; got[0] != domain || got[1] != msg {
				t.Fatalf("JSON row = %q, want %q", got, []string{domain, msg})
			}
		}
	})
}

package whmcsconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReadReturnArrayCurrentModule(t *testing.T) {
	vals, warns, err := ReadReturnArray("testdata/advanced-module-configurations-current.php")
	if err != nil {
		t.Fatal(err)
	}
	// The prelude's statements are skipped; the variable value is left out
	// with a warning naming its key.
	if len(warns) != 1 || warns[0].Key != "OpenproviderPremium" || warns[0].Line != 25 {
		t.Errorf("warnings = %v", warns)
	}
	if _, ok := vals["OpenproviderPremium"]; ok {
		t.Error("non-literal OpenproviderPremium kept")
	}
	checks := map[string]Value{
		"api_url":                         String("https://api.openprovider.eu"),
		"restapi_url_sandbox":             String("http://api.sandbox.openprovider.nl:8480"),
		"nextDueDateOffset":               Int(7),
		"syncUseNativeWHMCS":              Bool(false),
		"renewalDateSync":                 Bool(true),
		"requestTrusteeService":           {Kind: KindArray},
		"renewTldsUponTransferCompletion": String(""),
	}
	for k, want := range checks {
		if got := vals[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	tlds := vals["test_mode_tlds"]
	if got := tlds.Strings(); !reflect.DeepEqual(got, []string{"com", "net", "nl", "co.uk", "xn--p1ai", "eu"}) {
		t.Errorf("test_mode_tlds = %v", got)
	}
	if len(vals) != 23 {
		t.Errorf("%d keys", len(vals))
	}

	o, warns := ModuleOptionsFrom(vals, warns)
	want := ModuleOptions{
		DomainProcessingLimit: 150, UpdateInterval: 3 * time.Hour, NextDueDateOffset: 7, EmptyDueDateOffset: 7,
		NextDueDateUpdateMaxDayDifference: 60, UpdateNextDueDate: true, SyncExpiryDate: true, SyncDomainStatus: true,
		SyncAutoRenewSetting: true, SyncIdentityProtectionToggle: true, SendEmptyActivityEmail: false, SyncUseNativeWHMCS: false,
	}
	want.Set = o.Set
	if !reflect.DeepEqual(o, want) || len(o.Set) != 11 || len(warns) != 1 {
		t.Errorf("options = %+v (set %v), warnings %v", o, o.Set, warns)
	}
}

func TestReadReturnArrayOlderModule(t *testing.T) {
	vals, warns, err := ReadReturnArray("testdata/advanced-module-configurations-4.0.php")
	if err != nil || len(warns) != 0 || len(vals) != 18 {
		t.Fatalf("%d values, %v, %v", len(vals), warns, err)
	}
	o, warns := ModuleOptionsFrom(vals, nil)
	d := DefaultModuleOptions()
	if len(warns) != 0 || !o.SyncUseNativeWHMCS || o.UpdateNextDueDate || o.NextDueDateOffset != 14 ||
		o.EmptyDueDateOffset != 14 || o.DomainProcessingLimit != d.DomainProcessingLimit || o.UpdateInterval != d.UpdateInterval {
		t.Errorf("options = %+v, %v", o, warns)
	}
}

func TestParseReturnArray(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  map[string]Value
		warns []string // "key:msg fragment"
	}{
		{"array() syntax, trailing comma, all scalar kinds",
			`<?php return array('s' => "d\tq", 'i' => -3, 'f' => 1.5, 't' => TRUE, 'n' => NULL, 'h' => 0x10,);`,
			map[string]Value{"s": String("d\tq"), "i": Int(-3), "f": Float(1.5), "t": Bool(true), "n": Null(), "h": Int(16)}, nil},
		{"nested arrays and list keys",
			`<?php return ['a' => ['x', 'y', 5 => 'z', 'w'], 'b' => array('k' => [true]), 7 => 'seven', '8' => 'eight'];`,
			map[string]Value{
				"a": {Kind: KindArray, Items: []Item{{Int(0), String("x")}, {Int(1), String("y")}, {Int(5), String("z")}, {Int(6), String("w")}}},
				"b": {Kind: KindArray, Items: []Item{{String("k"), Value{Kind: KindArray, Items: []Item{{Int(0), Bool(true)}}}}}},
				"7": String("seven"), "8": String("eight"),
			}, nil},
		{"statements before return, comments everywhere",
			"<?php\n$x = 1; function f() { return ['no' => 1]; }\nif ($x) { return ['no' => 2]; }\n// return ['no' => 3];\n/* return */ return /* c */ [ # c\n 'yes' => 1, // c\n];",
			map[string]Value{"yes": Int(1)}, nil},
		{"non-literal values warn and are left out",
			`<?php return [
 'var' => $enabled,
 'const' => PHP_INT_MAX,
 'call' => getenv('X'),
 'concat' => 'a' . 'b',
 'math' => 1 + 2,
 'ternary' => true ? 1 : 2,
 'nested' => ['ok', $bad],
 'interp' => "x$y",
 'cast' => (int) '3',
 'closure' => function () { return [1, 2]; },
 CONSTKEY => 1,
 'kept' => 'yes',
];`,
			map[string]Value{"kept": String("yes")},
			[]string{"var:not a literal", "const:", "call:", "concat:", "math:", "ternary:", "nested:", "interp:", "cast:", "closure:", ":key that is not a literal"}},
		{"duplicate key: last wins with a warning",
			`<?php return ['a' => 1, 'b' => 2, 'a' => 3];`,
			map[string]Value{"a": Int(3), "b": Int(2)}, []string{"a:set more than once"}},
		{"close tag ends the return", "<?php return ['a' => 'x?>y'] ?>\ntrailing html",
			map[string]Value{"a": String("x?>y")}, nil},
		{"heredoc value", "<?php return ['h' => <<<TXT\n  line\n  TXT,\n];",
			map[string]Value{"h": String("line")}, nil},
		{"uppercase RETURN", "<?php RETURN [];", map[string]Value{}, nil},
	}
	for _, tc := range tests {
		vals, warns, err := ParseReturnArray([]byte(tc.src))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(vals, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.name, vals, tc.want)
		}
		if len(warns) != len(tc.warns) {
			t.Errorf("%s: warnings %v, want %v", tc.name, warns, tc.warns)
			continue
		}
		for i, w := range tc.warns {
			key, frag, _ := strings.Cut(w, ":")
			if warns[i].Key != key || !strings.Contains(warns[i].Msg, frag) || warns[i].Line == 0 {
				t.Errorf("%s: warning %d = %+v, want key %q with %q", tc.name, i, warns[i], key, frag)
			}
		}
	}
}

func TestParseReturnArrayErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no return", "<?php $a = ['x' => 1];", "no top-level return statement"},
		{"return only inside a block", "<?php if (1) { return []; }", "no top-level return statement"},
		{"return of a variable", "<?php $c = []; return $c;", "not an array literal"},
		{"return of an expression", "<?php return ['a' => 1] + $defaults;", "the return value is an expression"},
		{"unterminated array", "<?php return ['a' => 1,", "unterminated array"},
		{"unterminated string", "<?php return ['a' => 'x];", "unterminated single-quoted string"},
		{"unterminated comment", "<?php return ['a' => 1 /* ];", "unterminated /* comment"},
		{"bad nesting", "<?php return ['a' => (1];", `unbalanced "]"`},
		{"too deep", "<?php return " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + ";", "nested too deeply"},
		{"text only", "return ['a' => 1];", "no top-level return statement"},
	}
	for _, tc := range tests {
		_, _, err := ParseReturnArray([]byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	missing := filepath.Join(t.TempDir(), "advanced-module-configurations.php")
	if _, _, err := ReadReturnArray(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.php")
	_ = os.WriteFile(bad, []byte("<?php return 1;"), 0o600)
	if _, _, err := ReadReturnArray(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: %v", err)
	}
}

func TestModuleOptionsFrom(t *testing.T) {
	d := DefaultModuleOptions()
	if d.DomainProcessingLimit != 200 || d.UpdateInterval != 2*time.Hour || d.NextDueDateOffset != 0 ||
		d.EmptyDueDateOffset != 14 || d.NextDueDateUpdateMaxDayDifference != 100 || d.UpdateNextDueDate ||
		!d.SyncExpiryDate || !d.SyncDomainStatus || !d.SyncAutoRenewSetting || !d.SyncIdentityProtectionToggle ||
		d.SendEmptyActivityEmail || d.SyncUseNativeWHMCS {
		t.Errorf("defaults = %+v", d)
	}

	tests := []struct {
		name  string
		vals  map[string]Value
		check func(ModuleOptions) bool
		warn  string // key expected in the only warning, "" for none
	}{
		{"empty file: all fallbacks", map[string]Value{}, func(o ModuleOptions) bool {
			d := DefaultModuleOptions()
			return reflect.DeepEqual(o, d)
		}, ""},
		{"loose booleans true", map[string]Value{
			"updateNextDueDate": Int(1), "syncExpiryDate": String("1"), "sendEmptyActivityEmail": String("on"),
			"syncUseNativeWHMCS": String(" Yes "), "syncDomainStatus": String("TRUE"), "syncAutoRenewSetting": Float(1),
		}, func(o ModuleOptions) bool {
			return o.UpdateNextDueDate && o.SyncExpiryDate && o.SendEmptyActivityEmail && o.SyncUseNativeWHMCS &&
				o.SyncDomainStatus && o.SyncAutoRenewSetting && len(o.Set) == 6
		}, ""},
		{"loose booleans false", map[string]Value{
			"syncExpiryDate": Int(0), "syncDomainStatus": String("0"), "syncAutoRenewSetting": String("off"),
			"syncIdentityProtectionToggle": String("no"), "updateNextDueDate": String(""), "syncUseNativeWHMCS": String("false"),
		}, func(o ModuleOptions) bool {
			return !o.SyncExpiryDate && !o.SyncDomainStatus && !o.SyncAutoRenewSetting &&
				!o.SyncIdentityProtectionToggle && !o.UpdateNextDueDate && !o.SyncUseNativeWHMCS && len(o.Set) == 6
		}, ""},
		{"numbers from strings and floats", map[string]Value{
			"domainProcessingLimit": String("50"), "updateInterval": String(" 6 "), "nextDueDateOffset": String("-3"),
			"nextDueDateUpdateMaxDayDifference": Float(30),
		}, func(o ModuleOptions) bool {
			return o.DomainProcessingLimit == 50 && o.UpdateInterval == 6*time.Hour && o.NextDueDateOffset == -3 &&
				o.EmptyDueDateOffset == -3 && o.NextDueDateUpdateMaxDayDifference == 30
		}, ""},
		{"zero interval is allowed", map[string]Value{"updateInterval": Int(0)},
			func(o ModuleOptions) bool { return o.UpdateInterval == 0 && o.Set["updateInterval"] }, ""},
		{"numeric string with exponent", map[string]Value{"domainProcessingLimit": String("1e2")},
			func(o ModuleOptions) bool { return o.DomainProcessingLimit == 100 }, ""},
		{"word for a boolean keeps the fallback", map[string]Value{"syncExpiryDate": String("sometimes")},
			func(o ModuleOptions) bool { return o.SyncExpiryDate && !o.Set["syncExpiryDate"] }, "syncExpiryDate"},
		{"null keeps the fallback", map[string]Value{"updateNextDueDate": Null()},
			func(o ModuleOptions) bool { return !o.UpdateNextDueDate }, "updateNextDueDate"},
		{"fraction keeps the fallback", map[string]Value{"updateInterval": String("1.5")},
			func(o ModuleOptions) bool { return o.UpdateInterval == 2*time.Hour }, "updateInterval"},
		{"zero limit keeps the fallback", map[string]Value{"domainProcessingLimit": Int(0)},
			func(o ModuleOptions) bool { return o.DomainProcessingLimit == 200 }, "domainProcessingLimit"},
		{"negative max difference", map[string]Value{"nextDueDateUpdateMaxDayDifference": Int(-1)},
			func(o ModuleOptions) bool { return o.NextDueDateUpdateMaxDayDifference == 100 }, "nextDueDateUpdateMaxDayDifference"},
		{"huge offset", map[string]Value{"nextDueDateOffset": Int(1 << 40)},
			func(o ModuleOptions) bool { return o.NextDueDateOffset == 0 && o.EmptyDueDateOffset == 14 }, "nextDueDateOffset"},
		{"array for a number", map[string]Value{"domainProcessingLimit": {Kind: KindArray}},
			func(o ModuleOptions) bool { return o.DomainProcessingLimit == 200 }, "domainProcessingLimit"},
		{"hex-looking string is not a number", map[string]Value{"domainProcessingLimit": String("0x10")},
			func(o ModuleOptions) bool { return o.DomainProcessingLimit == 200 }, "domainProcessingLimit"},
	}
	for _, tc := range tests {
		prior := []Warning{{Key: "earlier", Msg: "kept"}}
		o, warns := ModuleOptionsFrom(tc.vals, prior)
		if !tc.check(o) {
			t.Errorf("%s: options %+v", tc.name, o)
		}
		if warns[0].Key != "earlier" {
			t.Errorf("%s: earlier warnings dropped: %v", tc.name, warns)
		}
		warns = warns[1:]
		if tc.warn == "" && len(warns) != 0 || tc.warn != "" && (len(warns) != 1 || warns[0].Key != tc.warn) {
			t.Errorf("%s: warnings %v, want one for %q", tc.name, warns, tc.warn)
		}
	}
}

// FuzzParseReturnArray: any input parses or fails cleanly, never panics or
// hangs; whatever parses also goes through ModuleOptionsFrom.
func FuzzParseReturnArray(f *testing.F) {
	for _, name := range []string{"advanced-module-configurations-current.php", "advanced-module-configurations-4.0.php"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(`<?php return array('a' => array(1, 'b' => [true, null, -1.5e3]), 2 => $x, 'c' => f(1) . 'x',);`))
	f.Add([]byte("<?php $a = 1; if ($a) { return [1]; } return [\"k$v\" => <<<E\nx\nE, 'n' => 0b11];"))
	f.Add([]byte("<?php return [[[[[[['deep']]]]]]] ?> tail"))
	f.Add([]byte("<?php return ['a' => (1];"))
	f.Add([]byte("<?php return ['unterminated"))
	f.Fuzz(func(t *testing.T, src []byte) {
		vals, warns, err := ParseReturnArray(src)
		if err != nil {
			return
		}
		for _, w := range warns {
			_ = w.String()
		}
		o, _ := ModuleOptionsFrom(vals, warns)
		if o.DomainProcessingLimit < 1 || o.UpdateInterval < 0 || o.NextDueDateUpdateMaxDayDifference < 0 {
			t.Fatalf("out-of-range options accepted: %+v", o)
		}
	})
}

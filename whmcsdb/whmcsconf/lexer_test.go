package whmcsconf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// render shows tokens compactly: S"..." literal string, X"..." non-literal
// string, I1 int, F1.5 float, $v variable, bare idents and operators, <? ?>
// tags, H"..." inline text.
func render(toks []token) string {
	var parts []string
	for _, t := range toks {
		switch t.kind {
		case tEOF:
		case tInlineHTML:
			parts = append(parts, fmt.Sprintf("H%q", t.text))
		case tOpenTag:
			parts = append(parts, "<?")
		case tCloseTag:
			parts = append(parts, "?>")
		case tVariable:
			parts = append(parts, "$"+t.text)
		case tIdent, tOp:
			parts = append(parts, t.text)
		case tString:
			if t.lit {
				parts = append(parts, fmt.Sprintf("S%q", t.text))
			} else {
				parts = append(parts, "X")
			}
		case tInt:
			parts = append(parts, fmt.Sprintf("I%d", t.i))
		case tFloat:
			parts = append(parts, fmt.Sprintf("F%g", t.f))
		}
	}
	return strings.Join(parts, " ")
}

func TestLex(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"tags and inline text", "\ufeffhead<?php $a=1; ?>\ntail<?= 2 ?>", `H"\ufeffhead" <? $a = I1 ; ?> H"tail" <? I2 ?>`},
		{"uppercase open tag", "<?PHP\n$a;", `<? $a ;`},
		{"<?xml is text", `<?xml version="1.0"?>`, `H"<?xml version=\"1.0\"?>"`},
		{"single quotes", `<?php 'a\'b\\c\nd$e'`, `<? S"a'b\\c\\nd$e"`},
		{"double-quote escapes", `<?php "\n\t\r\v\e\f\\\$\"|\0|\101\1012|\400|\x41\x4|\xZ|\u{e9}\u{1F600}|\u|\q"`,
			`<? S"\n\t\r\v\x1b\f\\$\"|\x00|AA2|\x00|A\x04|\\xZ|é😀|\\u|\\q"`},
		{"interpolation", `<?php "a $b" "{$c}" "${d}" "\$e" "$ 5" "a{b}"`, `<? X X X S"$e" S"$ 5" S"a{b}"`},
		{"backtick", "<?php `ls`", `<? X`},
		{"line comments", "<?php // $a = 1;\n# $b = 2;\n$c; #[Attr]", `<? $c ; #[ Attr ]`},
		{"block comments", "<?php /* $a = 1; */ $b /** doc */;", `<? $b ;`},
		{"comment ends at ?>", "<?php // x ?> $a = 1;", `<? ?> H" $a = 1;"`},
		{"strings hold comment and tag text", `<?php '//' "#" '/*' '?>' ";"`, `<? S"//" S"#" S"/*" S"?>" S";"`},
		{"numbers", "<?php 1 1_000 0x1F 0X1f 0b101 0o17 017 0 1.5 .5 1. 1e3 1E-2 1_0.5 9223372036854775807 9223372036854775808 0xFFFFFFFFFFFFFFFF",
			`<? I1 I1000 I31 I31 I5 I15 I15 I0 F1.5 F0.5 F1 F1000 F0.01 F10.5 I9223372036854775807 F9.223372036854776e+18 F1.8446744073709552e+19`},
		{"keywords and names", `<?php TRUE False null \WHMCS\Config\Setting::getValue('x')`, `<? TRUE False null \WHMCS\Config\Setting :: getValue ( S"x" )`},
		{"operators", "<?php => === !== <=> ?-> ??= ... .= - + =", `<? => === !== <=> ?-> ??= ... .= - + =`},
		{"heredoc", "<?php <<<EOT\na $x\nEOT;\n<<<\"Q\"\nline\\t1\n  QQ\nQ;", `<? X ; S"line\t1\n  QQ" ;`},
		{"indented heredoc", "<?php $a = <<<EOT\n    one\n      two\n    EOT;", `<? $a = S"one\n  two" ;`},
		{"nowdoc", "<?php <<<'N'\n$raw\\n\nN\n;", `<? S"$raw\\n" ;`},
		{"empty heredoc", "<?php <<<E\nE;", `<? S"" ;`},
		{"shift is not heredoc", "<?php 1 <<< 2", `<? I1 << < I2`},
		{"halt compiler", "<?php __halt_compiler(); 'unterminated", `<? __halt_compiler`},
		{"crlf", "<?php\r\n$a = 'x';\r\n?>\r\nafter", `<? $a = S"x" ; ?> H"after"`},
		{"no php at all", "plain text", `H"plain text"`},
		{"lone dollar", "<?php $ $$a", `<? $ $ $a`},
	}
	for _, tc := range tests {
		toks, err := lex([]byte(tc.src))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := render(toks); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestLexLines(t *testing.T) {
	toks, err := lex([]byte("<?php\n/* a\nb */ $x = 'multi\nline';\n$y = <<<E\n1\n2\nE;\n$z;"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{}
	for _, tk := range toks {
		if tk.kind == tVariable {
			lines[tk.text] = tk.line
		}
	}
	if lines["x"] != 3 || lines["y"] != 5 || lines["z"] != 9 {
		t.Errorf("lines = %v", lines)
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"<?php\n$a = 'open", "line 2: unterminated single-quoted string"},
		{"<?php\n\n$a = \"open\\\"", "line 3: unterminated double-quoted string"},
		{"<?php /* open", "line 1: unterminated /* comment"},
		{"<?php `ls", "unterminated backtick string"},
		{"<?php <<<EOT\nbody\n", "unterminated heredoc (no closing EOT)"},
		{"<?php 089;", "invalid numeric literal"},
		{`<?php "\u{110000}"`, "beyond U+10FFFF"},
		{`<?php "\u{zz}"`, "invalid \\u{...} escape"},
		{`<?php "\u{"`, "invalid \\u{...} escape"},
	}
	for _, tc := range tests {
		_, err := lex([]byte(tc.src))
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("lex(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

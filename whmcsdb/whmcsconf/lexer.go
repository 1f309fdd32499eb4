package whmcsconf

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// tokKind is the kind of a PHP token.
type tokKind uint8

const (
	tEOF        tokKind = iota
	tInlineHTML         // text outside <?php ... ?>
	tOpenTag            // <?php or <?=
	tCloseTag           // ?> (ends a statement like ;)
	tVariable           // $name; text is the name without $
	tIdent              // a name, keyword or namespaced name (\A\B); text as written
	tString             // a string literal; text is the decoded value
	tInt                // an integer literal; i holds the value
	tFloat              // a float literal (or an integer that overflowed); f holds the value
	tOp                 // an operator or punctuation; text holds it
)

// token is one PHP token.
type token struct {
	kind tokKind
	text string
	// lit is false for a string whose value is not known without running
	// PHP: double quotes or heredoc with interpolation, backticks.
	lit  bool
	i    int64
	f    float64
	line int // 1-based line where the token starts
}

func (t token) isOp(op string) bool { return t.kind == tOp && t.text == op }

// isKeyword reports whether t is the (case-insensitive) name kw.
func (t token) isKeyword(kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

// describe names a token for an error message without quoting string
// contents (which may be secrets).
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tInlineHTML:
		return "text outside <?php"
	case tOpenTag:
		return "<?php"
	case tCloseTag:
		return "?>"
	case tVariable:
		return "$" + t.text
	case tIdent:
		return fmt.Sprintf("%q", t.text)
	case tString:
		return "a string"
	case tInt, tFloat:
		return "a number"
	default:
		return fmt.Sprintf("%q", t.text)
	}
}

// SyntaxError is PHP the lexer or a parser cannot read.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// operators, longest first so that the first match is the longest.
var operators = []string{
	"<=>", "===", "!==", "**=", "...", "<<=", ">>=", "??=", "?->",
	"==", "!=", "<>", "<=", ">=", "=>", "->", "::", "++", "--", "+=", "-=", "*=", "/=",
	".=", "%=", "&=", "|=", "^=", "&&", "||", "??", "<<", ">>", "**", "#[",
}

type lexer struct {
	src  []byte
	pos  int
	line int
	toks []token
}

// lex splits PHP source into tokens, dropping whitespace and comments. It
// always terminates: every step consumes at least one byte.
func lex(src []byte) ([]token, error) {
	l := &lexer{src: src, line: 1}
	inPHP := false
	for l.pos < len(l.src) {
		if !inPHP {
			inPHP = l.inline()
			continue
		}
		done, err := l.next()
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		if n := len(l.toks); n > 0 && l.toks[n-1].kind == tCloseTag {
			inPHP = false
		}
	}
	l.toks = append(l.toks, token{kind: tEOF, line: l.line})
	return l.toks, nil
}

func (l *lexer) emit(t token) { l.toks = append(l.toks, t) }

// advance moves to end, counting newlines on the way.
func (l *lexer) advance(end int) {
	if end > len(l.src) {
		end = len(l.src)
	}
	l.line += bytes.Count(l.src[l.pos:end], []byte{'\n'})
	l.pos = end
}

// inline consumes text up to and including the next open tag and reports
// whether one was found.
func (l *lexer) inline() bool {
	start, line := l.pos, l.line
	rest := l.src[l.pos:]
	for i := 0; i+1 < len(rest); i++ {
		if rest[i] != '<' || rest[i+1] != '?' {
			continue
		}
		tagLen := 0
		switch {
		case i+2 < len(rest) && rest[i+2] == '=':
			tagLen = 3
		case len(rest) >= i+5 && strings.EqualFold(string(rest[i+2:i+5]), "php") &&
			(i+5 == len(rest) || isSpace(rest[i+5])):
			tagLen = 5
			// The tag swallows one following newline.
			if i+5 < len(rest) {
				tagLen++
				if rest[i+5] == '\r' && i+6 < len(rest) && rest[i+6] == '\n' {
					tagLen++
				}
			}
		}
		if tagLen == 0 {
			continue
		}
		if i > 0 {
			l.emit(token{kind: tInlineHTML, text: string(rest[:i]), line: line})
		}
		l.advance(start + i)
		l.emit(token{kind: tOpenTag, text: string(rest[i : i+tagLen]), line: l.line})
		l.advance(start + i + tagLen)
		return true
	}
	l.emit(token{kind: tInlineHTML, text: string(rest), line: line})
	l.advance(len(l.src))
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isNameChar(c byte) bool { return isNameStart(c) || (c >= '0' && c <= '9') }

func (l *lexer) peekAt(i int) byte {
	if l.pos+i < len(l.src) {
		return l.src[l.pos+i]
	}
	return 0
}

// next lexes one token (or skips whitespace or a comment) in PHP mode.
// done is true after __halt_compiler, whose remainder is raw data.
func (l *lexer) next() (done bool, err error) {
	c := l.src[l.pos]
	switch {
	case isSpace(c):
		l.advance(l.pos + 1)
	case c == '?' && l.peekAt(1) == '>':
		l.emit(token{kind: tCloseTag, text: "?>", line: l.line})
		end := l.pos + 2
		if end < len(l.src) && l.src[end] == '\n' {
			end++
		} else if end+1 < len(l.src) && l.src[end] == '\r' && l.src[end+1] == '\n' {
			end += 2
		}
		l.advance(end)
	case c == '#' && l.peekAt(1) == '[':
		l.emit(token{kind: tOp, text: "#[", line: l.line})
		l.advance(l.pos + 2)
	case c == '#' || (c == '/' && l.peekAt(1) == '/'):
		l.lineComment()
	case c == '/' && l.peekAt(1) == '*':
		return false, l.blockComment()
	case c == '$' && isNameStart(l.peekAt(1)):
		end := l.pos + 1
		for end < len(l.src) && isNameChar(l.src[end]) {
			end++
		}
		l.emit(token{kind: tVariable, text: string(l.src[l.pos+1 : end]), line: l.line})
		l.advance(end)
	case c == '\'':
		return false, l.singleQuoted()
	case c == '"':
		return false, l.doubleQuoted()
	case c == '`':
		return false, l.backtick()
	case c == '<' && l.peekAt(1) == '<' && l.peekAt(2) == '<' && l.heredocStart():
		return false, l.heredoc()
	case c >= '0' && c <= '9', c == '.' && l.peekAt(1) >= '0' && l.peekAt(1) <= '9':
		return false, l.number()
	case isNameStart(c) || (c == '\\' && isNameStart(l.peekAt(1))):
		end := l.pos
		for end < len(l.src) {
			if isNameChar(l.src[end]) || (l.src[end] == '\\' && end+1 < len(l.src) && isNameStart(l.src[end+1])) {
				end++
				continue
			}
			break
		}
		name := string(l.src[l.pos:end])
		l.emit(token{kind: tIdent, text: name, line: l.line})
		l.advance(end)
		if strings.EqualFold(name, "__halt_compiler") {
			return true, nil
		}
	default:
		for _, op := range operators {
			if bytes.HasPrefix(l.src[l.pos:], []byte(op)) {
				l.emit(token{kind: tOp, text: op, line: l.line})
				l.advance(l.pos + len(op))
				return false, nil
			}
		}
		l.emit(token{kind: tOp, text: string(c), line: l.line})
		l.advance(l.pos + 1)
	}
	return false, nil
}

// lineComment skips a // or # comment: it ends at a newline (left for the
// whitespace rule) or just before ?>, which still closes PHP mode.
func (l *lexer) lineComment() {
	end := l.pos
	for end < len(l.src) {
		c := l.src[end]
		if c == '\n' || c == '\r' || (c == '?' && end+1 < len(l.src) && l.src[end+1] == '>') {
			break
		}
		end++
	}
	l.advance(end)
}

func (l *lexer) blockComment() error {
	i := bytes.Index(l.src[l.pos+2:], []byte("*/"))
	if i < 0 {
		return &SyntaxError{Line: l.line, Msg: "unterminated /* comment"}
	}
	l.advance(l.pos + 2 + i + 2)
	return nil
}

func (l *lexer) singleQuoted() error {
	line := l.line
	var b strings.Builder
	for i := l.pos + 1; i < len(l.src); i++ {
		c := l.src[i]
		switch {
		case c == '\\' && i+1 < len(l.src) && (l.src[i+1] == '\\' || l.src[i+1] == '\''):
			b.WriteByte(l.src[i+1])
			i++
		case c == '\'':
			l.emit(token{kind: tString, text: b.String(), lit: true, line: line})
			l.advance(i + 1)
			return nil
		default:
			b.WriteByte(c)
		}
	}
	return &SyntaxError{Line: line, Msg: "unterminated single-quoted string"}
}

func (l *lexer) doubleQuoted() error {
	line := l.line
	end := -1
	for i := l.pos + 1; i < len(l.src); i++ {
		if l.src[i] == '\\' {
			i++
			continue
		}
		if l.src[i] == '"' {
			end = i
			break
		}
	}
	if end < 0 {
		return &SyntaxError{Line: line, Msg: "unterminated double-quoted string"}
	}
	val, lit, err := unescape(l.src[l.pos+1:end], true)
	if err != nil {
		return &SyntaxError{Line: line, Msg: err.Error()}
	}
	l.emit(token{kind: tString, text: val, lit: lit, line: line})
	l.advance(end + 1)
	return nil
}

// backtick lexes a shell-execution string: never a literal value.
func (l *lexer) backtick() error {
	line := l.line
	for i := l.pos + 1; i < len(l.src); i++ {
		if l.src[i] == '\\' {
			i++
			continue
		}
		if l.src[i] == '`' {
			l.emit(token{kind: tString, lit: false, line: line})
			l.advance(i + 1)
			return nil
		}
	}
	return &SyntaxError{Line: line, Msg: "unterminated backtick string"}
}

// unescape decodes the body of a double-quoted string (dq) or a heredoc.
// lit is false when the body interpolates a variable ($name, {$, ${).
func unescape(s []byte, dq bool) (val string, lit bool, err error) {
	lit = true
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '$' && i+1 < len(s) && (isNameStart(s[i+1]) || s[i+1] == '{') {
			lit = false
		}
		if c == '{' && i+1 < len(s) && s[i+1] == '$' {
			lit = false
		}
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		e := s[i+1]
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'v':
			b.WriteByte('\v')
		case 'e':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case '\\', '$':
			b.WriteByte(e)
		case '"':
			if dq {
				b.WriteByte('"')
			} else {
				b.WriteString(`\"`)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n, j := 0, i+1
			for ; j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7'; j++ {
				n = n*8 + int(s[j]-'0')
			}
			b.WriteByte(byte(n)) // PHP keeps the low byte of \400..\777
			i = j - 1
			continue
		case 'x':
			n, j := 0, i+2
			for ; j < len(s) && j < i+4 && isHex(s[j]); j++ {
				n = n*16 + hexVal(s[j])
			}
			if j == i+2 { // \x without hex digits stays as written
				b.WriteString(`\x`)
			} else {
				b.WriteByte(byte(n))
			}
			i = j - 1
			continue
		case 'u':
			if i+2 >= len(s) || s[i+2] != '{' {
				b.WriteString(`\u`)
				break
			}
			close := bytes.IndexByte(s[i+3:], '}')
			if close <= 0 {
				return "", false, fmt.Errorf("invalid \\u{...} escape in a string")
			}
			digits := s[i+3 : i+3+close]
			cp := 0
			for _, d := range digits {
				if !isHex(d) || cp > 0x10FFFF {
					return "", false, fmt.Errorf("invalid \\u{...} escape in a string")
				}
				cp = cp*16 + hexVal(d)
			}
			if cp > 0x10FFFF {
				return "", false, fmt.Errorf("\\u{...} escape in a string is beyond U+10FFFF")
			}
			b.Write(appendUTF8(nil, cp))
			i = i + 3 + close
			continue
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
		i++
	}
	return b.String(), lit, nil
}

// appendUTF8 encodes cp as PHP does, surrogates included.
func appendUTF8(b []byte, cp int) []byte {
	switch {
	case cp < 0x80:
		return append(b, byte(cp))
	case cp < 0x800:
		return append(b, byte(0xC0|cp>>6), byte(0x80|cp&0x3F))
	case cp < 0x10000:
		return append(b, byte(0xE0|cp>>12), byte(0x80|(cp>>6)&0x3F), byte(0x80|cp&0x3F))
	default:
		return append(b, byte(0xF0|cp>>18), byte(0x80|(cp>>12)&0x3F), byte(0x80|(cp>>6)&0x3F), byte(0x80|cp&0x3F))
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

// heredocHeader parses "<<<" [spaces] ["|'] NAME ["|'] newline at l.pos and
// returns the label, whether it is a nowdoc and where the body starts.
func (l *lexer) heredocHeader() (label string, nowdoc bool, body int, ok bool) {
	i := l.pos + 3
	for i < len(l.src) && (l.src[i] == ' ' || l.src[i] == '\t') {
		i++
	}
	var quote byte
	if i < len(l.src) && (l.src[i] == '\'' || l.src[i] == '"') {
		quote = l.src[i]
		i++
	}
	start := i
	if i >= len(l.src) || !isNameStart(l.src[i]) {
		return "", false, 0, false
	}
	for i < len(l.src) && isNameChar(l.src[i]) {
		i++
	}
	label = string(l.src[start:i])
	if quote != 0 {
		if i >= len(l.src) || l.src[i] != quote {
			return "", false, 0, false
		}
		i++
	}
	switch {
	case i < len(l.src) && l.src[i] == '\n':
		i++
	case i+1 < len(l.src) && l.src[i] == '\r' && l.src[i+1] == '\n':
		i += 2
	case i < len(l.src) && l.src[i] == '\r':
		i++
	default:
		return "", false, 0, false
	}
	return label, quote == '\'', i, true
}

func (l *lexer) heredocStart() bool {
	_, _, _, ok := l.heredocHeader()
	return ok
}

// heredoc lexes a heredoc or nowdoc. The closing label may be indented
// (PHP 7.3+); that indentation is removed from every body line.
func (l *lexer) heredoc() error {
	line := l.line
	label, nowdoc, body, _ := l.heredocHeader()
	for p := body; p <= len(l.src); {
		q := p
		for q < len(l.src) && (l.src[q] == ' ' || l.src[q] == '\t') {
			q++
		}
		if bytes.HasPrefix(l.src[q:], []byte(label)) &&
			(q+len(label) == len(l.src) || !isNameChar(l.src[q+len(label)])) {
			raw := []byte{}
			if p > body {
				end := p - 1 // the newline before the closing line
				if end > body && l.src[end-1] == '\r' && l.src[end] == '\n' {
					end--
				}
				raw = l.src[body:end]
			}
			text := dedent(raw, l.src[p:q])
			val, lit := string(text), true
			if !nowdoc {
				var err error
				val, lit, err = unescape(text, false)
				if err != nil {
					return &SyntaxError{Line: line, Msg: err.Error()}
				}
			}
			l.emit(token{kind: tString, text: val, lit: lit, line: line})
			l.advance(q + len(label))
			return nil
		}
		nl := bytes.IndexByte(l.src[p:], '\n')
		if nl < 0 {
			break
		}
		p += nl + 1
	}
	return &SyntaxError{Line: line, Msg: fmt.Sprintf("unterminated heredoc (no closing %s)", label)}
}

func dedent(body, indent []byte) []byte {
	if len(indent) == 0 {
		return body
	}
	lines := bytes.Split(body, []byte{'\n'})
	for i, ln := range lines {
		lines[i] = bytes.TrimPrefix(ln, indent)
	}
	return bytes.Join(lines, []byte{'\n'})
}

// number lexes an integer or float literal, as PHP 8.1 does: decimal,
// 0x hex, 0b binary, 0o / leading-0 octal, '_' between digits, fractions
// and exponents. An integer too large for int64 becomes a float.
func (l *lexer) number() error {
	line := l.line
	s := l.src
	i := l.pos
	digits := func(ok func(byte) bool) {
		if i >= len(s) || !ok(s[i]) {
			return
		}
		i++
		for i < len(s) {
			if ok(s[i]) {
				i++
			} else if s[i] == '_' && i+1 < len(s) && ok(s[i+1]) {
				i += 2
			} else {
				break
			}
		}
	}
	isDec := func(c byte) bool { return c >= '0' && c <= '9' }
	isOct := func(c byte) bool { return c >= '0' && c <= '7' }
	isBin := func(c byte) bool { return c == '0' || c == '1' }

	base := 0
	if s[i] == '0' && i+2 < len(s) {
		switch p, d := s[i+1], s[i+2]; {
		case (p == 'x' || p == 'X') && isHex(d):
			base = 16
		case (p == 'b' || p == 'B') && isBin(d):
			base = 2
		case (p == 'o' || p == 'O') && isOct(d):
			base = 8
		}
	}
	if base != 0 {
		i += 2
		switch base {
		case 16:
			digits(isHex)
		case 2:
			digits(isBin)
		default:
			digits(isOct)
		}
		l.emitInt(strings.ReplaceAll(string(s[l.pos+2:i]), "_", ""), base, line)
		l.advance(i)
		return nil
	}

	digits(isDec)
	float := false
	if i < len(s) && s[i] == '.' && !(i+1 < len(s) && s[i+1] == '.') {
		float = true
		i++
		digits(isDec)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDec(s[j]) {
			float = true
			i = j
			digits(isDec)
		}
	}
	text := strings.ReplaceAll(string(s[l.pos:i]), "_", "")
	switch {
	case float:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeErr(err) {
			return &SyntaxError{Line: line, Msg: "invalid numeric literal"}
		}
		l.emit(token{kind: tFloat, f: f, line: line})
	case len(text) > 1 && text[0] == '0':
		if strings.ContainsAny(text, "89") {
			return &SyntaxError{Line: line, Msg: "invalid numeric literal (8 or 9 in an octal number)"}
		}
		l.emitInt(text[1:], 8, line)
	default:
		l.emitInt(text, 10, line)
	}
	l.advance(i)
	return nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (l *lexer) emitInt(digits string, base int, line int) {
	if n, err := strconv.ParseInt(digits, base, 64); err == nil {
		l.emit(token{kind: tInt, i: n, line: line})
		return
	}
	// Overflow: PHP makes it a float.
	n, _ := new(big.Int).SetString(digits, base)
	f := 0.0
	if n != nil {
		f, _ = new(big.Float).SetInt(n).Float64()
	}
	l.emit(token{kind: tFloat, f: f, line: line})
}

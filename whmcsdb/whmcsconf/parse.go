package whmcsconf

import (
	"fmt"
	"strings"
)

// maxDepth bounds array nesting (and so recursion) on hostile input.
const maxDepth = 64

// parser walks a token slice that always ends with tEOF.
type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) advance() token {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}

// arrayHooks let the caller of a top-level array keep going past entries it
// cannot read. With nil hooks any non-literal entry makes the whole array
// non-literal.
type arrayHooks struct {
	// skip is called for an entry whose key or value is not a literal;
	// key is "" when the key itself is not a literal.
	skip func(key string, line int)
	// dup is called when a key appears again (the last value wins).
	dup func(key string, line int)
}

// value parses one literal at p.pos: a string, a number (with an optional
// sign), true/false/null, or an array literal. ok is false when the value
// is not a literal; the caller rewinds and skips the expression. err is a
// syntax error.
func (p *parser) value(depth int, hooks *arrayHooks) (v Value, ok bool, err error) {
	t := p.peek()
	switch {
	case t.kind == tString:
		if !t.lit {
			return Value{}, false, nil
		}
		p.advance()
		return String(t.text), true, nil
	case t.kind == tInt:
		p.advance()
		return Int(t.i), true, nil
	case t.kind == tFloat:
		p.advance()
		return Float(t.f), true, nil
	case t.isOp("-") || t.isOp("+"):
		n := p.toks[p.pos+1] // tEOF guarantees a next token after an op
		if n.kind != tInt && n.kind != tFloat {
			return Value{}, false, nil
		}
		p.advance()
		p.advance()
		if n.kind == tInt {
			if t.text == "-" {
				return Int(-n.i), true, nil
			}
			return Int(n.i), true, nil
		}
		if t.text == "-" {
			return Float(-n.f), true, nil
		}
		return Float(n.f), true, nil
	case t.kind == tIdent:
		name := strings.ToLower(strings.TrimPrefix(t.text, `\`))
		switch {
		case name == "true" || name == "false":
			p.advance()
			return Bool(name == "true"), true, nil
		case name == "null":
			p.advance()
			return Null(), true, nil
		case name == "array" && p.toks[p.pos+1].isOp("("):
			p.advance()
			p.advance()
			return p.array(t.line, ")", depth+1, hooks)
		}
	case t.isOp("["):
		p.advance()
		return p.array(t.line, "]", depth+1, hooks)
	}
	return Value{}, false, nil
}

// array parses array entries up to the closing bracket (already past the
// opening one).
func (p *parser) array(line int, close string, depth int, hooks *arrayHooks) (Value, bool, error) {
	if depth > maxDepth {
		return Value{}, false, &SyntaxError{Line: line, Msg: "arrays nested too deeply"}
	}
	arr := Value{Kind: KindArray}
	index := map[string]int{}
	var next int64
	allLiteral := true
	for {
		t := p.peek()
		if t.isOp(close) {
			p.advance()
			return arr, allLiteral, nil
		}
		if t.kind == tEOF || t.kind == tCloseTag || t.kind == tInlineHTML || t.kind == tOpenTag {
			return Value{}, false, &SyntaxError{Line: line, Msg: "unterminated array"}
		}
		start := p.pos
		entryOK := true
		var key Value
		keyKnown := false
		v, ok, err := p.value(depth, nil)
		if err != nil {
			return Value{}, false, err
		}
		if ok && p.peek().isOp("=>") {
			if v.Kind == KindArray {
				ok = false // an array is not a valid key
			} else {
				key, keyKnown = arrayKey(v), true
				p.advance()
				v, ok, err = p.value(depth, nil)
				if err != nil {
					return Value{}, false, err
				}
			}
		} else if ok {
			key, keyKnown = Int(next), true
		}
		if ok && !p.peek().isOp(",") && !p.peek().isOp(close) {
			ok = false // the literal is only the start of an expression
		}
		if !ok {
			entryOK = false
			p.pos = start
			if err := p.skipExpr(",", close); err != nil {
				return Value{}, false, err
			}
		}
		if !entryOK {
			if hooks == nil || hooks.skip == nil {
				allLiteral = false
			} else {
				k := ""
				if keyKnown {
					k = keyString(key)
				} else {
					k = p.entryKey(start)
				}
				hooks.skip(k, p.toks[start].line)
			}
		} else {
			ks := keyString(key)
			if i, dup := index[ks]; dup {
				arr.Items[i].Value = v
				if hooks != nil && hooks.dup != nil {
					hooks.dup(ks, p.toks[start].line)
				}
			} else {
				index[ks] = len(arr.Items)
				arr.Items = append(arr.Items, Item{Key: key, Value: v})
			}
			if key.Kind == KindInt && key.Int >= next && key.Int < 1<<62 {
				next = key.Int + 1
			}
		}
		if p.peek().isOp(",") {
			p.advance()
		}
	}
}

// entryKey finds the literal key of a skipped entry "key => expr" starting
// at start, or "" when the key is not a literal.
func (p *parser) entryKey(start int) string {
	save := p.pos
	defer func() { p.pos = save }()
	p.pos = start
	k, ok, err := p.value(maxDepth, nil) // scalars only: no nesting allowed
	if err != nil || !ok || k.Kind == KindArray || !p.peek().isOp("=>") {
		return ""
	}
	return keyString(arrayKey(k))
}

var closers = map[string]string{"(": ")", "[": "]", "{": "}", "#[": "]"}

// skipExpr advances past an expression up to (not including) one of the
// stop operators at bracket depth 0. A ";" stop also stops at ?>.
func (p *parser) skipExpr(stops ...string) error {
	var stack []string
	semi := false
	for _, s := range stops {
		semi = semi || s == ";"
	}
	for {
		t := p.peek()
		switch t.kind {
		case tEOF:
			if semi && len(stack) == 0 {
				return nil
			}
			return &SyntaxError{Line: t.line, Msg: "unexpected end of file in an expression"}
		case tCloseTag, tInlineHTML, tOpenTag:
			if semi && len(stack) == 0 {
				return nil
			}
			return &SyntaxError{Line: t.line, Msg: "unexpected " + t.describe() + " in an expression"}
		case tOp:
			if len(stack) == 0 {
				for _, s := range stops {
					if t.text == s {
						return nil
					}
				}
			}
			if c, open := closers[t.text]; open {
				stack = append(stack, c)
			} else if t.text == ")" || t.text == "]" || t.text == "}" {
				if len(stack) == 0 || stack[len(stack)-1] != t.text {
					return &SyntaxError{Line: t.line, Msg: fmt.Sprintf("unbalanced %q", t.text)}
				}
				stack = stack[:len(stack)-1]
			}
		}
		p.advance()
	}
}

// topStatements calls fn at every token that begins a statement outside any
// braces, brackets or parentheses. fn returns the index to continue from
// (i itself when it did not consume the statement) or -1 to stop.
func topStatements(toks []token, fn func(i int) (int, error)) error {
	var stack []string
	stmtStart := true
	for i := 0; i < len(toks); {
		t := toks[i]
		if t.kind == tEOF {
			if len(stack) > 0 {
				return &SyntaxError{Line: t.line, Msg: fmt.Sprintf("unexpected end of file: missing %q", stack[len(stack)-1])}
			}
			return nil
		}
		if len(stack) == 0 && stmtStart && (t.kind == tVariable || t.kind == tIdent) {
			next, err := fn(i)
			if err != nil {
				return err
			}
			if next < 0 {
				return nil
			}
			if next > i {
				i = next
				stmtStart = true
				continue
			}
		}
		switch {
		case t.kind == tOpenTag || t.kind == tCloseTag || t.kind == tInlineHTML || t.isOp(";"):
			stmtStart = true
		case t.kind == tOp && closers[t.text] != "":
			stack = append(stack, closers[t.text])
			stmtStart = t.text == "{"
		case t.isOp(")") || t.isOp("]") || t.isOp("}"):
			if len(stack) == 0 || stack[len(stack)-1] != t.text {
				return &SyntaxError{Line: t.line, Msg: fmt.Sprintf("unbalanced %q", t.text)}
			}
			stack = stack[:len(stack)-1]
			stmtStart = t.text == "}"
		default:
			stmtStart = false
		}
		i++
	}
	return nil
}

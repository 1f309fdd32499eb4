package whmcsconf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a PHP literal value.
type Kind uint8

// The kinds of PHP literal values.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindFloat
	KindString
	KindArray
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindArray:
		return "array"
	}
	return "unknown"
}

// Value is a PHP literal: null, a bool, an int, a float, a string or an
// array (ordered entries with int or string keys, as PHP keeps them).
type Value struct {
	Kind  Kind
	Bool  bool
	Int   int64
	Float float64
	Str   string
	Items []Item // KindArray only, in source order, keys unique (last wins)
}

// Item is one array entry. Key is KindInt or KindString.
type Item struct {
	Key   Value
	Value Value
}

// Constructors, mostly for tests and callers building expectations.

// Null returns PHP null.
func Null() Value { return Value{Kind: KindNull} }

// Bool returns a PHP bool.
func Bool(b bool) Value { return Value{Kind: KindBool, Bool: b} }

// Int returns a PHP int.
func Int(i int64) Value { return Value{Kind: KindInt, Int: i} }

// Float returns a PHP float.
func Float(f float64) Value { return Value{Kind: KindFloat, Float: f} }

// String returns a PHP string.
func String(s string) Value { return Value{Kind: KindString, Str: s} }

// String converts the value as PHP's (string) cast does: null and false are
// "", true is "1", floats use PHP's default precision of 14 digits, arrays
// are "Array".
func (v Value) String() string {
	switch v.Kind {
	case KindBool:
		if v.Bool {
			return "1"
		}
		return ""
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindFloat:
		return phpFloatString(v.Float)
	case KindString:
		return v.Str
	case KindArray:
		return "Array"
	}
	return ""
}

// GoString shows the kind and the value, for test failures.
func (v Value) GoString() string {
	switch v.Kind {
	case KindNull:
		return "null"
	case KindString:
		return strconv.Quote(v.Str)
	case KindBool, KindInt, KindFloat:
		return v.Kind.String() + "(" + v.String() + ")"
	case KindArray:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = it.Key.GoString() + " => " + it.Value.GoString()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "?"
}

// phpFloatString formats f like PHP's echo with precision=14.
func phpFloatString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case math.IsNaN(f):
		return "NAN"
	}
	s := strconv.FormatFloat(f, 'G', 14, 64)
	mant, exp, sci := strings.Cut(s, "E")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	if !sci {
		return mant
	}
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	sign := exp[:1]
	digits := strings.TrimLeft(exp[1:], "0")
	if digits == "" {
		digits = "0"
	}
	return mant + "E" + sign + digits
}

// Truthy is PHP's (bool) cast: false for null, false, 0, 0.0, "", "0" and
// the empty array; true for everything else (including "false" and "off").
func (v Value) Truthy() bool {
	switch v.Kind {
	case KindBool:
		return v.Bool
	case KindInt:
		return v.Int != 0
	case KindFloat:
		return v.Float != 0
	case KindString:
		return v.Str != "" && v.Str != "0"
	case KindArray:
		return len(v.Items) > 0
	}
	return false
}

// LooseBool reads a yes/no option the way an administrator means it:
// true, 1, "1", "true", "on", "yes" are true; false, 0, "0", "", "false",
// "off", "no" are false (strings compared trimmed and case-insensitively).
// ok is false for anything else (another number or word, null, an array).
func (v Value) LooseBool() (b, ok bool) {
	switch v.Kind {
	case KindBool:
		return v.Bool, true
	case KindInt:
		if v.Int == 0 || v.Int == 1 {
			return v.Int == 1, true
		}
	case KindFloat:
		if v.Float == 0 || v.Float == 1 {
			return v.Float == 1, true
		}
	case KindString:
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "1", "true", "on", "yes":
			return true, true
		case "0", "false", "off", "no", "":
			return false, true
		}
	}
	return false, false
}

// LooseInt reads an integer option: an int, a float with no fraction, or a
// PHP numeric string ("14", " 14", "+14", "-3", "14.0", "1e2") whose value is
// a whole number. ok is false for anything else.
func (v Value) LooseInt() (n int64, ok bool) {
	switch v.Kind {
	case KindInt:
		return v.Int, true
	case KindFloat:
		return floatToInt(v.Float)
	case KindString:
		s := strings.TrimLeft(v.Str, " \t\n\r\v\f")
		s = strings.TrimRight(s, " \t\n\r\v\f")
		if s == "" {
			return 0, false
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
		if !isPHPNumericFloat(s) {
			return 0, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		return floatToInt(f)
	}
	return 0, false
}

func floatToInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 || math.IsNaN(f) {
		return 0, false
	}
	return int64(f), true
}

// isPHPNumericFloat reports whether s (already trimmed) has PHP's numeric
// string shape: [+-] digits [. digits] [e [+-] digits], with at least one
// digit before the exponent. (Go's ParseFloat also accepts "Inf", "0x1p4",
// "1_0" and the like, which PHP does not.)
func isPHPNumericFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	n := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, n = i+1, n+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, n = i+1, n+1
		}
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		m := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, m = i+1, m+1
		}
		if m == 0 {
			return false
		}
	}
	return i == len(s)
}

// Lookup returns the entry of an array value with the given key (PHP key
// rules: "1" and 1 are the same key).
func (v Value) Lookup(key string) (Value, bool) {
	k := arrayKey(String(key))
	for _, it := range v.Items {
		if it.Key.Kind == k.Kind && it.Key.Int == k.Int && it.Key.Str == k.Str {
			return it.Value, true
		}
	}
	return Value{}, false
}

// Strings returns the string forms of an array's values, in order.
func (v Value) Strings() []string {
	out := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		out = append(out, it.Value.String())
	}
	return out
}

// arrayKey normalises an array key as PHP does: a decimal-integer string
// ("7", "-3", not "07" or "+3") becomes an int, floats truncate, bools are
// 0/1, null is "".
func arrayKey(k Value) Value {
	switch k.Kind {
	case KindInt:
		return k
	case KindString:
		s := k.Str
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
			return Int(n)
		}
		return k
	case KindBool:
		if k.Bool {
			return Int(1)
		}
		return Int(0)
	case KindFloat:
		if n, ok := floatToInt(math.Trunc(k.Float)); ok {
			return Int(n)
		}
		return Int(0)
	}
	return String("")
}

// keyString is the map key for a normalised array key.
func keyString(k Value) string {
	if k.Kind == KindInt {
		return strconv.FormatInt(k.Int, 10)
	}
	return k.Str
}

// Warning is something in a PHP file that domainsync ignored or read with
// a fallback; it names the key (or variable) and the line.
type Warning struct {
	Key  string // array key or variable name ("" for the file as a whole)
	Line int    // 0 when unknown
	Msg  string
}

func (w Warning) String() string {
	var b strings.Builder
	if w.Key != "" {
		fmt.Fprintf(&b, "%q", w.Key)
	}
	if w.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "(line %d)", w.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(w.Msg)
	return b.String()
}

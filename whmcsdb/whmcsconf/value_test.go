package whmcsconf

import (
	"math"
	"testing"
)

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Null(), ""}, {Bool(true), "1"}, {Bool(false), ""}, {Int(-42), "-42"}, {String("x"), "x"},
		{Value{Kind: KindArray}, "Array"},
		{Float(1.5), "1.5"}, {Float(3), "3"}, {Float(-0.25), "-0.25"}, {Float(0.1 + 0.2), "0.3"},
		{Float(1e14), "1.0E+14"}, {Float(12345678901234), "12345678901234"}, {Float(1.5e20), "1.5E+20"},
		{Float(1e-5), "1.0E-5"}, {Float(0.0001), "0.0001"}, {Float(math.Inf(1)), "INF"}, {Float(math.NaN()), "NAN"},
	}
	for _, tc := range tests {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestLooseBoolAndInt(t *testing.T) {
	bools := []struct {
		v      Value
		b, ok  bool
		truthy bool
	}{
		{Bool(true), true, true, true}, {Bool(false), false, true, false},
		{Int(1), true, true, true}, {Int(0), false, true, false}, {Int(2), false, false, true},
		{Float(1), true, true, true}, {Float(0.5), false, false, true},
		{String("1"), true, true, true}, {String("on"), true, true, true}, {String("YES"), true, true, true},
		{String("true"), true, true, true}, {String("0"), false, true, false}, {String(""), false, true, false},
		{String("off"), false, true, true}, {String("No"), false, true, true}, {String("false"), false, true, true},
		{String("maybe"), false, false, true}, {Null(), false, false, false}, {Value{Kind: KindArray}, false, false, false},
	}
	for _, tc := range bools {
		b, ok := tc.v.LooseBool()
		if b != tc.b || ok != tc.ok || tc.v.Truthy() != tc.truthy {
			t.Errorf("%#v: LooseBool = %t,%t Truthy = %t", tc.v, b, ok, tc.v.Truthy())
		}
	}
	ints := []struct {
		v  Value
		n  int64
		ok bool
	}{
		{Int(7), 7, true}, {Float(7), 7, true}, {Float(7.5), 0, false}, {Float(1e300), 0, false},
		{String("14"), 14, true}, {String(" 14\n"), 14, true}, {String("+14"), 14, true}, {String("-3"), -3, true},
		{String("14.0"), 14, true}, {String("1e2"), 100, true}, {String(".5"), 0, false}, {String("14abc"), 0, false},
		{String(""), 0, false}, {String("0x1A"), 0, false}, {String("Inf"), 0, false}, {String("1_000"), 0, false},
		{String("9223372036854775808"), 0, false}, {Bool(true), 0, false}, {Null(), 0, false},
	}
	for _, tc := range ints {
		n, ok := tc.v.LooseInt()
		if n != tc.n || ok != tc.ok {
			t.Errorf("%#v: LooseInt = %d,%t; want %d,%t", tc.v, n, ok, tc.n, tc.ok)
		}
	}
}

func TestArrayKeyAndLookup(t *testing.T) {
	for _, tc := range []struct {
		in, want Value
	}{
		{String("7"), Int(7)}, {String("-3"), Int(-3)}, {String("07"), String("07")}, {String("+3"), String("+3")},
		{String("a"), String("a")}, {Bool(true), Int(1)}, {Float(2.9), Int(2)}, {Null(), String("")},
	} {
		if got := arrayKey(tc.in); got.Kind != tc.want.Kind || got.Int != tc.want.Int || got.Str != tc.want.Str {
			t.Errorf("arrayKey(%#v) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	arr := Value{Kind: KindArray, Items: []Item{{Int(1), String("one")}, {String("k"), Int(2)}}}
	if v, ok := arr.Lookup("1"); !ok || v.Str != "one" {
		t.Errorf("Lookup(1) = %#v, %t", v, ok)
	}
	if v, ok := arr.Lookup("k"); !ok || v.Int != 2 {
		t.Errorf("Lookup(k) = %#v, %t", v, ok)
	}
	if _, ok := arr.Lookup("x"); ok {
		t.Error("Lookup(x) found")
	}
}

func TestWarningString(t *testing.T) {
	for w, want := range map[Warning]string{
		{Key: "k", Line: 3, Msg: "m"}: `"k" (line 3): m`,
		{Key: "k", Msg: "m"}:          `"k": m`,
		{Line: 3, Msg: "m"}:           `(line 3): m`,
		{Msg: "m"}:                    `m`,
	} {
		if got := w.String(); got != want {
			t.Errorf("%+v = %q, want %q", w, got, want)
		}
	}
}

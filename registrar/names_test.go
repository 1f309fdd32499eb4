package registrar

import "testing"

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, ascii, unicode string
		bad                bool
	}{
		{in: "Example.COM", ascii: "example.com", unicode: "example.com"},
		{in: " example.com. ", ascii: "example.com", unicode: "example.com"},
		{in: "bücher.de", ascii: "xn--bcher-kva.de", unicode: "bücher.de"},
		{in: "xn--bcher-kva.de", ascii: "xn--bcher-kva.de", unicode: "bücher.de"},
		{in: "example.co.uk", ascii: "example.co.uk", unicode: "example.co.uk"},
		{in: "", bad: true},
		{in: "   ", bad: true},
		{in: "localhost", bad: true},
		{in: "exa mple.com", bad: true},
	}
	for _, tt := range tests {
		a, u, err := NormalizeName(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("NormalizeName(%q) = %q, %q; want error", tt.in, a, u)
			}
			continue
		}
		if err != nil || a != tt.ascii || u != tt.unicode {
			t.Errorf("NormalizeName(%q) = %q, %q, %v; want %q, %q", tt.in, a, u, err, tt.ascii, tt.unicode)
		}
	}
}

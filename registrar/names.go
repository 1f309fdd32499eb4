package registrar

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// NormalizeName turns a domain name as stored in WHMCS or sent by a registrar
// into its ASCII (punycode) and Unicode forms: trimmed, lower case, no
// trailing dot. An empty or invalid name is an error naming the value.
func NormalizeName(name string) (ascii, unicode string, err error) {
	n := strings.TrimSpace(name)
	n = strings.TrimSuffix(n, ".")
	if n == "" {
		return "", "", fmt.Errorf("domain name %q is empty", name)
	}
	ascii, err = idnaProfile.ToASCII(n)
	if err != nil {
		return "", "", fmt.Errorf("domain name %q is not a valid domain name: %v", name, err)
	}
	ascii = strings.ToLower(ascii)
	if !strings.Contains(ascii, ".") {
		return "", "", fmt.Errorf("domain name %q has no extension", name)
	}
	unicode, err = idna.ToUnicode(ascii)
	if err != nil {
		unicode = ascii
	}
	return ascii, unicode, nil
}

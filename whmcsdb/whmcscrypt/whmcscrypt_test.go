package whmcscrypt

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// The published vectors (whmcs-db.md §8.3), verified there against a
// third-party PHP decrypter.
const vecHash = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01"

var vectors = []struct{ plain, cipher string }{
	{"", "KmSAZj0KmKPaTuVvMeLzT2WXp48="},
	{"on", "KmSAZj0KmKPaTuVvMeLzT2WXp487CQ=="},
	{"secret", "KmSAZj0KmKPaTuVvMeLzT2WXp48nAhWV2NQ="},
	{"abcdefghijklmnopqrst", "KmSAZj0KmKPaTuVvMeLzT2WXp481BRWD2MZ7tjfBvVzGNJb8dpkU8g=="},
	{"The quick brown fox jumps over the lazy dog.", "KmSAZj0KmKPaTuVvMeLzT2WXp48ADxPHzNV1vTWLtELELZesYYQfpoXL6TaLwN2TFTCf9gM2QLVvKpAU1Jx9Zg=="},
	{"pässwörd &amp; €", "KmSAZj0KmKPaTuVvMeLzT2WXp48kpNKUztffaCzP9hbKN4m3JwnlKg=="},
	{`{"module":"SmtpMail","configuration":{"encoding":"0","service_provider":"","host":"smtp.example.com","port":"587","auth_type":"plain","username":"mailer@example.com","password":"s3cr&t","oauth2_client_id":"","oauth2_client_secret":"","oauth2_refresh_token":"","secure":"tls","debug":""}}`,
		"KmSAZj0KmKPaTuVvMeLzT2WXp48vRRuI2dVwu3yR9GPGLonBZoILpGA0bxHK2wcTynP9RxK3CpgYa47jQmWYO/e46rdrKwbPmPidsjtFBMOGMNrWu3wV376jWSy0YhkmZosx3aiSjhldnMWhpueSOsNh6PbVFb+YPWFqATAE6uSLJbx5mrHKddPVOwnjOueYjvkr59SMB1tNFnngPc4hI0unoM0mpV5S+7O6qEwo63NMrPf01laXSSGB7ug1yn2WKJAzWP/JblikKMdKzqLtT1sl8QfUREr4zbepDVEUPn1Mz1KRhIIIKlEZ/KT2JLNwhjaErS0cOf/ZnOjAZLqpyROKF48/tqZ7Xm8D84qdYhB0KuYnVjxXyKKpTLOvoFfVMynRIdUP+qKt2J1FRF1QTGaoxQ=="},
}

var vecIV = IV(sha1.Sum([]byte("domainsync test iv")))

// TestKeyMaterial checks K, M and the IV against the values §8.3 lists.
func TestKeyMaterial(t *testing.T) {
	if got := string(keyString(vecHash)); got != "9428c956e25e42fef698e12f7dfcb5c180b16f73e11a3753be759c1415528b8f" {
		t.Errorf("K = %s", got)
	}
	m := mask(vecHash)
	if got := hex.EncodeToString(m[:]); got != "7e03f68180aa847d84e5335f9ab80ac3627cc009" {
		t.Errorf("M = %s", got)
	}
	if got := hex.EncodeToString(vecIV[:]); got != "546776e7bda01cde5eabd630ab5af98c07eb6786" {
		t.Errorf("IV = %s", got)
	}
}

func TestPublishedVectors(t *testing.T) {
	for i, v := range vectors {
		got, err := Decrypt(v.cipher, vecHash)
		if err != nil || got != v.plain {
			t.Errorf("vector %d: Decrypt = %q, %v; want %q", i+1, got, err, v.plain)
		}
		if enc := EncryptWithIV(v.plain, vecHash, vecIV); enc != v.cipher {
			t.Errorf("vector %d: EncryptWithIV = %s; want %s", i+1, enc, v.cipher)
		}
		if txt, err := DecryptText(v.cipher, vecHash); err != nil || txt != v.plain {
			t.Errorf("vector %d: DecryptText = %q, %v", i+1, txt, err)
		}
	}
}

// TestWrongKeyVector: §8.2 says vector 3 with H="x" decrypts to fcfce02cd188
// without error; DecryptText must call that a wrong key, never return it.
func TestWrongKeyVector(t *testing.T) {
	got, err := Decrypt(vectors[2].cipher, "x")
	if err != nil || hex.EncodeToString([]byte(got)) != "fcfce02cd188" {
		t.Fatalf("Decrypt with wrong key = %x, %v", got, err)
	}
	txt, err := DecryptText(vectors[2].cipher, "x")
	if !errors.Is(err, ErrWrongKey) || txt != "" {
		t.Fatalf("DecryptText with wrong key = %q, %v; want ErrWrongKey", txt, err)
	}
	if err.Error() != "cc_encryption_hash does not match this database" {
		t.Errorf("message = %q", err)
	}
}

func TestDecryptJSON(t *testing.T) {
	mail := vectors[6].cipher
	var cfg struct {
		Module        string            `json:"module"`
		Configuration map[string]string `json:"configuration"`
	}
	if err := DecryptJSON(mail, vecHash, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Module != "SmtpMail" || cfg.Configuration["host"] != "smtp.example.com" || cfg.Configuration["password"] != "s3cr&t" {
		t.Errorf("decoded %+v", cfg)
	}
	// Every wrong key fails, and the error never carries decrypted bytes.
	for _, h := range []string{"", "x", strings.ToUpper(vecHash), vecHash[:63]} {
		err := DecryptJSON(mail, h, &cfg)
		if !errors.Is(err, ErrWrongKey) {
			t.Errorf("hash %q: err = %v, want ErrWrongKey", h, err)
		}
	}
	// Right key, text but not JSON: a different error without the text.
	notJSON := EncryptWithIV("password=hunter2", vecHash, vecIV)
	err := DecryptJSON(notJSON, vecHash, nil)
	if err == nil || errors.Is(err, ErrWrongKey) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("non-JSON: %v", err)
	}
	// Valid JSON of the wrong shape.
	arr := EncryptWithIV(`{"module":["x"]}`, vecHash, vecIV)
	if err := DecryptJSON(arr, vecHash, &cfg); err == nil || errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong shape: %v", err)
	}
}

func TestDecryptEdgeCases(t *testing.T) {
	tests := []struct {
		name, in  string
		want      string
		malformed bool
	}{
		{"empty is empty", "", "", false},
		{"invalid base64", "not base64!", "", true},
		{"single char", "A", "", true},
		{"shorter than the IV", "KmSAZj0KmKPaTuVv", "", true},
		{"no padding", strings.TrimRight(vectors[1].cipher, "="), "on", false},
		{"wrapped with newlines", vectors[4].cipher[:30] + "\r\n" + vectors[4].cipher[30:], vectors[4].plain, false},
		{"url alphabet rejected", strings.ReplaceAll(vectors[6].cipher, "+", "-"), "", true},
	}
	for _, tc := range tests {
		got, err := Decrypt(tc.in, vecHash)
		if tc.malformed {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: err = %v, want ErrMalformed", tc.name, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestPlausibleText(t *testing.T) {
	for s, want := range map[string]bool{
		"":                true,
		"on":              true,
		"tab\there\r\n":   true,
		"pässwörd €":      true,
		"nul\x00":         false,
		"esc\x1b":         false,
		"del\x7f":         false,
		"c1\u0085":        false,
		"bad utf8 \xff":   false,
		"lone \xe2\x82":   false,
		"emoji 😀 is fine": true,
	} {
		if got := plausibleText(s); got != want {
			t.Errorf("plausibleText(%q) = %t", s, got)
		}
	}
}

// TestRoundTripRandom encrypts random byte strings of every length around
// the block boundaries with random keys and IVs, and decrypts them back.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 130 {
		for range 8 {
			plain := make([]byte, n)
			for i := range plain {
				plain[i] = byte(r.UintN(256))
			}
			key := make([]byte, r.IntN(80))
			for i := range key {
				key[i] = byte(r.UintN(256))
			}
			var iv IV
			for i := range iv {
				iv[i] = byte(r.UintN(256))
			}
			c := EncryptWithIV(string(plain), string(key), iv)
			got, err := Decrypt(c, string(key))
			if err != nil || got != string(plain) {
				t.Fatalf("len %d: round trip = %x, %v; want %x", n, got, err, plain)
			}
			if len(c) != 4*((BlockSize+n+2)/3) {
				t.Fatalf("len %d: ciphertext length %d", n, len(c))
			}
		}
	}
	// Encrypt's random IV: two encryptions differ and both decrypt.
	a, err1 := Encrypt("teststring", vecHash)
	b, err2 := Encrypt("teststring", vecHash)
	if err1 != nil || err2 != nil || a == b || len(a) != 40 {
		t.Fatalf("Encrypt = %s, %s (%v %v)", a, b, err1, err2)
	}
	for _, c := range []string{a, b} {
		if got, err := DecryptText(c, vecHash); err != nil || got != "teststring" {
			t.Errorf("Decrypt(Encrypt) = %q, %v", got, err)
		}
	}
}

// TestWrongKeyDetectedOnText: a wrong key is detected on text values of a
// realistic length (passwords, API keys). Deterministic: random bytes of
// length 16 pass the plausibility check with probability ~2e-6.
func TestWrongKeyDetectedOnText(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()"
	for i := range 500 {
		pw := make([]byte, 16+r.IntN(40))
		for j := range pw {
			pw[j] = alphabet[r.IntN(len(alphabet))]
		}
		var iv IV
		for j := range iv {
			iv[j] = byte(r.UintN(256))
		}
		c := EncryptWithIV(string(pw), vecHash, iv)
		wrong := vecHash[:60] + string(rune('a'+i%26)) + "xyz"
		if got, err := DecryptText(c, wrong); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("wrong key accepted: %q, %v", got, err)
		}
	}
}

func FuzzDecrypt(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.cipher, vecHash, v.plain)
	}
	f.Add("", "", "")
	f.Add("====", "x", "\x00\xff")
	f.Add("A", "k", "a")
	f.Add("KmSAZj0KmKPaTuVvMeLzT2WXp4", "0", strings.Repeat("z", 41))
	f.Fuzz(func(t *testing.T, ciphertext, hash, plain string) {
		// Decrypt and the checking variants never panic on any input.
		if out, err := Decrypt(ciphertext, hash); err == nil && ciphertext == "" && out != "" {
			t.Fatalf("empty ciphertext decrypted to %q", out)
		}
		if out, err := DecryptText(ciphertext, hash); err == nil && (!utf8.ValidString(out) || !plausibleText(out)) {
			t.Fatalf("DecryptText returned implausible text %q", out)
		}
		_ = DecryptJSON(ciphertext, hash, new(any))
		// Encrypt → Decrypt round-trips.
		c, err := Encrypt(plain, hash)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decrypt(c, hash)
		if err != nil || got != plain {
			t.Fatalf("round trip: %q, %v; want %q", got, err, plain)
		}
	})
}

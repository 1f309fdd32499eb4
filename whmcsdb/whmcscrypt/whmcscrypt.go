// Package whmcscrypt implements WHMCS's encrypt()/decrypt() (the scheme of
// tblregistrars values, MailConfig and pre-8 SMTPPassword), byte-compatible
// with WHMCS (whmcs-db.md §8.2): a SHA-1 keystream seeded by a 20-byte IV,
// keyed by $cc_encryption_hash, with no integrity check. Because a wrong
// key decrypts to garbage without error, DecryptText and DecryptJSON check
// that the result is plausible and return ErrWrongKey otherwise.
package whmcscrypt

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// BlockSize is the keystream block length (a SHA-1 digest).
const BlockSize = sha1.Size

// ErrWrongKey means a value did not decrypt to something plausible: the
// $cc_encryption_hash is not the one this database was encrypted with.
var ErrWrongKey = errors.New("cc_encryption_hash does not match this database")

// ErrMalformed means a stored value is not WHMCS ciphertext at all.
var ErrMalformed = errors.New("not a WHMCS-encrypted value")

// IV is the random value that starts every ciphertext.
type IV [BlockSize]byte

// keyString is K = md5hex(md5hex(H)) ‖ md5hex(H).
func keyString(hash string) []byte {
	inner := md5hex([]byte(hash))
	outer := md5hex(inner)
	return append(outer, inner...)
}

func md5hex(b []byte) []byte {
	sum := md5.Sum(b)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum[:])
	return out
}

// mask is M = sha1raw(K).
func mask(hash string) [BlockSize]byte { return sha1.Sum(keyString(hash)) }

// keystream XORs data in place with WHMCS's keystream starting from iv.
// The key of block n > 0 is sha1(key of block n-1 ‖ plaintext of block
// n-1): the input when encrypting, the output when decrypting.
func keystream(iv IV, data []byte, encrypt bool) {
	k := [BlockSize]byte(iv)
	var buf [2 * BlockSize]byte
	var plain [BlockSize]byte // plaintext of the previous (full) block
	for i := 0; i < len(data); i += BlockSize {
		end := min(i+BlockSize, len(data))
		if i > 0 {
			copy(buf[:BlockSize], k[:])
			copy(buf[BlockSize:], plain[:])
			k = sha1.Sum(buf[:])
		}
		if encrypt {
			copy(plain[:], data[i:end])
		}
		for j := i; j < end; j++ {
			data[j] ^= k[j-i]
		}
		if !encrypt {
			copy(plain[:], data[i:end])
		}
	}
}

// Encrypt encrypts plain with a random IV, as WHMCS's encrypt() does.
func Encrypt(plain, hash string) (string, error) {
	var iv IV
	if _, err := rand.Read(iv[:]); err != nil {
		return "", fmt.Errorf("generating an IV: %w", err)
	}
	return EncryptWithIV(plain, hash, iv), nil
}

// EncryptWithIV encrypts plain with the given IV (for reproducible tests).
func EncryptWithIV(plain, hash string, iv IV) string {
	m := mask(hash)
	out := make([]byte, BlockSize+len(plain))
	for i := range BlockSize {
		out[i] = iv[i] ^ m[i]
	}
	copy(out[BlockSize:], plain)
	keystream(iv, out[BlockSize:], true)
	return base64.StdEncoding.EncodeToString(out)
}

// Decrypt decrypts a WHMCS-encrypted value. An empty value is "". Like
// WHMCS it cannot tell a wrong key from a right one (use DecryptText or
// DecryptJSON for that). Invalid base64 or a value shorter than the 20-byte
// IV is ErrMalformed (where WHMCS would return "").
func Decrypt(ciphertextB64, hash string) (string, error) {
	if ciphertextB64 == "" {
		return "", nil
	}
	raw, err := decodeBase64(ciphertextB64)
	if err != nil {
		return "", err
	}
	if len(raw) < BlockSize {
		return "", fmt.Errorf("%w: %d bytes, shorter than the %d-byte IV", ErrMalformed, len(raw), BlockSize)
	}
	m := mask(hash)
	var iv IV
	for i := range BlockSize {
		iv[i] = raw[i] ^ m[i]
	}
	body := raw[BlockSize:]
	keystream(iv, body, false)
	return string(body), nil
}

// decodeBase64 accepts standard base64 with or without padding, ignoring
// whitespace (values pasted or wrapped by hand); anything else is an error.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid base64", ErrMalformed)
	}
	return raw, nil
}

// DecryptText decrypts a value that must be text: valid UTF-8 with no
// control characters other than tab, CR and LF. Anything else is
// ErrWrongKey (the garbage is never returned). Short values can pass by
// chance with a wrong key (random bytes pass with probability ~18% at 2
// bytes, ~0.2% at 8, ~2e-6 at 16): check the key on a long value, such as
// MailConfig or a password, before trusting short ones like "on".
func DecryptText(ciphertextB64, hash string) (string, error) {
	plain, err := Decrypt(ciphertextB64, hash)
	if err != nil {
		return "", err
	}
	if !plausibleText(plain) {
		return "", ErrWrongKey
	}
	return plain, nil
}

func plausibleText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' {
			return false
		}
	}
	return true
}

// DecryptJSON decrypts a value that must be JSON (such as MailConfig) and
// unmarshals it into v (when v is not nil). Text that is not plausible is
// ErrWrongKey; plausible text that is not JSON is a different error, which
// never includes the text. WHMCS HTML-entity-decodes MailConfig before
// JSON-decoding it; callers that need that use DecryptText.
func DecryptJSON(ciphertextB64, hash string, v any) error {
	plain, err := DecryptText(ciphertextB64, hash)
	if err != nil {
		return err
	}
	if !json.Valid([]byte(plain)) {
		return errors.New("the decrypted value is not valid JSON")
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(plain), v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("the decrypted JSON has a %s where %s was expected (field %q)", te.Value, te.Type, te.Field)
		}
		return errors.New("the decrypted JSON does not fit the expected shape")
	}
	return nil
}

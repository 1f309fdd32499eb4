package openprovider

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// A listing page of 1,000 domains is about 1 MB of JSON, and reading the
// pages of a 10,000-domain portfolio was most of a batch's CPU (two thirds
// of the client's in a profile: encoding/json scanning each byte four to
// six times). The envelope and the listing are therefore read with
// jsontext (github.com/go-json-experiment/json, the streaming tokenizer of
// the Go team's json/v2, in the standard library as encoding/json/jsontext
// behind GOEXPERIMENT=jsonv2 in Go 1.26): one validating pass for the
// envelope, one for data.results, the items handed on as slices of the
// reply without copies, and quickName reading an item only up to its id
// and name (BenchmarkListPage). The fields themselves are still decoded by
// encoding/json (decodeDomain and the *Field helpers): what each one
// accepts is unchanged.

// errNullObject: the value read as an object is JSON null.
var errNullObject = errors.New("null")

// newScanner reads raw as encoding/json.Unmarshal accepts it: a name sent
// twice is allowed (the caller keeps the last, as Unmarshal does), and so
// are bytes that are not UTF-8 inside strings (Unmarshal replaces them;
// the fields decoded from them are decoded by encoding/json).
func newScanner(raw []byte) *jsontext.Decoder {
	return jsontext.NewDecoder(bytes.NewBuffer(raw),
		jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// eachMember reads the one JSON object d holds, calling fn with each
// member's name; fn must read the member's value from d (rawValue,
// SkipValue...). It fails when the input is not exactly one object
// (errNullObject for null), or with fn's error.
func eachMember(d *jsontext.Decoder, fn func(name string) error) error {
	tok, err := d.ReadToken()
	switch {
	case err != nil:
		return err
	case tok.Kind() == 'n':
		return errNullObject
	case tok.Kind() != '{':
		return errors.New("not an object: " + tok.Kind().String())
	}
	for {
		switch d.PeekKind() {
		case '}':
			if _, err := d.ReadToken(); err != nil {
				return err
			}
			if _, err := d.ReadToken(); err != io.EOF { // nothing after the object
				if err == nil {
					err = errors.New("data after the object")
				}
				return err
			}
			return nil
		case '"':
			name, err := d.ReadToken()
			if err != nil {
				return err
			}
			if err := fn(name.String()); err != nil {
				return err
			}
		default:
			_, err := d.ReadToken() // (the syntax error, or the end of the input)
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
}

// rawValue reads the next value from d, which reads raw, and returns it as
// a slice of raw (not a copy).
func rawValue(d *jsontext.Decoder, raw []byte) ([]byte, error) {
	v, err := d.ReadValue()
	if err != nil {
		return nil, err
	}
	end := int(d.InputOffset())
	return raw[end-len(v) : end : end], nil
}

// quickDomain reads a listed domain's "domain" member from d: an object
// whose "name" and "extension" are strings (the last of each when sent
// twice, as encoding/json's map would hold; JSON null reads as ""). ok is
// false for anything else.
func quickDomain(d *jsontext.Decoder) (sld, ext string, ok bool) {
	if d.PeekKind() != '{' {
		_ = d.SkipValue()
		return "", "", false
	}
	if _, err := d.ReadToken(); err != nil {
		return "", "", false
	}
	var sawName, sawExt bool
	for d.PeekKind() == '"' {
		key, err := d.ReadToken()
		if err != nil {
			return "", "", false
		}
		var dst *string
		switch key.String() {
		case "name":
			dst, sawName = &sld, true
		case "extension":
			dst, sawExt = &ext, true
		default:
			if err := d.SkipValue(); err != nil {
				return "", "", false
			}
			continue
		}
		v, err := d.ReadToken()
		if err != nil {
			return "", "", false
		}
		switch v.Kind() {
		case '"':
			*dst = v.String()
		case 'n':
			*dst = ""
		default:
			return "", "", false // (an object or array: its start was read)
		}
	}
	if _, err := d.ReadToken(); err != nil { // '}'
		return "", "", false
	}
	return sld, ext, sawName && sawExt
}

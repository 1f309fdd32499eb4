package config

// Decoding the YAML file strictly, with yaml.v3's errors rewritten as
// "file:line: key.path: what is wrong".

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decodeFile decodes the file strictly onto the defaults and records the
// line of every key. It returns false when the file cannot be used at all.
func (l *loader) decodeFile() (ok bool) {
	defer func() {
		// yaml.v3 reports through panics it recovers itself; anything else
		// must still not crash a run on a bad file.
		if r := recover(); r != nil {
			l.problem("%s: cannot parse YAML: %v", l.in.File, r)
			ok = false
		}
	}()
	var root yaml.Node
	if err := yaml.Unmarshal(l.in.Data, &root); err != nil {
		l.problem("%s", l.yamlSyntax(err))
		return false
	}
	if len(root.Content) == 0 {
		return true // empty file or comments only
	}
	idx := newNodeIndex()
	idx.walk(root.Content[0], "")
	for p, n := range idx.keyLine {
		l.lines[p] = n
	}

	dec := yaml.NewDecoder(bytes.NewReader(l.in.Data))
	dec.KnownFields(true)
	err := dec.Decode(&l.doc)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			l.problem("%s", l.rewriteTypeError(msg, idx))
		}
	case err != nil && !errors.Is(err, io.EOF):
		l.problem("%s", l.yamlSyntax(err))
		return false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.problem("%s:%d: only one YAML document is allowed", l.in.File, extra.Line)
	}
	// yaml.v3 silently truncates 1.5 into an int field: refuse it.
	for _, v := range idx.values {
		k, ok := keyByPath[stripIndex(v.path)]
		if ok && isIntKind(elemKind(k, v.path)) && v.node.Kind == yaml.ScalarNode && v.node.ShortTag() == "!!float" {
			l.failed[k.Path] = true
			l.problem("%s: %s: cannot use %s as a whole number", l.fileAt(v.node.Line), v.path, l.describeValue(v.path, v.node))
		}
	}
	l.noteSecrets()

	// Sources: every known key written in the file (a null scalar leaves a
	// scalar at its default, so it is not the file's value).
	var secretKeys []string
	for _, k := range configKeys {
		line, ok := idx.keyLine[k.Path]
		if !ok {
			continue
		}
		if v := idx.valueOf[k.Path]; v != nil && v.ShortTag() == "!!null" && !nilable(k.Type) {
			continue
		}
		l.src.Set(k.Path, SourceFile(l.in.File, line))
		if k.Secret && l.secretValue(k.Path) != "" {
			secretKeys = append(secretKeys, k.Path)
		}
	}
	if len(secretKeys) > 0 && l.in.Mode.Perm()&0o077 != 0 {
		l.src.Warnings = append(l.src.Warnings, fmt.Sprintf(
			"%s holds a password (%s) but is readable by group or others (mode %04o): run chmod 600 %s, or move the secret to the environment",
			l.in.File, strings.Join(secretKeys, ", "), l.in.Mode.Perm(), l.in.File))
	}
	return true
}

// secretValue is the clear value of a secret key in the current document.
func (l *loader) secretValue(key string) string {
	switch key {
	case "whmcs.dsn":
		return l.doc.WHMCS.DSN.Password()
	case "report.smtp.password":
		return l.doc.Report.SMTP.Password.Reveal()
	case "registrars.openprovider.password":
		if l.doc.Registrars.Openprovider != nil {
			return l.doc.Registrars.Openprovider.Password.Reveal()
		}
	case "registrars.odr.api_secret":
		if l.doc.Registrars.Odr != nil {
			return l.doc.Registrars.Odr.APISecret.Reveal()
		}
	}
	return ""
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlSyntax rewrites "yaml: line 3: msg" as "file:3: msg".
func (l *loader) yamlSyntax(err error) string {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Sprintf("%s:%s: %s", l.in.File, m[1], m[2])
	}
	return fmt.Sprintf("%s: %s", l.in.File, strings.TrimPrefix(err.Error(), "yaml: "))
}

var (
	notFoundRE  = regexp.MustCompile("^line (\\d+): field (.*) not found in type .*$")
	cannotRE    = regexp.MustCompile("^line (\\d+): cannot unmarshal (\\S+)(?: `(.*)`)? into (.*)$")
	duplicateRE = regexp.MustCompile("^line (\\d+): mapping key \"(.*)\" already defined at line (\\d+)$")
	lineRE      = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// rewriteTypeError turns one yaml.v3 TypeError line into
// "file:line: key.path: what is wrong", using the node index for the path.
func (l *loader) rewriteTypeError(msg string, idx *nodeIndex) string {
	if m := notFoundRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := idx.keyAt(line, m[2])
		if path == "" {
			return fmt.Sprintf("%s: unknown key %q", l.fileAt(line), m[2])
		}
		parent, name := splitPath(path)
		if parent == "registrars" {
			return fmt.Sprintf("%s: %s: unknown registrar %q (supported: %s)", l.fileAt(line), path, name, strings.Join(childKeys("registrars"), ", "))
		}
		hint := ""
		if s := suggest(name, childKeys(parent)); s != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", s)
		}
		return fmt.Sprintf("%s: %s: unknown key%s", l.fileAt(line), path, hint)
	}
	if m := cannotRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		v := idx.valueAt(line, m[2], m[3])
		if v == nil {
			return fmt.Sprintf("%s: cannot use a %s value as %s", l.fileAt(line), strings.TrimPrefix(m[2], "!!"), m[4])
		}
		if v.path == "" {
			return fmt.Sprintf("%s: the file must be a mapping of sections (whmcs, registrars, sync, report)", l.fileAt(line))
		}
		l.failed[stripIndex(v.path)] = true
		return fmt.Sprintf("%s: %s: cannot use %s as %s", l.fileAt(line), v.path, l.describeValue(v.path, v.node), describeTarget(v.path))
	}
	if m := duplicateRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := idx.keyAt(line, m[2])
		if path == "" {
			path = m[2]
		}
		return fmt.Sprintf("%s: %s: duplicate key (first at line %s)", l.fileAt(line), path, m[3])
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s", l.in.File, m[1], m[2])
	}
	return fmt.Sprintf("%s: %s", l.in.File, msg)
}

// describeValue quotes a scalar (never a secret's) or names the node kind.
func (l *loader) describeValue(path string, n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	if k, ok := keyByPath[stripIndex(path)]; ok && k.Secret {
		return "the value given"
	}
	return strconv.Quote(n.Value)
}

// describeTarget says what a key accepts.
func describeTarget(path string) string {
	if _, key, ok := overrideKey(path); ok && key == "update_interval" {
		path = "sync.update_interval"
	}
	if path == "sync.update_interval" {
		return "an interval (e.g. 2h, 90m, 1d or 0)"
	}
	k, ok := keyByPath[stripIndex(path)]
	if !ok {
		if sectionPaths[path] || path == "" {
			return "a mapping (key: value)"
		}
		return "this key's type"
	}
	t := k.Type
	if path != k.Path { // an element: statuses[1], status_map.DEL
		t = t.Elem()
	}
	return describeType(t)
}

func describeType(t reflect.Type) string {
	if t == reflect.TypeOf(time.Duration(0)) {
		return `a duration with a unit (e.g. "30s")`
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	case reflect.Slice:
		return "a list (e.g. [a, b])"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "a mapping (key: value)"
	}
	return t.String()
}

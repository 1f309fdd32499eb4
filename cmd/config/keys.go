package config

// The known keys, from the document type's yaml tags: the reflection key
// registry every layer sets keys through.

import (
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// configKey is one leaf setting of the file, e.g. sync.batch_size.
type configKey struct {
	Path   string
	Index  []int // field index path in document
	Type   reflect.Type
	Secret bool
}

var (
	configKeys   []configKey // in declaration order: the config command's order
	keyByPath    = map[string]configKey{}
	sectionPaths = map[string]bool{} // whmcs, registrars, registrars.openprovider, …
)

func init() {
	collectKeys(reflect.TypeOf(document{}), "", nil)
	// update_interval is declared outside the inlined Settings; list it
	// where the file layout has it, after batch_size.
	// The same in each registrar's sync section.
	for _, section := range []string{"sync", "registrars.openprovider.sync", "registrars.odr.sync"} {
		if i := slices.IndexFunc(configKeys, func(k configKey) bool { return k.Path == section+".update_interval" }); i >= 0 {
			k := configKeys[i]
			configKeys = slices.Delete(configKeys, i, i+1)
			j := slices.IndexFunc(configKeys, func(k configKey) bool { return k.Path == section+".batch_size" })
			configKeys = slices.Insert(configKeys, j+1, k)
		}
	}
	for _, k := range configKeys {
		keyByPath[k.Path] = k
	}
}

var (
	secretType = reflect.TypeOf(Secret(""))
	dsnType    = reflect.TypeOf(DSN(""))
)

func collectKeys(t reflect.Type, prefix string, index []int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		idx := append(slices.Clone(index), i)
		if strings.Contains(opts, "inline") {
			collectKeys(f.Type, prefix, idx)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			sectionPaths[path] = true
			collectKeys(ft, path, idx)
			continue
		}
		configKeys = append(configKeys, configKey{Path: path, Index: idx, Type: f.Type, Secret: f.Type == secretType || f.Type == dsnType})
	}
}

// childKeys lists the key names directly under a section.
func childKeys(section string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		parent, name := splitPath(p)
		if parent == section && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, k := range configKeys {
		add(k.Path)
	}
	for p := range sectionPaths {
		add(p)
	}
	sort.Strings(out)
	return out
}

// fieldOf walks an index path; with alloc it allocates nil section pointers,
// without it a nil section gives the invalid Value.
func fieldOf(v reflect.Value, index []int, alloc bool) reflect.Value {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !alloc {
					return reflect.Value{}
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}

func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return true
	}
	return false
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// elemKind is the kind of the value at path: the key's, or its element's.
func elemKind(k configKey, path string) reflect.Kind {
	if path != k.Path && (k.Type.Kind() == reflect.Slice || k.Type.Kind() == reflect.Map) {
		return k.Type.Elem().Kind()
	}
	return k.Type.Kind()
}

// splitPath splits "a.b[2]" into "a.b" and "[2]"-less "2"; "a.b" into "a", "b".
func splitPath(p string) (parent, last string) {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i], p[i+1 : len(p)-1]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// stripIndex maps an element path to its key: sync.statuses[2] and
// sync.status_map.DEL (or [DEL]) → sync.statuses, sync.status_map.
func stripIndex(p string) string {
	if i := strings.IndexByte(p, '['); i >= 0 {
		p = p[:i]
	}
	for q := p; q != ""; q, _ = splitPath(q) {
		if _, ok := keyByPath[q]; ok {
			return q
		}
	}
	return p
}

var bracketRE = regexp.MustCompile(`\[([^\]]*[^\d\]][^\]]*)\]`)

// bracketsToDots rewrites map subscripts [DEL] as .DEL (list indexes stay).
func bracketsToDots(p string) string { return bracketRE.ReplaceAllString(p, ".$1") }

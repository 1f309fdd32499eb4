package config

// The flag layer: --config and the flags that override a key, shared by
// the commands that load the configuration.

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// FlagValue is one command-line override: the flag's name (without dashes),
// the configuration key it sets and its value as text (pflag's Value.String()).
type FlagValue struct {
	Name  string
	Key   string
	Value string
}

// AddFlag registers --config FILE.
func AddFlag(c *cobra.Command, path *string) {
	c.Flags().StringVar(path, "config", "", fmt.Sprintf("configuration file (default: $%s, then %s)", EnvConfig, strings.Join(DefaultSearchPaths, ", ")))
}

// overrideFlags are the flags that override a configuration key. A flag is
// typed after its key; add one here and every command that calls
// AddOverrideFlags (sync, config) gets it.
var overrideFlags = []struct{ name, key, usage string }{
	{"batch-size", "sync.batch_size", "domains per run (overrides sync.batch_size)"},
	{"update-interval", "sync.update_interval", "minimum time between two syncs of one domain, e.g. 2h or 1d (overrides sync.update_interval)"},
	{"send-empty", "report.send_empty", "mail the report even when nothing changed (overrides report.send_empty)"},
	{"whmcs", "whmcs.dir", "WHMCS directory: database, registrar credentials, sync and mail settings from the installation (overrides whmcs.dir)"},
	{"openprovider-url", "registrars.openprovider.url", "Openprovider API URL, https:// (http:// only to localhost) (overrides registrars.openprovider.url)"},
	{"odr-url", "registrars.odr.url", "ODR API URL, https:// (http:// only to localhost) (overrides registrars.odr.url)"},
}

// AddOverrideFlags registers the override flags on c and returns a function
// that, once the flags are parsed, lists the ones given for LoadOptions.Flags.
func AddOverrideFlags(c *cobra.Command) func() []FlagValue {
	fs := c.Flags()
	for _, f := range overrideFlags {
		switch keyByPath[f.key].Type.Kind() {
		case reflect.Int:
			fs.Int(f.name, 0, f.usage)
		case reflect.Bool:
			fs.Bool(f.name, false, f.usage)
		case reflect.Float64:
			fs.Float64(f.name, 0, f.usage)
		default:
			fs.String(f.name, "", f.usage)
		}
	}
	return func() []FlagValue {
		var out []FlagValue
		for _, f := range overrideFlags {
			if fl := fs.Lookup(f.name); fl != nil && fl.Changed {
				out = append(out, FlagValue{Name: f.name, Key: f.key, Value: fl.Value.String()})
			}
		}
		return out
	}
}

// applyFlags applies the changed override flags.
func (l *loader) applyFlags() {
	for _, f := range l.in.Flags {
		k, ok := keyByPath[f.Key]
		if !ok {
			l.problem("flag --%s: unknown configuration key %q", f.Name, f.Key)
			continue
		}
		if k.Secret {
			l.secrets = append(l.secrets, f.Value, DSN(f.Value).Password())
		}
		if err := l.setKey(k, f.Value); err != nil {
			l.failed[f.Key] = true
			l.problem("flag --%s: %s: %v", f.Name, f.Key, err)
			continue
		}
		l.src.Set(f.Key, SourceFlag(f.Name))
	}
}

// setKey sets one key from text, decoding it exactly as the same value
// written in the file would be.
func (l *loader) setKey(k configKey, value string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot use the value: %v", r)
		}
	}()
	shown := strconv.Quote(value)
	if k.Secret {
		shown = "the value given"
	}
	var leaf *yaml.Node
	switch k.Type.Kind() {
	case reflect.Slice, reflect.Map:
		var n yaml.Node
		if strings.HasPrefix(strings.TrimSpace(value), "[") || strings.HasPrefix(strings.TrimSpace(value), "{") {
			if err := yaml.Unmarshal([]byte(value), &n); err != nil || len(n.Content) != 1 {
				return fmt.Errorf("cannot use %s as %s", shown, describeType(k.Type))
			}
			leaf = n.Content[0]
		} else { // a comma-separated list
			leaf = &yaml.Node{Kind: yaml.SequenceNode}
			for _, item := range strings.Split(value, ",") {
				leaf.Content = append(leaf.Content, &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: strings.TrimSpace(item)})
			}
		}
	case reflect.String:
		leaf = &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: value}
	default:
		leaf = &yaml.Node{Kind: yaml.ScalarNode, Value: value}
		if isIntKind(k.Type.Kind()) && leaf.ShortTag() == "!!float" {
			return fmt.Errorf("cannot use %s as a whole number", shown)
		}
	}
	node := leaf
	segs := strings.Split(k.Path, ".")
	for i := len(segs) - 1; i >= 0; i-- {
		node = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: segs[i]}, node}}
	}
	// An override replaces a list or map; it does not merge into it.
	if nilable(k.Type) {
		fieldOf(reflect.ValueOf(&l.doc).Elem(), k.Index, true).Set(reflect.Zero(k.Type))
	}
	if err := node.Decode(&l.doc); err != nil {
		if k.Path == "sync.update_interval" {
			return fmt.Errorf("cannot use %s as %s", shown, describeTarget(k.Path))
		}
		return fmt.Errorf("cannot use %s as %s", shown, describeType(k.Type))
	}
	return nil
}

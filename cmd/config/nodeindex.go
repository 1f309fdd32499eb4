package config

// The node index: the key paths and lines of a parsed file, for messages.

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

type indexedValue struct {
	path string
	node *yaml.Node
}

type nodeIndex struct {
	keyLine map[string]int        // path → line of its key
	valueOf map[string]*yaml.Node // path → value node
	keys    map[int][]keyAtLine   // line → keys on it
	values  []indexedValue        // every value node, in file order
}

type keyAtLine struct{ name, path string }

func newNodeIndex() *nodeIndex {
	return &nodeIndex{keyLine: map[string]int{}, valueOf: map[string]*yaml.Node{}, keys: map[int][]keyAtLine{}}
}

func (x *nodeIndex) walk(n *yaml.Node, path string) { x.walkDepth(n, path, 0) }

func (x *nodeIndex) walkDepth(n *yaml.Node, path string, depth int) {
	if n == nil || depth > 50 {
		return
	}
	x.values = append(x.values, indexedValue{path, n})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				target := v
				if v.Kind == yaml.AliasNode {
					target = v.Alias
				}
				if target != nil && target.Kind == yaml.MappingNode {
					x.walkDepth(target, path, depth+1)
				}
				continue
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if _, seen := x.keyLine[p]; !seen {
				x.keyLine[p] = k.Line
				x.valueOf[p] = v
			}
			x.keys[k.Line] = append(x.keys[k.Line], keyAtLine{k.Value, p})
			x.walkDepth(v, p, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if _, seen := x.keyLine[p]; !seen {
				x.keyLine[p] = c.Line
				x.valueOf[p] = c
			}
			x.walkDepth(c, p, depth+1)
		}
	}
}

// keyAt finds the path of the key name written at line.
func (x *nodeIndex) keyAt(line int, name string) string {
	for _, k := range x.keys[line] {
		if k.name == name {
			return k.path
		}
	}
	return ""
}

// valueAt finds the value node yaml.v3 complained about: at line, of the
// tag's kind, and for a scalar with the (possibly shortened) value shown.
func (x *nodeIndex) valueAt(line int, tag, shown string) *indexedValue {
	for i := range x.values {
		v := &x.values[i]
		if v.node.Line != line {
			continue
		}
		n := v.node
		switch tag {
		case "!!seq":
			if n.Kind == yaml.SequenceNode {
				return v
			}
		case "!!map":
			if n.Kind == yaml.MappingNode {
				return v
			}
		default:
			if n.Kind == yaml.ScalarNode && shortened(n.Value) == shown {
				return v
			}
		}
	}
	return nil
}

// shortened mirrors how yaml.v3 shows a value in a TypeError.
func shortened(v string) string {
	if len(v) > 10 {
		return v[:7] + "..."
	}
	return v
}

package whmcsconf

import (
	"fmt"
)

// ModuleConfigPath is where the Openprovider module keeps its advanced
// configuration, relative to the WHMCS directory.
const ModuleConfigPath = "modules/registrars/openprovider/configuration/advanced-module-configurations.php"

// ReadReturnArray reads a PHP file that returns an array (see
// ParseReturnArray); errors name the file.
func ReadReturnArray(path string) (map[string]Value, []Warning, error) {
	src, err := readLimited(path)
	if err != nil {
		return nil, nil, err
	}
	vals, warns, err := ParseReturnArray(src)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return vals, warns, nil
}

// ParseReturnArray reads a PHP file whose first top-level return statement
// returns an array literal (array(...) or [...]), as the Openprovider
// module's advanced-module-configurations.php does, and returns its
// top-level entries by key. Statements before the return are skipped
// unread. An entry whose key or value is not a literal (a variable, a
// constant, a function call, concatenation or any other expression) is left
// out with a Warning naming the key, so that the caller's fallback applies;
// so is a nested array holding such a value. A key set twice keeps its last
// value, with a Warning.
func ParseReturnArray(src []byte) (map[string]Value, []Warning, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, nil, err
	}
	ret := -1
	err = topStatements(toks, func(i int) (int, error) {
		if toks[i].isKeyword("return") {
			ret = i
			return -1, nil
		}
		return i, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if ret < 0 {
		return nil, nil, fmt.Errorf("no top-level return statement")
	}

	var warns []Warning
	hooks := &arrayHooks{
		skip: func(key string, line int) {
			if key == "" {
				warns = append(warns, Warning{Line: line, Msg: "entry with a key that is not a literal; ignored"})
				return
			}
			warns = append(warns, Warning{Key: key, Line: line,
				Msg: "value is not a literal (a variable, constant, function call or expression); ignored, its fallback applies"})
		},
		dup: func(key string, line int) {
			warns = append(warns, Warning{Key: key, Line: line, Msg: "set more than once; the last value applies"})
		},
	}
	p := &parser{toks: toks, pos: ret + 1}
	start := p.peek()
	if !start.isOp("[") && !(start.isKeyword("array") && p.toks[p.pos+1].isOp("(")) {
		return nil, nil, &SyntaxError{Line: start.line, Msg: "the return value is not an array literal"}
	}
	v, _, err := p.value(0, hooks)
	if err != nil {
		return nil, nil, err
	}
	if end := p.peek(); !end.isOp(";") && end.kind != tCloseTag && end.kind != tEOF {
		return nil, nil, &SyntaxError{Line: end.line, Msg: "the return value is an expression, not an array literal (unexpected " + end.describe() + ")"}
	}
	out := make(map[string]Value, len(v.Items))
	for _, it := range v.Items {
		out[keyString(it.Key)] = it.Value
	}
	return out, warns, nil
}

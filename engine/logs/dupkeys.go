package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrDuplicateKey marks a JSON record with a key given twice in one object. The
// record is delivered with the last value (as encoding/json keeps it), and the
// key is reported: other readers of the same log may keep the first value, so a
// rule could be made to see a different event than the one a SIEM saw.
var ErrDuplicateKey = errors.New("duplicate JSON key")

// jsonMembers counts the members of every object of a JSON value (its colons
// outside strings) in one pass over the bytes.
func jsonMembers(raw []byte) int {
	n, inStr, esc := 0, false, false
	for _, c := range raw {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == ':':
			n++
		}
	}
	return n
}

// decodedMembers counts the members of every object of a decoded value.
func decodedMembers(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := len(x)
		for _, e := range x {
			n += decodedMembers(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += decodedMembers(e)
		}
		return n
	}
	return 0
}

// duplicateKeys names the dotted paths of the keys given twice in one object of
// raw (at most max of them), reading it token by token. It is called only when
// the member counts show that there are duplicates.
func duplicateKeys(raw []byte, max int) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		obj    bool
		keys   map[string]bool
		path   string
		expect bool // the next string token of an object is a key
		key    string
	}
	var stack []*frame
	var out []string
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.obj {
			if top.path == "" {
				return top.key
			}
			return top.path + "." + top.key
		}
		return top.path
	}
	afterValue := func() {
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].expect = true
		}
	}
	for len(out) < max {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			break
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				f := &frame{obj: t == '{', path: child(), expect: t == '{'}
				if f.obj {
					f.keys = map[string]bool{}
				}
				stack = append(stack, f)
			case '}', ']':
				stack = stack[:len(stack)-1]
				afterValue()
			}
		default:
			if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].expect {
				top := stack[len(stack)-1]
				k, _ := t.(string)
				if top.keys[k] {
					p := k
					if top.path != "" {
						p = top.path + "." + k
					}
					out = append(out, p)
				}
				top.keys[k] = true
				top.key, top.expect = k, false
				continue
			}
			afterValue()
		}
	}
	return out
}

// duplicateKeyError reports the duplicate keys of raw, or nil.
func duplicateKeyError(raw []byte, m map[string]any) error {
	if jsonMembers(raw) == decodedMembers(m) {
		return nil
	}
	keys := duplicateKeys(raw, 4)
	if len(keys) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s (the last value is used; other readers may use the first)", ErrDuplicateKey, strings.Join(quoteAll(keys), ", "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

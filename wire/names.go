package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"paygate"
)

// checkNames refuses the two things encoding/json reads leniently and a
// merchant would not expect: a name given twice in one object (the last one
// would win) and a name that matches a field only when case is ignored
// ("AMOUNT" would be read as "amount"). Names that match no field at all are
// ignored, as docs/api.md says. Syntax errors are left to the decoder.
func checkNames(body []byte, v any) error {
	t := reflect.TypeOf(v)
	if !suspicious(body, namesOf(t)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := walkNames(dec, t, &jsonPathStack{}); err != errSyntax {
		return err
	}
	return nil // the decoder reports it
}

// MaxDepth is how deeply objects and arrays may nest in a request body. The
// deepest request of the API nests four levels; a limit far above that
// costs nothing and keeps every later reading of the body (the decoder,
// the name and type walks) bounded by the body's size.
const MaxDepth = 64

// checkDepth refuses a body nested deeper than MaxDepth, in one pass over
// its bytes with no allocation, before anything else reads it.
func checkDepth(body []byte) error {
	depth := 0
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxDepth {
				return paygate.Errorf(paygate.EInvalidJSON, "request body nests objects and arrays more than %d levels deep", MaxDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// jsonPathStack is the path to the value being read, kept as parts and
// spelled out ("productInfo[1].price") only when an error names it, so a
// walk costs memory in proportion to the depth, not to depth times length.
type jsonPathStack struct {
	parts []jsonPathPart
}

type jsonPathPart struct {
	name  string
	index int // -1 for a name
}

func (p *jsonPathStack) pushName(name string) {
	p.parts = append(p.parts, jsonPathPart{name: name, index: -1})
}
func (p *jsonPathStack) pushIndex(i int) { p.parts = append(p.parts, jsonPathPart{index: i}) }
func (p *jsonPathStack) pop()            { p.parts = p.parts[:len(p.parts)-1] }

func (p *jsonPathStack) String() string {
	var b strings.Builder
	for i, part := range p.parts {
		if part.index >= 0 {
			b.WriteString("[" + strconv.Itoa(part.index) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part.name)
	}
	return b.String()
}

// errSyntax ends the walk at the first token that does not read: after a
// syntax error, Decoder.More can go on saying there is more.
var errSyntax = errors.New("syntax error")

// suspicious is the fast look (a request is decoded on every call): false
// when no name appears twice anywhere in body and every name either is one
// of the request's field names or matches none of them even ignoring case.
// Only then may walkNames, which reads the body token by token, be skipped.
func suspicious(body []byte, names *typeNames) bool {
	var seen [64][]byte
	n := 0
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		start := i + 1
		for i++; i < len(body) && body[i] != '"'; i++ {
			if body[i] == '\\' {
				return true // an escaped name: leave it to the careful reading
			}
		}
		key := body[start:min(i, len(body))]
		j := i + 1
		for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r') {
			j++
		}
		if j >= len(body) || body[j] != ':' {
			continue // a value, not a name
		}
		if _, ok := names.exact[string(key)]; !ok {
			if _, ok := names.folded[foldName(string(key))]; ok {
				return true
			}
		}
		if n == len(seen) {
			return true
		}
		for _, k := range seen[:n] {
			if len(k) == len(key) && bytes.EqualFold(k, key) {
				return true // the same name twice, perhaps in two objects: look closely
			}
		}
		seen[n] = key
		n++
	}
	return false
}

// typeNames are every JSON field name of a request type and the types in it.
type typeNames struct {
	exact  map[string]bool
	folded map[string]bool
}

var namesCache sync.Map // reflect.Type -> *typeNames

func namesOf(t reflect.Type) *typeNames {
	if n, ok := namesCache.Load(t); ok {
		return n.(*typeNames)
	}
	n := &typeNames{exact: map[string]bool{}, folded: map[string]bool{}}
	visited := map[reflect.Type]bool{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || visited[t] {
			return
		}
		visited[t] = true
		for name, ft := range fieldsOf(t).exact {
			n.exact[name] = true
			n.folded[foldName(name)] = true
			add(ft)
		}
	}
	add(t)
	namesCache.Store(t, n)
	return n
}

var (
	unmarshaler = reflect.TypeFor[json.Unmarshaler]()
	rawMessage  = reflect.TypeFor[json.RawMessage]()
)

// walkNames reads one JSON value, knowing the Go type it is decoded into
// (nil when unknown: only repeated names are checked there). The body's
// depth was checked before, so the recursion is bounded.
func walkNames(dec *json.Decoder, t reflect.Type, path *jsonPathStack) error {
	tok, err := dec.Token()
	if err != nil {
		return errSyntax
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t == rawMessage || reflect.PointerTo(t).Implements(unmarshaler)) {
		t = nil // read its own way
	}
	switch tok {
	case json.Delim('{'):
		var fields *structFields
		if t != nil && t.Kind() == reflect.Struct {
			fields = fieldsOf(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return errSyntax
			}
			name, _ := kt.(string)
			key := name
			if fields != nil {
				key = foldName(name) // encoding/json matches fields ignoring case
			}
			path.pushName(name)
			if seen[key] {
				return paygate.Errorf(paygate.EInvalidJSON, "request body gives %s more than once", path)
			}
			seen[key] = true
			var ft reflect.Type
			switch {
			case fields != nil:
				if f, ok := fields.exact[name]; ok {
					ft = f
				} else if exact, ok := fields.folded[key]; ok {
					p := path.String()
					return paygate.InvalidParam(p, "%s is not a field: names are case-sensitive (%s)", p, exact)
				}
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			if err := walkNames(dec, ft, path); err != nil {
				return err
			}
			path.pop()
		}
		if _, err := dec.Token(); err != nil { // }
			return errSyntax
		}
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			path.pushIndex(i)
			if err := walkNames(dec, et, path); err != nil {
				return err
			}
			path.pop()
		}
		if _, err := dec.Token(); err != nil { // ]
			return errSyntax
		}
	}
	return nil
}

// structFields are a struct's JSON names as encoding/json sees them,
// embedded structs' fields included.
type structFields struct {
	exact  map[string]reflect.Type // name -> type
	folded map[string]string       // lower-case name -> name
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{exact: map[string]reflect.Type{}, folded: map[string]string{}}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if _, ok := f.exact[name]; !ok {
				f.exact[name] = sf.Type
				f.folded[foldName(name)] = name
			}
		}
	}
	add(t)
	fieldCache.Store(t, f)
	return f
}

// Metadata reads itself only to refuse null values. findKind walks it
// as the map of strings it is, its values as nonNullString, so that a null
// value's path has its keys and array indexes like any other type error.
var (
	metadataType      = reflect.TypeFor[Metadata]()
	nonNullStringType = reflect.TypeFor[nonNullString]()
)

// nonNullString is a string for which JSON null is the wrong kind.
type nonNullString string

// typeErrorPath finds where body holds a value of the wrong JSON kind for v
// and returns its path with array indexes ("productInfo[1].price"), which
// encoding/json's UnmarshalTypeError leaves out; "" if it finds none.
func typeErrorPath(body []byte, v any) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	path := &jsonPathStack{}
	if found, _ := findKind(dec, reflect.TypeOf(v), path); found {
		return path.String()
	}
	return ""
}

// findKind reads one value of type t (nil: unknown) and reports whether it
// found a value whose kind does not fit, with path left at it; ok is false
// on a syntax error.
func findKind(dec *json.Decoder, t reflect.Type, path *jsonPathStack) (found, ok bool) {
	tok, err := dec.Token()
	if err != nil {
		return false, false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t != metadataType && (t == rawMessage || reflect.PointerTo(t).Implements(unmarshaler) || t.Kind() == reflect.Interface) {
		t = nil
	}
	switch tok := tok.(type) {
	case nil: // null
		if t == nonNullStringType {
			return true, true
		}
	case json.Delim:
		if tok == '{' {
			if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
				return true, true
			}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return false, false
				}
				name, _ := kt.(string)
				var ft reflect.Type
				switch {
				case t != nil && t.Kind() == reflect.Struct:
					ft = fieldsOf(t).exact[name]
				case t == metadataType:
					ft = nonNullStringType
				case t != nil:
					ft = t.Elem()
				}
				path.pushName(name)
				if found, ok := findKind(dec, ft, path); found || !ok {
					return found, ok
				}
				path.pop()
			}
		} else {
			if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return true, true
			}
			var et reflect.Type
			if t != nil {
				et = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				path.pushIndex(i)
				if found, ok := findKind(dec, et, path); found || !ok {
					return found, ok
				}
				path.pop()
			}
		}
		if _, err := dec.Token(); err != nil {
			return false, false
		}
	case string:
		return t != nil && t.Kind() != reflect.String, true
	case json.Number:
		return t != nil && !numericKind(t.Kind()), true
	case bool:
		return t != nil && t.Kind() != reflect.Bool, true
	}
	return false, true
}

func numericKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64
}

// foldName is a name as encoding/json matches it: ignoring case by Unicode's
// simple folding, so "ſ" (long s) is "s" and "K" (Kelvin sign) is "k".
func foldName(name string) string {
	return strings.ToLower(strings.ToUpper(name))
}

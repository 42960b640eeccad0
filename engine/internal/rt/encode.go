package rt

import (
	"fmt"
	"math"
	"strconv"

	"github.com/rulec/rulec/ast"
)

// This file encodes a Program's tables (fields, tests, logsource groups,
// index atoms, literals) as one string that generated code carries as data
// and decodes once, at package initialisation: far less Go to compile than the
// same tables as composite literals or code.

// programMagic starts every encoded program; its digit changes with the layout.
const programMagic = "rulec-program-1\n"

// Writer appends values to an encoding that Reader reads back.
type Writer struct{ b []byte }

// Bytes returns the encoding.
func (w *Writer) Bytes() []byte { return w.b }

// Integers are written in printable ASCII (so that a Go string literal of
// the encoding needs few escapes): 5 bits a byte, least significant first,
// each byte from digitMore but the last, from digitLast.
const (
	digitMore = " !#$%&'()*+,-./0123456789:;<=>?@"
	digitLast = "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`a"
)

// digitValue maps a byte to 1+its 5-bit value (digitLast: +32), 0 for none.
var digitValue = func() (t [256]uint8) {
	for i := 0; i < 32; i++ {
		t[digitMore[i]] = uint8(1 + i)
		t[digitLast[i]] = uint8(33 + i)
	}
	return t
}()

// Uint appends a non-negative integer.
func (w *Writer) Uint(x uint64) {
	for x >= 32 {
		w.b = append(w.b, digitMore[x&31])
		x >>= 5
	}
	w.b = append(w.b, digitLast[x])
}

// Int appends an integer.
func (w *Writer) Int(x int64) { w.Uint(uint64(x<<1) ^ uint64(x>>63)) }

// Bool appends a boolean.
func (w *Writer) Bool(v bool) {
	if v {
		w.Uint(1)
	} else {
		w.Uint(0)
	}
}

// String appends a string.
func (w *Writer) String(s string) {
	w.Uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// Strings appends a list of strings.
func (w *Writer) Strings(l []string) {
	w.Uint(uint64(len(l)))
	for _, s := range l {
		w.String(s)
	}
}

// Reader reads an encoding written by Writer. Strings it returns share the
// encoding's memory. A malformed encoding panics: it is generated data, and
// a panic at package initialisation is the clearest report of an edited one.
type Reader struct {
	s   string
	off int
}

// NewReader returns a Reader of the encoding s.
func NewReader(s string) *Reader { return &Reader{s: s} }

func (r *Reader) fail(what string) {
	panic(fmt.Sprintf("engine: malformed encoded table: %s at offset %d", what, r.off))
}

// Uint reads a non-negative integer.
func (r *Reader) Uint() uint64 {
	var x uint64
	for shift := uint(0); r.off < len(r.s) && shift < 64; shift += 5 {
		d := digitValue[r.s[r.off]]
		r.off++
		switch {
		case d == 0:
			r.fail("integer")
		case d > 32:
			return x | uint64(d-33)<<shift
		}
		x |= uint64(d-1) << shift
	}
	r.fail("integer")
	return 0
}

// Int reads an integer.
func (r *Reader) Int() int64 {
	ux := r.Uint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

// Len reads a count of at most max items.
func (r *Reader) Len(max int) int {
	n := r.Uint()
	if n > uint64(max) {
		r.fail("count")
	}
	return int(n)
}

// Bool reads a boolean.
func (r *Reader) Bool() bool {
	v := r.Uint()
	if v > 1 {
		r.fail("boolean")
	}
	return v == 1
}

// String reads a string.
func (r *Reader) String() string {
	n := r.Len(len(r.s) - r.off)
	r.off += n
	return r.s[r.off-n : r.off]
}

// Strings reads a list of strings (nil when empty).
func (r *Reader) Strings() []string {
	n := r.Len(len(r.s) - r.off)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.String()
	}
	return out
}

// Done reports whether the whole encoding was read.
func (r *Reader) Done() bool { return r.off == len(r.s) }

// EncodeProgram encodes a program's tables; not its rules' detections,
// which generated code gives as functions (see DecodeProgram).
func EncodeProgram(p *Program) []byte {
	w := &Writer{b: []byte(programMagic)}
	w.Strings(p.Fields)
	w.Uint(uint64(len(p.Tests)))
	for i := range p.Tests {
		t := &p.Tests[i]
		w.Uint(uint64(t.Kind))
		w.Int(int64(t.Field))
		w.Bool(t.Cased)
		w.Uint(uint64(t.Op))
		w.String(t.A)
		w.String(t.B)
		w.String(strconv.FormatFloat(t.N, 'g', -1, 64))
		w.String(string(t.Cmp))
		w.Bool(t.Bool)
		w.Int(int64(t.Ref))
		w.String(t.Part)
		w.Strings(t.Guard)
		w.Uint(uint64(len(t.Lits)))
		for _, l := range t.Lits {
			w.Uint(uint64(l))
		}
		w.Int(int64(t.Memo))
	}
	w.Uint(uint64(p.Memo))
	w.Uint(uint64(len(p.Groups)))
	for _, g := range p.Groups {
		w.String(g.Claim.Product)
		w.String(g.Claim.Category)
		w.String(g.Claim.Service)
		w.Bool(g.Claim.Unmapped)
		w.Uint(uint64(len(g.Alts)))
		for _, a := range g.Alts {
			encodeExpr(w, a.WherePlan)
			w.Uint(uint64(len(a.Renames)))
			for _, rn := range a.Renames {
				w.Uint(uint64(rn.Field))
				w.Uint(uint64(len(rn.To)))
				for _, t := range rn.To {
					w.Uint(uint64(t))
				}
			}
			w.Uint(uint64(len(a.Always)))
			for _, r := range a.Always {
				w.Uint(uint64(r))
			}
		}
	}
	w.Uint(uint64(len(p.Rules)))
	for _, r := range p.Rules {
		w.Uint(uint64(r.Group))
	}
	w.Uint(uint64(len(p.Atoms)))
	for _, a := range p.Atoms {
		w.Int(int64(a.Field))
		w.Uint(uint64(a.Op))
		w.String(a.Needle)
		w.Uint(uint64(a.Group))
		w.Uint(uint64(a.Alt))
		w.Uint(uint64(a.Rule))
	}
	w.Uint(uint64(len(p.Literals)))
	for _, l := range p.Literals {
		w.Uint(uint64(l.Field))
		w.String(l.Needle)
	}
	return w.b
}

// float reads a number written with strconv.FormatFloat('g', -1), exact.
func (r *Reader) float() float64 {
	f, err := strconv.ParseFloat(r.String(), 64)
	if err != nil {
		r.fail("number")
	}
	return f
}

// exprNil encodes an absent expression.
const exprNil = 0xff

func encodeExpr(w *Writer, e *Expr) {
	if e == nil {
		w.Uint(exprNil)
		return
	}
	w.Uint(uint64(e.Op))
	switch e.Op {
	case ExprTest:
		w.Uint(uint64(e.Test))
	case ExprNot, ExprAnd, ExprOr:
		w.Uint(uint64(len(e.Args)))
		for _, a := range e.Args {
			encodeExpr(w, a)
		}
	}
}

// maxExprDepth bounds the nesting of a decoded expression.
const maxExprDepth = 1000

func decodeExpr(r *Reader, depth int) *Expr {
	if depth > maxExprDepth {
		r.fail("expression nesting")
	}
	op := r.Uint()
	if op == exprNil {
		return nil
	}
	e := &Expr{Op: ExprOp(op)}
	switch e.Op {
	case ExprFalse, ExprTrue:
	case ExprTest:
		e.Test = int32(r.Len(math.MaxInt32))
	case ExprNot, ExprAnd, ExprOr:
		e.Args = make([]*Expr, r.Len(len(r.s)-r.off))
		for i := range e.Args {
			if e.Args[i] = decodeExpr(r, depth+1); e.Args[i] == nil {
				r.fail("expression")
			}
		}
	default:
		r.fail("expression operator")
	}
	return e
}

// DecodeProgram decodes a program encoded by EncodeProgram whose rule i
// evaluates detect[i], and builds it (see NewProgram). It panics on a
// malformed encoding or a program that does not hold together.
func DecodeProgram(data string, detect []func(*State) bool) *Program {
	if len(data) < len(programMagic) || data[:len(programMagic)] != programMagic {
		panic("engine: encoded program of another layout: regenerate the package")
	}
	r := &Reader{s: data, off: len(programMagic)}
	rest := func() int { return len(r.s) - r.off }
	p := &Program{Fields: r.Strings()}
	p.Tests = make([]Test, r.Len(rest()))
	for i := range p.Tests {
		t := &p.Tests[i]
		t.Kind = TestKind(r.Len(255))
		t.Field = int32(r.Int())
		t.Cased = r.Bool()
		t.Op = StrOp(r.Len(255))
		t.A = r.String()
		t.B = r.String()
		t.N = r.float()
		t.Cmp = ast.CompareOp(r.String())
		t.Bool = r.Bool()
		t.Ref = int32(r.Int())
		t.Part = r.String()
		t.Guard = r.Strings()
		if n := r.Len(rest()); n > 0 {
			t.Lits = make([]int32, n)
			for k := range t.Lits {
				t.Lits[k] = int32(r.Len(math.MaxInt32))
			}
		}
		t.Memo = int32(r.Int())
	}
	p.Memo = r.Len(math.MaxInt32)
	p.Groups = make([]Group, r.Len(rest()))
	for g := range p.Groups {
		c := &p.Groups[g].Claim
		c.Product, c.Category, c.Service = r.String(), r.String(), r.String()
		c.Unmapped = r.Bool()
		alts := make([]Alt, r.Len(rest()))
		for a := range alts {
			alts[a].WherePlan = decodeExpr(r, 0)
			if n := r.Len(rest()); n > 0 {
				alts[a].Renames = make([]Rename, n)
				for k := range alts[a].Renames {
					rn := &alts[a].Renames[k]
					rn.Field = int32(r.Len(math.MaxInt32))
					rn.To = make([]int32, r.Len(rest()))
					for j := range rn.To {
						rn.To[j] = int32(r.Len(math.MaxInt32))
					}
				}
			}
			if n := r.Len(rest()); n > 0 {
				alts[a].Always = make([]int32, n)
				for k := range alts[a].Always {
					alts[a].Always[k] = int32(r.Len(math.MaxInt32))
				}
			}
		}
		p.Groups[g].Alts = alts
	}
	if n := r.Len(rest()); n != len(detect) {
		panic(fmt.Sprintf("engine: encoded program has %d rules, %d detections given", n, len(detect)))
	}
	p.Rules = make([]Rule, len(detect))
	for i := range p.Rules {
		p.Rules[i] = Rule{Group: int32(r.Len(math.MaxInt32)), Detect: detect[i]}
	}
	p.Atoms = make([]Atom, r.Len(rest()))
	for i := range p.Atoms {
		a := &p.Atoms[i]
		a.Field = int32(r.Int())
		a.Op = AtomOp(r.Len(255))
		a.Needle = r.String()
		a.Group = int32(r.Len(math.MaxInt32))
		a.Alt = int32(r.Len(math.MaxInt32))
		a.Rule = int32(r.Len(math.MaxInt32))
	}
	if n := r.Len(rest()); n > 0 {
		p.Literals = make([]Literal, n)
		for i := range p.Literals {
			p.Literals[i] = Literal{Field: int32(r.Len(math.MaxInt32)), Needle: r.String()}
		}
	}
	if !r.Done() {
		r.fail("trailing data")
	}
	return NewProgram(p)
}

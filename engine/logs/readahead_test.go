package logs

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/internal/shared"
)

// drainAll reads r to its end, rendering every record and error.
func drainAll(t *testing.T, r Reader) []string {
	t.Helper()
	var out []string
	for {
		rec, err := r.Next()
		if err != nil {
			out = append(out, "error: "+err.Error())
			var re *RecordError
			if errors.As(err, &re) {
				continue
			}
			return out
		}
		var fields []string
		rec.Event.Each(func(f string, v engine.Value) bool {
			fields = append(fields, f+"="+v.S)
			return true
		})
		out = append(out, fmt.Sprintf("%s #%d line %d %v %v", rec.Source, rec.Index, rec.Line, rec.Time, fields))
	}
}

// TestReadAheadSameRecords: a reader read ahead gives the same records and errors, in the same order.
func TestReadAheadSameRecords(t *testing.T) {
	files, _ := filepath.Glob("../../corpus/logs/*.jsonl")
	if root := shared.Root(); root != "" {
		evtx, _ := filepath.Glob(filepath.Join(root, "sigmahq", "regression_data", "*", "*", "*", "*", "*.evtx"))
		if len(evtx) > 20 {
			evtx = evtx[:20]
		}
		if len(evtx) == 0 {
			t.Error("no regression captures found")
		}
		files = append(files, evtx...)
	}
	big := strings.Repeat(`{"a":"1"}`+"\n"+`{"a": tru}`+"\n", 300)
	for _, f := range files {
		plain, err := Open(f, "")
		if err != nil {
			t.Fatal(err)
		}
		want := drainAll(t, plain)
		plain.Close()
		ahead, err := Open(f, "")
		if err != nil {
			t.Fatal(err)
		}
		a := ReadAhead(ahead, 2)
		got := drainAll(t, a)
		if _, err := a.Next(); err != io.EOF {
			t.Errorf("%s: Next after the end: %v", f, err)
		}
		a.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read ahead differs:\n%s\nwant:\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	r, _ := NewReader("big.jsonl", strings.NewReader(big), "")
	want := drainAll(t, r)
	r, _ = NewReader("big.jsonl", strings.NewReader(big), "")
	if got := drainAll(t, ReadAhead(r, 1)); !reflect.DeepEqual(got, want) || len(got) != 601 {
		t.Errorf("record errors read ahead: %d lines, want %d", len(got), len(want))
	}
	// Closing early stops the reading goroutine.
	r, _ = NewReader("big.jsonl", strings.NewReader(big), "")
	a := ReadAhead(r, 1)
	if _, err := a.Next(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Error(err)
	}
	if _, err := a.Next(); err != errReadAfterClose {
		t.Errorf("Next after Close: %v", err)
	}
}

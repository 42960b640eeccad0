package logs

import (
	"bytes"
	"io"
	"testing"

	"github.com/rulec/rulec/internal/gentest"
)

// BenchmarkReadJSONL reads the regression captures' process-creation events as
// JSON lines (evtx_dump's shape, about 1.7 KB an event) into events; one op is one event.
func BenchmarkReadJSONL(b *testing.B) {
	data, n := gentest.ProcessCreationJSONL(b)
	b.SetBytes(int64(len(data) / n))
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		r, err := NewReader("bench.jsonl", bytes.NewReader(data), FormatJSONLines)
		if err != nil {
			b.Fatal(err)
		}
		for read < b.N {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if rec.Event == nil {
				b.Fatal("no event")
			}
			read++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

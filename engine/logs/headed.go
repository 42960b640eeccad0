package logs

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// headedReader reads the formats of one record per line whose '#' lines are
// headers that configure the parsing of the lines after them (W3C extended
// logs, Zeek TSV logs). A header error is a record error of its line.
type headedReader struct {
	src    lineSource
	index  int
	queue  []item
	header func(text string) error
	parse  lineParser
}

func newHeadedReader(name string, br *bufio.Reader, header func(string) error, parse lineParser) *headedReader {
	return &headedReader{src: lineSource{name: name, lines: newLineReader(br)}, header: header, parse: parse}
}

// Next returns the next record.
func (r *headedReader) Next() (Record, error) {
	for {
		if len(r.queue) > 0 {
			it := r.queue[0]
			r.queue = r.queue[1:]
			return it.rec, it.err
		}
		text, n, bad, err := r.src.nextLine()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		idx := r.index
		if errors.Is(err, ErrTooLarge) {
			r.index++
			return Record{}, &RecordError{Source: r.src.name, Index: idx, Line: n, Err: err}
		}
		if err != nil {
			return Record{}, err
		}
		if strings.HasPrefix(text, "#") {
			if err := r.header(text); err != nil {
				r.index++
				return Record{}, &RecordError{Source: r.src.name, Index: idx, Line: n, Err: err}
			}
			continue
		}
		r.index++
		if bad {
			r.queue = append(r.queue, item{err: &RecordError{Source: r.src.name, Index: idx, Line: n, Err: ErrInvalidUTF8}})
		}
		ev, t, err := r.parse(text)
		if err != nil {
			return Record{}, &RecordError{Source: r.src.name, Index: idx, Line: n, Err: err}
		}
		return Record{Event: ev, Source: r.src.name, Index: idx, Line: n, Time: t}, nil
	}
}

package logs

import (
	"time"

	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/rulec/rulec/engine"
	"io"
	"strings"
	"unicode/utf8"
)

// lineReader yields lines with their 1-based numbers, never holding more than
// max bytes of one line: a longer line is reported (ErrTooLarge) and skipped.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the last line returned
	buf  []byte
}

func newLineReader(br *bufio.Reader) *lineReader {
	return &lineReader{br: br, max: MaxRecordSize}
}

// next returns the next line without its line ending, and its number. The
// returned slice is valid until the next call. At the end it returns io.EOF.
func (l *lineReader) next() ([]byte, int, error) {
	l.buf = l.buf[:0]
	tooLong := false
	total := 0
	for {
		chunk, err := l.br.ReadSlice('\n')
		total += len(chunk)
		if !tooLong {
			if len(l.buf)+len(chunk) > l.max+2 { // +2: the line ending
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, l.line, err
		}
		if err == io.EOF && total == 0 {
			return nil, l.line, io.EOF
		}
		l.line++
		if tooLong {
			return nil, l.line, fmt.Errorf("%w: line longer than %d bytes skipped", ErrTooLarge, l.max)
		}
		line := l.buf
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		return line, l.line, nil
	}
}

// lineSource yields the non-blank lines of a source as valid UTF-8.
type lineSource struct {
	name  string
	lines *lineReader
}

// nextLine returns the next non-blank line (invalid UTF-8 replaced by U+FFFD,
// badUTF8 set), and its number. An error wrapping ErrTooLarge is a skipped
// line; io.EOF the end; any other error is fatal.
func (s *lineSource) nextLine() (text string, line int, badUTF8 bool, err error) {
	for {
		b, n, err := s.lines.next()
		if err == io.EOF {
			return "", n, false, io.EOF
		}
		if errors.Is(err, ErrTooLarge) {
			return "", n, false, err
		}
		if err != nil {
			return "", n, false, fmt.Errorf("%s:%d: read: %w", s.name, n, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD"), n, true, nil
		}
		return string(b), n, false, nil
	}
}

// lineParser parses one line into an event and its time.
type lineParser func(line string) (engine.Event, time.Time, error)

// perLineReader is a Reader for formats with one record per line.
type perLineReader struct {
	src   lineSource
	parse lineParser
	index int
	queue []item
}

func newPerLineReader(name string, br *bufio.Reader, parse lineParser) *perLineReader {
	return &perLineReader{src: lineSource{name: name, lines: newLineReader(br)}, parse: parse}
}

// Next returns the next record.
func (p *perLineReader) Next() (Record, error) {
	if len(p.queue) > 0 {
		it := p.queue[0]
		p.queue = p.queue[1:]
		return it.rec, it.err
	}
	text, n, bad, err := p.src.nextLine()
	if err == io.EOF {
		return Record{}, io.EOF
	}
	idx := p.index
	if errors.Is(err, ErrTooLarge) {
		p.index++
		return Record{}, &RecordError{Source: p.src.name, Index: idx, Line: n, Err: err}
	}
	if err != nil {
		return Record{}, err
	}
	p.index++
	if bad {
		p.queue = append(p.queue, item{err: &RecordError{Source: p.src.name, Index: idx, Line: n, Err: ErrInvalidUTF8}})
	}
	ev, t, err := p.parse(text)
	if err != nil {
		return Record{}, &RecordError{Source: p.src.name, Index: idx, Line: n, Err: err}
	}
	return Record{Event: ev, Source: p.src.name, Index: idx, Line: n, Time: t}, nil
}

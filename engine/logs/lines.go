package logs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
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

// lineSource turns lines into records with a per-format parser, handling
// oversized lines, invalid UTF-8 (delivered with U+FFFD, then reported) and
// blank lines.
type lineSource struct {
	name    string
	lines   *lineReader
	index   int
	pending *RecordError
}

// nextLine returns the next non-blank line as valid UTF-8, its number and the
// record index assigned to it. A returned *RecordError is for the caller to pass on.
func (s *lineSource) nextLine() (string, int, int, error) {
	if p := s.pending; p != nil {
		s.pending = nil
		return "", p.Line, p.Index, p
	}
	for {
		b, n, err := s.lines.next()
		if err == io.EOF {
			return "", n, s.index, io.EOF
		}
		if errors.Is(err, ErrTooLarge) {
			idx := s.index
			s.index++
			return "", n, idx, &RecordError{Source: s.name, Index: idx, Line: n, Err: err}
		}
		if err != nil {
			return "", n, s.index, fmt.Errorf("%s:%d: read: %w", s.name, n, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		idx := s.index
		s.index++
		if !utf8.Valid(b) {
			s.pending = &RecordError{Source: s.name, Index: idx, Line: n, Err: ErrInvalidUTF8}
			return strings.ToValidUTF8(string(b), "\uFFFD"), n, idx, nil
		}
		return string(b), n, idx, nil
	}
}

// recErr builds a RecordError for this source.
func (s *lineSource) recErr(idx, line int, format string, args ...any) *RecordError {
	return &RecordError{Source: s.name, Index: idx, Line: line, Err: fmt.Errorf(format, args...)}
}

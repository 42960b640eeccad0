package logs

import (
	"bufio"
	"errors"
	"time"
)

type stubReader struct{}

func (stubReader) Next() (Record, error) { return Record{}, errors.New("format not implemented yet") }

func newAuditReader(name string, br *bufio.Reader) stubReader { return stubReader{} }
func newSyslogReader(name string, br *bufio.Reader, now func() time.Time) stubReader {
	return stubReader{}
}
func newLogfmtReader(name string, br *bufio.Reader) stubReader { return stubReader{} }

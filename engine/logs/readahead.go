package logs

import (
	"errors"
	"io"
)

var errReadAfterClose = errors.New("read after Close")

// readAheadBatch is the number of records the reading goroutine hands over at a time.
const readAheadBatch = 64

// ReadAhead returns a Reader that reads r on its own goroutine, up to batches
// batches of 64 records ahead of the caller, so that parsing a log (JSON
// decoding, EVTX rendering) runs beside what the caller does with the records.
// The records, record errors and the final error (io.EOF or a fatal error) are
// r's, in r's order. Close stops the goroutine (once the record being read
// is read) and closes r. r must not be
// used by anything else once given.
func ReadAhead(r Reader, batches int) Reader {
	if batches < 1 {
		batches = 1
	}
	a := &readAhead{r: r, ch: make(chan []item, batches), stop: make(chan struct{}), exited: make(chan struct{})}
	go a.run()
	return a
}

type readAhead struct {
	r      Reader
	ch     chan []item
	stop   chan struct{} // closed by Close
	exited chan struct{} // closed when run returns
	cur    []item
	end    error // the final error, once received
	closed bool
}

func (a *readAhead) run() {
	defer close(a.exited)
	defer close(a.ch)
	for {
		batch := make([]item, 0, readAheadBatch)
		final := false
		for len(batch) < readAheadBatch {
			rec, err := a.r.Next()
			batch = append(batch, item{rec: rec, err: err})
			var re *RecordError
			if err != nil && !errors.As(err, &re) {
				final = true // io.EOF or a fatal error: nothing follows
				break
			}
		}
		select {
		case a.ch <- batch:
		case <-a.stop:
			return
		}
		if final {
			return
		}
	}
}

// Next returns the next record of r.
func (a *readAhead) Next() (Record, error) {
	for len(a.cur) == 0 {
		if a.end != nil {
			return Record{}, a.end
		}
		b, ok := <-a.ch
		if !ok {
			a.end = io.EOF
			continue
		}
		a.cur = b
	}
	it := a.cur[0]
	a.cur[0] = item{}
	a.cur = a.cur[1:]
	var re *RecordError
	if it.err != nil && !errors.As(it.err, &re) {
		a.end = it.err
	}
	return it.rec, it.err
}

// Close stops reading ahead and closes r.
func (a *readAhead) Close() error {
	if !a.closed {
		a.closed = true
		close(a.stop)
	}
	a.cur, a.end = nil, errReadAfterClose
	<-a.exited
	return a.r.Close()
}

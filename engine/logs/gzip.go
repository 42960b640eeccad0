package logs

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// Gzip-compressed logs of any supported format are read through a streaming
// decompressor: the format is sniffed from the decompressed bytes, one layer
// only (a compressed file inside is refused as an undetectable format), and
// every limit on records holds as for an uncompressed file. Against a gzip
// bomb, decompression also stops with an error past
// Limits.MaxDecompressedBytes and past DecompressionRatio times the bytes read
// from the compressed input (deflate compresses at most about 1,032 to 1).

// gzipMagic starts every gzip member.
const gzipMagic = "\x1f\x8b"

// Defaults of the decompression bounds.
const (
	// DefaultMaxDecompressedBytes is the default Limits.MaxDecompressedBytes (64 GiB).
	DefaultMaxDecompressedBytes = 64 << 30
	// DecompressionRatio bounds decompressed bytes to this many times the
	// compressed bytes read, past a first 256 MiB.
	DecompressionRatio = 200
	decompressionFree  = 256 << 20
)

// ErrDecompressionBomb is returned (fatal for the file) when a compressed log
// expands beyond the decompression bounds.
var ErrDecompressionBomb = errors.New("decompressed log too large (a decompression bomb?)")

// newGzipReader reads the gzip stream in r (its first bytes already checked).
func newGzipReader(name string, r io.Reader, f Format, closer io.Closer, lim Limits) (Reader, error) {
	counted := &countReader{r: r}
	zr, err := gzip.NewReader(bufio.NewReaderSize(counted, readBufSize))
	if err != nil {
		return nil, fmt.Errorf("%s: gzip: %w", name, err)
	}
	max := lim.MaxDecompressedBytes
	if max <= 0 {
		max = DefaultMaxDecompressedBytes
	}
	br := &boundedReader{r: zr, in: counted, max: max}
	rd, err := newPlainReader(name, br, f, lim)
	if err != nil {
		zr.Close()
		return nil, err
	}
	return &closeReader{Reader: rd, close: func() error {
		err := rd.Close()
		zr.Close()
		if closer != nil {
			err = errors.Join(err, closer.Close())
		}
		return err
	}}, nil
}

// closeReader closes more than its Reader.
type closeReader struct {
	Reader
	close func() error
}

func (c *closeReader) Close() error {
	if c.close == nil {
		return nil
	}
	f := c.close
	c.close = nil
	return f()
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// boundedReader fails with ErrDecompressionBomb past max bytes, or past
// DecompressionRatio times the compressed bytes read beyond the first 256 MiB.
type boundedReader struct {
	r   io.Reader
	in  *countReader
	n   int64
	max int64
	err error
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	switch {
	case b.n > b.max:
		b.err = fmt.Errorf("%w: more than %d bytes (Limits.MaxDecompressedBytes)", ErrDecompressionBomb, b.max)
	case b.n > decompressionFree && b.n > DecompressionRatio*b.in.n:
		b.err = fmt.Errorf("%w: %d bytes from %d compressed bytes, more than %d to 1", ErrDecompressionBomb, b.n, b.in.n, DecompressionRatio)
	}
	if b.err != nil {
		return n, b.err
	}
	return n, err
}

package logs

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rulec/rulec/engine"
)

// This file compares the EVTX reader with an independent parser, libevtx's
// evtxexport (Debian libevtx-utils, installed by .ci/run), value by value on
// every SigmaHQ regression capture.

// xmlNode is a generic XML element.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlNode  `xml:",any"`
}

// evtxexportRecords runs `evtxexport -f xml` on a file and returns its
// records flattened to Sigma field names as the reader names them, with
// every value as evtxexport renders it.
func evtxexportRecords(t *testing.T, bin, path string) []map[string][]string {
	t.Helper()
	out, err := exec.Command(bin, "-f", "xml", path).Output()
	if err != nil {
		t.Fatalf("evtxexport %s: %v", path, err)
	}
	// The first line is the program's banner.
	if i := bytes.Index(out, []byte("<Event")); i >= 0 {
		out = out[i:]
	}
	out = bytes.Map(func(r rune) rune {
		// evtxexport writes control characters of values as they are; XML 1.0 refuses them.
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return utf8.RuneError
		}
		return r
	}, out)
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	var recs []map[string][]string
	for {
		var ev xmlNode
		err := dec.Decode(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("evtxexport %s: parsing its XML: %v", path, err)
		}
		recs = append(recs, flattenXMLEvent(&ev))
	}
	return recs
}

// flattenXMLEvent names values as the reader does: System elements by name
// and their attributes Element_Attr; EventData Data by their Name attribute
// (unnamed ones under "Data"); UserData leaves and attributes by their own
// names, xmlns attributes dropped.
func flattenXMLEvent(ev *xmlNode) map[string][]string {
	f := map[string][]string{}
	for _, sec := range ev.Children {
		switch sec.XMLName.Local {
		case "System":
			for _, el := range sec.Children {
				k := el.XMLName.Local
				// An empty element (<Correlation/>) holds no value.
				if len(el.Children) == 0 && el.Text != "" {
					f[k] = append(f[k], el.Text)
				}
				for _, a := range el.Attrs {
					if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" {
						continue
					}
					f[k+"_"+a.Name.Local] = append(f[k+"_"+a.Name.Local], a.Value)
				}
			}
		case "EventData":
			for _, el := range sec.Children {
				name := ""
				for _, a := range el.Attrs {
					if a.Name.Local == "Name" {
						name = a.Value
					}
				}
				if el.XMLName.Local != "Data" {
					name = el.XMLName.Local
				}
				if name == "" {
					name = "Data"
				}
				f[name] = append(f[name], el.Text)
			}
		case "UserData":
			var walk func(n *xmlNode)
			walk = func(n *xmlNode) {
				for _, a := range n.Attrs {
					if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" {
						continue
					}
					f[a.Name.Local] = append(f[a.Name.Local], a.Value)
				}
				if len(n.Children) == 0 {
					f[n.XMLName.Local] = append(f[n.XMLName.Local], n.Text)
				}
				for i := range n.Children {
					walk(&n.Children[i])
				}
			}
			for i := range sec.Children {
				walk(&sec.Children[i])
			}
		}
	}
	return f
}

// readerValues renders the reader's fields as strings (arrays element by element).
func readerValues(fs map[string]engine.Value) map[string][]string {
	out := map[string][]string{}
	for k, v := range fs {
		switch v.Kind {
		case engine.KindArray:
			for _, e := range v.Arr {
				out[k] = append(out[k], e.S)
			}
		case engine.KindNull:
			out[k] = []string{""}
		default:
			out[k] = []string{v.S}
		}
	}
	return out
}

// libevtxRendering lists the ways evtxexport renders a value differently from
// Windows (Event Viewer's XML, which the reader follows), each a normalisation
// of evtxexport's text applied before comparing, with its cause.
var libevtxRendering = []struct {
	cause string
	fix   func(field, reader, libevtx string) (string, bool)
}{
	{"SystemTime: evtxexport prints 9 fraction digits, Windows 7 (100 ns FILETIME ticks)", func(field, r, l string) (string, bool) {
		if !strings.HasSuffix(field, "SystemTime") {
			return l, false
		}
		tl, err := time.Parse(time.RFC3339Nano, l)
		if err != nil {
			return l, false
		}
		return tl.UTC().Format(windowsTimeLayout), true
	}},
	{"HexInt32/HexInt64 values: evtxexport zero-pads to 8 or 16 digits (0x0000000000058c3c, 0x001fffff), Windows prints 0x58c3c, 0x1fffff", func(field, r, l string) (string, bool) {
		if (len(l) == 18 || len(l) == 10) && strings.HasPrefix(l, "0x") && strings.HasPrefix(r, "0x") {
			if u, err := strconv.ParseUint(l[2:], 16, 64); err == nil {
				return "0x" + strconv.FormatUint(u, 16), true
			}
		}
		return l, false
	}},
}

// TestEVTXAgainstLibevtx compares every value of every regression capture with evtxexport.
func TestEVTXAgainstLibevtx(t *testing.T) {
	bin, err := exec.LookPath("evtxexport")
	if err != nil {
		t.Skip("evtxexport (Debian libevtx-utils) not installed: skipping the comparison with an independent EVTX parser")
	}
	files := regressionEVTX(t)
	sort.Strings(files)
	compared, differ := 0, 0
	normalised := map[string]int{}
	var diffs []string
	for _, f := range files {
		recs, errs, err := ReadAll(f, FormatEVTX)
		if err != nil || len(errs) > 0 {
			t.Errorf("%s: %v %v", f, err, errs)
			continue
		}
		want := evtxexportRecords(t, bin, f)
		if len(want) != len(recs) {
			t.Errorf("%s: %d records, evtxexport %d", f, len(recs), len(want))
			continue
		}
		for i, rec := range recs {
			got := readerValues(fields(t, rec))
			where := fmt.Sprintf("%s record %d", filepath.Base(f), i)
			keys := map[string]bool{}
			for k := range got {
				keys[k] = true
			}
			for k := range want[i] {
				keys[k] = true
			}
			for _, k := range sortedStringKeys(keys) {
				g, w := got[k], want[i][k]
				n := max(len(g), len(w))
				for j := 0; j < n; j++ {
					compared++
					var gv, wv string
					switch {
					case j >= len(g):
						differ++
						diffs = append(diffs, fmt.Sprintf("%s: %s[%d] missing, evtxexport %q", where, k, j, w[j]))
						continue
					case j >= len(w):
						differ++
						diffs = append(diffs, fmt.Sprintf("%s: %s[%d] = %q, evtxexport has no such value", where, k, j, g[j]))
						continue
					}
					gv, wv = g[j], w[j]
					if gv == wv {
						continue
					}
					for _, r := range libevtxRendering {
						if fixed, ok := r.fix(k, gv, wv); ok && fixed == gv {
							normalised[r.cause]++
							wv = gv
							break
						}
					}
					if gv != wv {
						differ++
						diffs = append(diffs, fmt.Sprintf("%s: %s = %q, evtxexport %q", where, k, gv, wv))
					}
				}
			}
		}
	}
	for _, d := range diffs {
		t.Error(d)
	}
	for cause, n := range normalised {
		t.Logf("%d values differ only by evtxexport's rendering: %s", n, cause)
	}
	t.Logf("%d files, %d values compared with evtxexport, %d differ", len(files), compared, differ)
}

func sortedStringKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

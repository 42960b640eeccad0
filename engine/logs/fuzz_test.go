package logs

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReaders feeds arbitrary bytes to every log reader (and to sniffing): no
// panic, no hang, and every record error names the source.
func FuzzReaders(f *testing.F) {
	for _, s := range []string{
		`{"a":1}` + "\n" + `{"b":[1,2,{"c":null}]}`,
		`[{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Data":[{"@Name":"Image","#text":"C:\\x.exe"}]}}}]`,
		`{"records":[{"x":"y"}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"k","value":{"stringValue":"v"}}]}]}]}]}`,
		`type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=59 success=yes exe="/bin/sh"` + "\n" + `type=EXECVE msg=audit(1700000000.123:42): argc=2 a0="sh" a1=2D63` + "\n" + `type=EOE msg=audit(1700000000.123:42):`,
		`<34>1 2003-10-11T22:14:15.003Z host app 123 ID47 [ex@1 k="v"] msg`,
		`<13>Oct 11 22:14:15 host sshd[123]: Failed password`,
		`level=info msg="a \"quoted\" value" n=1`,
		"ElfFile\x00garbage",
		"{\"a\":",
	} {
		f.Add([]byte(s))
	}
	formats := Formats()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fm := range append([]Format{FormatAuto}, formats...) {
			rd, err := NewReader("fuzz.log", bytes.NewReader(data), fm)
			if err != nil {
				continue
			}
			for i := 0; i < 10000; i++ {
				_, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				var re *RecordError
				if errors.As(err, &re) {
					if re.Source != "fuzz.log" {
						t.Fatalf("record error without the source: %v", re)
					}
					continue
				}
				if err != nil {
					break
				}
			}
			rd.Close()
		}
	})
}

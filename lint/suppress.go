package lint

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// Inline suppression comments. This is the only place lint reads rule text: the AST
// keeps no comments, so the files that have findings are scanned line by line for
//
//	# rulec:disable=check-id[,check-id...]       on a line: that line; alone on a line: the next line too
//	# rulec:disable-file=check-id[,check-id...]  anywhere: the whole file
//
// The id `all` stands for every check. Text after the ids (e.g. `-- reason`) is ignored.
// The scan does not parse YAML, so a `# rulec:` sequence inside a quoted string also counts.
var suppressRe = regexp.MustCompile(`#\s*rulec:(disable|disable-file)=([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)`)

// suppressions are the directives of one file.
type suppressions struct {
	file  map[string]bool
	lines map[int]map[string]bool
}

func (s *suppressions) covers(line int, check string) bool {
	if s.file["all"] || s.file[check] {
		return true
	}
	ids := s.lines[line]
	return ids["all"] || ids[check]
}

// parseSuppressions reads the directives of a file's text.
func parseSuppressions(data []byte) *suppressions {
	s := &suppressions{file: map[string]bool{}, lines: map[int]map[string]bool{}}
	if !bytes.Contains(data, []byte("rulec:")) {
		return s
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		for _, m := range suppressRe.FindAllStringSubmatchIndex(text, -1) {
			kind := text[m[2]:m[3]]
			ids := strings.Split(text[m[4]:m[5]], ",")
			add := func(set map[string]bool) {
				for _, id := range ids {
					set[strings.TrimSpace(id)] = true
				}
			}
			if kind == "disable-file" {
				add(s.file)
				continue
			}
			targets := []int{line}
			if strings.TrimSpace(text[:m[0]]) == "" {
				targets = append(targets, line+1) // comment on its own line: the next line
			}
			for _, l := range targets {
				if s.lines[l] == nil {
					s.lines[l] = map[string]bool{}
				}
				add(s.lines[l])
			}
		}
	}
	return s
}

// applySuppressions marks the findings an inline comment suppresses. Each file with
// findings is read once; files that cannot be read suppress nothing.
func applySuppressions(fs []Finding, readFile func(string) ([]byte, error)) {
	cache := map[string]*suppressions{}
	for i := range fs {
		f := &fs[i]
		if f.Pos.File == "" {
			continue
		}
		s, ok := cache[f.Pos.File]
		if !ok {
			data, err := readFile(f.Pos.File)
			if err == nil {
				s = parseSuppressions(data)
			}
			cache[f.Pos.File] = s
		}
		if s != nil && s.covers(f.Pos.Line, f.Check) {
			f.Suppressed = true
		}
	}
}

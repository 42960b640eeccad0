package wazuh

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Default custom rule id range of Wazuh.
const (
	DefaultIDMin = 100000
	DefaultIDMax = 120000
)

// IDMap keeps the Wazuh rule ids of each Sigma rule variant across builds. New
// rules take ids from Next upwards, so an id that was ever given out is never
// given to another rule, even after its rule was deleted.
type IDMap struct {
	Min, Max int
	// Next is the lowest id never given out.
	Next int
	// Rules maps a rule key (Sigma id and logsource variant) to its ids, in rule order.
	Rules map[string][]int
	// seen records the keys used by the current build.
	seen map[string]bool
}

// NewIDMap returns an empty map over [min, max].
func NewIDMap(min, max int) (*IDMap, error) {
	if min < 1 || max > 999999 || min > max {
		return nil, fmt.Errorf("invalid rule id range %d-%d (Wazuh ids have at most 6 digits; custom rules use 100000-120000)", min, max)
	}
	return &IDMap{Min: min, Max: max, Next: min, Rules: map[string][]int{}, seen: map[string]bool{}}, nil
}

type idMapFile struct {
	Range string           `yaml:"range"`
	Next  int              `yaml:"next"`
	Rules map[string][]int `yaml:"rules"`
}

// LoadIDMap reads an id map file; a missing file gives an empty map over [min, max].
// The file's range wins over min/max unless they differ from the defaults.
func LoadIDMap(path string, min, max int) (*IDMap, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewIDMap(min, max)
	}
	if err != nil {
		return nil, fmt.Errorf("reading id map: %w", err)
	}
	var f idMapFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fmin, fmax := min, max
	if f.Range != "" && min == DefaultIDMin && max == DefaultIDMax {
		a, b, ok := strings.Cut(f.Range, "-")
		x, err1 := strconv.Atoi(strings.TrimSpace(a))
		y, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: invalid range %q (want MIN-MAX)", path, f.Range)
		}
		fmin, fmax = x, y
	}
	m, err := NewIDMap(fmin, fmax)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Next > m.Next {
		m.Next = f.Next
	}
	for k, ids := range f.Rules {
		m.Rules[k] = ids
		for _, id := range ids {
			if id >= m.Next {
				m.Next = id + 1
			}
		}
	}
	return m, nil
}

// Assign returns n ids for key: its previous ids first, then new ones.
func (m *IDMap) Assign(key string, n int) ([]int, error) {
	if m.seen[key] {
		return nil, fmt.Errorf("rule key %q is used twice in one build", key)
	}
	m.seen[key] = true
	ids := append([]int(nil), m.Rules[key]...)
	if len(ids) > n {
		ids = ids[:n]
	}
	for len(ids) < n {
		if m.Next > m.Max {
			return nil, fmt.Errorf("rule id range %d-%d is exhausted (use --id-range)", m.Min, m.Max)
		}
		ids = append(ids, m.Next)
		m.Next++
	}
	m.Rules[key] = ids
	return ids, nil
}

// Bytes writes the map as YAML with sorted keys, ready to commit.
func (m *IDMap) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString("# rulec Wazuh rule id map: keeps each Sigma rule's Wazuh ids stable across builds.\n")
	b.WriteString("# Commit it next to the rules. Ids are never given to another rule, even after deletion.\n")
	fmt.Fprintf(&b, "range: %d-%d\nnext: %d\nrules:\n", m.Min, m.Max, m.Next)
	keys := make([]string, 0, len(m.Rules))
	for k := range m.Rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ids := make([]string, len(m.Rules[k]))
		for i, id := range m.Rules[k] {
			ids[i] = strconv.Itoa(id)
		}
		kb, _ := yaml.Marshal(k)
		fmt.Fprintf(&b, "  %s: [%s]\n", strings.TrimSpace(string(kb)), strings.Join(ids, ", "))
	}
	return b.Bytes()
}

// Save writes the map to path.
func (m *IDMap) Save(path string) error {
	if err := os.WriteFile(path, m.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing id map: %w", err)
	}
	return nil
}

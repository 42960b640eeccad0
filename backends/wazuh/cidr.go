package wazuh

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// cidrAlt returns an alternative matching the text of every address in the
// network, as the engine reads it (netip: surrounding white space ignored,
// IPv6 zones dropped, IPv4-mapped IPv6 addresses count for IPv4 networks).
// IPv4 octets are written without leading zeros (netip rejects them); IPv6
// hextets may have leading zeros, any letter case and one `::`. IPv6 text with
// an embedded dotted quad is only recognised in its IPv4-mapped form for IPv4 networks.
func cidrAlt(cidr string) (alt, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return alt{}, fmt.Errorf("invalid CIDR network %q: %w", cidr, err)
	}
	p = p.Masked()
	const ws = `[\x09-\x0d ]*+` // possessive: an address starts and ends with no white space
	if p.Addr().Is4() {
		quad := ipv4Regex(p)
		mapped := `(?:::|(?:0{1,4}:){1,4}:|(?:0{1,4}:){5})(?:0{1,4}:){0,4}ffff:`
		return alt{core: ws + `(?:` + mapped + `)?` + quad + ws, start: true, end: true, fold: true}, nil
	}
	return alt{core: ws + `(?:` + ipv6Regex(p) + `)(?:%.*)?` + ws, start: true, end: true, fold: true, dotall: true}, nil
}

// ipv4Regex matches the dotted-quad text of the addresses of an IPv4 network.
func ipv4Regex(p netip.Prefix) string {
	b := p.Addr().As4()
	parts := make([]string, 4)
	for i := 0; i < 4; i++ {
		lo, hi := fieldRange(uint64(b[i]), 8, p.Bits()-8*i)
		parts[i] = group(numRange(lo, hi, 10, false))
	}
	return strings.Join(parts, `\.`)
}

// fieldRange returns the values a field of width bits may take when `bits` leading bits are fixed.
func fieldRange(v uint64, width, bits int) (uint64, uint64) {
	switch {
	case bits >= width:
		return v, v
	case bits <= 0:
		return 0, 1<<width - 1
	}
	free := width - bits
	mask := uint64(1)<<free - 1
	return v &^ mask, v | mask
}

// hexAny matches any hextet text.
const hexAny = `[0-9a-f]{1,4}`

// ipv6Regex matches the text of the addresses of an IPv6 network: the full form and every `::` form.
func ipv6Regex(p netip.Prefix) string {
	b := p.Addr().As16()
	type cons struct {
		lo, hi uint64
		re     string
	}
	var cs [8]cons
	for i := 0; i < 8; i++ {
		v := uint64(b[2*i])<<8 | uint64(b[2*i+1])
		lo, hi := fieldRange(v, 16, p.Bits()-16*i)
		re := hexAny
		if lo != 0 || hi != 0xffff {
			re = group(numRange(lo, hi, 16, true))
		}
		cs[i] = cons{lo, hi, re}
	}
	tokens := func(from, to int) string {
		// Renders hextets [from,to) joined by ':', runs of unconstrained hextets compressed.
		var out []string
		for i := from; i < to; {
			if cs[i].re == hexAny {
				j := i
				for j < to && cs[j].re == hexAny {
					j++
				}
				n := j - i
				if n == 1 {
					out = append(out, hexAny)
				} else {
					out = append(out, hexAny+`(?::`+hexAny+`){`+strconv.Itoa(n-1)+`}`)
				}
				i = j
				continue
			}
			out = append(out, cs[i].re)
			i++
		}
		return strings.Join(out, ":")
	}
	alts := []string{tokens(0, 8)}
	// `::` stands for hextets [s, s+l), which must all be able to be zero.
	// Group forms by their left part and the constrained head of their right part,
	// merging the counts of trailing unconstrained hextets into a range.
	type key struct{ left, head string }
	counts := map[key][]int{}
	var order []key
	lastCons := -1
	for i := 0; i < 8; i++ {
		if cs[i].re != hexAny {
			lastCons = i
		}
	}
	for s := 0; s < 8; s++ {
		for l := 1; s+l <= 8; l++ {
			if cs[s+l-1].lo != 0 {
				break
			}
			rs := s + l
			headEnd := rs
			if lastCons+1 > headEnd {
				headEnd = lastCons + 1
			}
			k := key{tokens(0, s), tokens(rs, headEnd)}
			if _, ok := counts[k]; !ok {
				order = append(order, k)
			}
			counts[k] = append(counts[k], 8-headEnd)
		}
	}
	for _, k := range order {
		ns := counts[k]
		sort.Ints(ns)
		lo, hi := ns[0], ns[len(ns)-1]
		var tail string
		switch {
		case hi == 0:
		case k.head == "":
			// right side is only unconstrained hextets: lo..hi of them.
			if lo == 0 {
				tail = `(?:` + hexAny + `(?::` + hexAny + `){0,` + strconv.Itoa(hi-1) + `})?`
			} else {
				tail = hexAny + `(?::` + hexAny + `){` + strconv.Itoa(lo-1) + `,` + strconv.Itoa(hi-1) + `}`
			}
		default:
			tail = `(?::` + hexAny + `){` + strconv.Itoa(lo) + `,` + strconv.Itoa(hi) + `}`
		}
		alts = append(alts, k.left+"::"+k.head+tail)
	}
	return strings.Join(alts, "|")
}

// group wraps alternatives in a non-capturing group when needed.
func group(alts []string) string {
	if len(alts) == 1 {
		return alts[0]
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// numRange returns regex alternatives matching the canonical text (no leading
// zeros) of every integer in [lo, hi] in the given base (10 or 16). With zeros,
// up to four digits in all may be written, leading zeros included (IPv6 hextets).
func numRange(lo, hi uint64, base int, zeros bool) []string {
	var out []string
	digits := func(v uint64) string { return strconv.FormatUint(v, base) }
	for k := len(digits(lo)); k <= len(digits(hi)); k++ {
		min := uint64(0)
		if k > 1 {
			min = pow(base, k-1)
		}
		max := pow(base, k) - 1
		a, b := lo, hi
		if a < min {
			a = min
		}
		if b > max {
			b = max
		}
		if a > b {
			continue
		}
		prefix := ""
		if zeros && k < 4 {
			prefix = "0{0," + strconv.Itoa(4-k) + "}"
		}
		for _, r := range sameLen(pad(digits(a), k), pad(digits(b), k), base) {
			out = append(out, prefix+r)
		}
	}
	return out
}

func pow(base, n int) uint64 {
	v := uint64(1)
	for i := 0; i < n; i++ {
		v *= uint64(base)
	}
	return v
}

func pad(s string, k int) string { return strings.Repeat("0", k-len(s)) + s }

// sameLen returns alternatives matching every digit string of the same length in [lo, hi].
func sameLen(lo, hi string, base int) []string {
	if lo == "" {
		return []string{""}
	}
	maxD := digitChar(base - 1)
	if lo[0] == hi[0] {
		var out []string
		for _, r := range sameLen(lo[1:], hi[1:], base) {
			out = append(out, string(lo[0])+r)
		}
		return out
	}
	allMin := strings.Trim(lo[1:], "0") == ""
	allMax := strings.Trim(hi[1:], string(maxD)) == ""
	rest := len(lo) - 1
	anyRest := ""
	if rest > 0 {
		anyRest = digitClass(0, base-1, base)
		if rest > 1 {
			anyRest += "{" + strconv.Itoa(rest) + "}"
		}
	}
	var out []string
	first, last := digitVal(lo[0]), digitVal(hi[0])
	if !allMin {
		for _, r := range sameLen(lo[1:], strings.Repeat(string(maxD), rest), base) {
			out = append(out, string(lo[0])+r)
		}
		first++
	}
	midLast := last
	if !allMax {
		midLast--
	}
	if first <= midLast {
		out = append(out, digitClass(first, midLast, base)+anyRest)
	}
	if !allMax {
		for _, r := range sameLen(strings.Repeat("0", rest), hi[1:], base) {
			out = append(out, string(hi[0])+r)
		}
	}
	return out
}

func digitChar(v int) byte { return "0123456789abcdef"[v] }

func digitVal(c byte) int {
	if c >= 'a' {
		return int(c-'a') + 10
	}
	return int(c - '0')
}

// digitClass renders a class of digits [a-b] in the base.
func digitClass(a, b, base int) string {
	if a == b {
		return string(digitChar(a))
	}
	if base == 16 && a <= 9 && b >= 10 {
		lo := "0-9"
		if a < 9 {
			lo = string(digitChar(a)) + "-9"
		} else {
			lo = "9"
		}
		hi := "a-" + string(digitChar(b))
		if b == 10 {
			hi = "a"
		}
		return "[" + lo + hi + "]"
	}
	if b == a+1 {
		return "[" + string(digitChar(a)) + string(digitChar(b)) + "]"
	}
	return "[" + string(digitChar(a)) + "-" + string(digitChar(b)) + "]"
}

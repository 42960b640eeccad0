package lint

import (
	"net/netip"
	"strings"
	"time"

	"github.com/rulec/rulec/ast"
)

// TargetWazuh names the Wazuh 4.x rules backend in --target and `targets:`.
const TargetWazuh = "wazuh"

// Wazuh limits (wazuh-analysisd 4.x, rules.c): timeframe has at most 5 digits of
// seconds and frequency at most 4 digits.
const (
	wazuhMaxTimeframe = 99999 * time.Second
	wazuhMaxFrequency = 9999
)

// wazuhCorrelations are the correlation types the Wazuh backend expresses with
// frequency/timeframe and if_matched rules.
var wazuhCorrelations = []ast.CorrelationType{ast.EventCount, ast.ValueCount, ast.Temporal}

func wazuhChecks() []*Check {
	W := ast.SeverityWarning
	c := func(id, summary, doc string, run func(*Pass)) *Check {
		return &Check{ID: id, Severity: W, Category: CatWazuh, Target: TargetWazuh, Summary: summary, Doc: doc, Run: run}
	}
	values := func(fn func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value)) func(*Pass) {
		return func(p *Pass) {
			p.Values(func(r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) { fn(p, r, fm, v) })
		}
	}
	return []*Check{
		c("wazuh-fieldref", "the fieldref modifier compares two fields of one event",
			"A Wazuh rule compares a field with a constant pattern; no rule element compares two fields of the same event (`same_field` only compares one field across correlated events). The backend cannot express `|fieldref` exactly.",
			values(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				if v.Kind == ast.ValFieldRef {
					p.Reportf(r, v.Pos, "%s compared with field %q (fieldref): Wazuh rules cannot compare two fields", itemName(fm), v.Ref)
				}
			})),
		c("wazuh-keyword", "a keyword search looks at every field",
			"Sigma keywords match any field of the event. Wazuh can only run `<match>`/`<regex>` over the whole log line, which for JSON and Windows events also holds the field names, escaped backslashes and quotes, so keywords can match where Sigma would not (and miss escaped text). Prefer field searches.",
			func(p *Pass) {
				p.FieldMatches(func(r *ast.Rule, _ *ast.Search, fm *ast.FieldMatch) {
					if fm.IsKeyword() {
						p.Reportf(r, fm.Pos, "keyword search over all fields: Wazuh can only match the whole log line")
					}
				})
			}),
		c("wazuh-compare", "a numeric comparison or time-part modifier",
			"Wazuh field tests are regular expressions over text: `lt`, `lte`, `gt` and `gte` (and the minute/hour/day/week/month/year modifiers, which extract a number from a date) have no exact equivalent. A regular expression can only approximate integer ranges.",
			values(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				switch {
				case fm.TimePart != "" && v == &fm.Values[0]:
					p.Reportf(r, modifierPos(fm, fm.TimePart), "time modifier %s on %s: Wazuh cannot extract parts of a date", fm.TimePart, itemName(fm))
				case v.Kind == ast.ValCompare && fm.TimePart == "":
					p.Reportf(r, v.Pos, "numeric comparison %s on %s: Wazuh matches text, not numbers", v.String(), itemName(fm))
				}
			})),
		c("wazuh-regex-flags", "a regular expression uses the m or s flag",
			"The Wazuh backend maps Sigma's case-insensitive `i` flag to `(?i)`; the multi-line (`m`) and dot-all (`s`) flags are not supported by it, and Wazuh compiles PCRE2 patterns with no options.",
			values(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				if v.Kind == ast.ValRegex && strings.ContainsAny(v.Flags, "ms") {
					p.Reportf(r, v.Pos, "regular expression flags %q: only i is supported for Wazuh", v.Flags)
				}
			})),
		c("wazuh-field-absence", "a search requires a field to be missing",
			"`field: null` and `field|exists: false` match events without the field. A Wazuh `<field>` test fails when the field is missing, even with `negate=\"yes\"`, so absence cannot be a positive condition of a rule.",
			values(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				switch {
				case v.Kind == ast.ValNull && !fm.Negate:
					p.Reportf(r, v.Pos, "%s must be missing or null: Wazuh cannot test a missing field", itemName(fm))
				case v.Kind == ast.ValExists && !v.Bool && !fm.Negate:
					p.Reportf(r, v.Pos, "%s must not exist: Wazuh cannot test a missing field", itemName(fm))
				}
			})),
		c("wazuh-cidr-ipv6", "an IPv6 network in a cidr value",
			"Wazuh's `<srcip>`/`<dstip>` take networks only for the static IP fields, and dynamic fields are matched with regular expressions: an IPv4 network becomes an exact octet pattern, but IPv6 addresses have several textual forms (zero compression, case), so an IPv6 network cannot be matched exactly.",
			values(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				if v.Kind != ast.ValCIDR {
					return
				}
				if pfx, err := netip.ParsePrefix(v.CIDR); err == nil && pfx.Addr().Is6() && !pfx.Addr().Is4In6() {
					p.Reportf(r, v.Pos, "IPv6 network %s on %s: Wazuh cannot match IPv6 networks exactly", v.CIDR, itemName(fm))
				}
			})),
		c("wazuh-correlation", "a correlation Wazuh's frequency/timeframe rules cannot express",
			"The Wazuh backend expresses event_count, value_count and temporal correlations with `frequency`, `timeframe`, `if_matched_sid` and `same_field`/`different_field`. Other types (temporal_ordered, value_sum, value_avg, value_percentile, value_median) have no equivalent, `timeframe` holds at most 99999 seconds, and `frequency` at most 9999 events.",
			func(p *Pass) {
				for _, r := range p.Rules {
					c := r.Correlation
					if c == nil || c.Type == "" {
						continue
					}
					pos := r.KeyPos("correlation")
					known := false
					for _, t := range wazuhCorrelations {
						known = known || t == c.Type
					}
					if !known {
						p.Reportf(r, pos, "%s correlation: Wazuh can only express event_count, value_count and temporal", c.Type)
						continue
					}
					if c.Timespan > wazuhMaxTimeframe {
						p.Reportf(r, pos, "timespan %s is longer than Wazuh's largest timeframe (99999 seconds)", c.TimespanText)
					}
					for _, t := range c.Condition {
						if t.Value > wazuhMaxFrequency && (t.Op == ast.OpGTE || t.Op == ast.OpGT || t.Op == ast.OpEQ) {
							p.Reportf(r, t.Pos, "threshold %g is above Wazuh's largest frequency (9999)", t.Value)
						}
					}
				}
			}),
	}
}

package ast

// Resolver gives the targets of references among a set of rules. The front
// end resolves every reference once (RuleRef.Target); consumers read that
// decision through a Resolver over the rules they were given, so that a
// target left out of their set (its file failed, a pipeline dropped it) is
// not loaded for all of them alike.
type Resolver struct {
	rules []*Rule
	in    map[*Rule]bool
	byRef map[string]*Rule
}

// NewResolver returns a Resolver over rules.
func NewResolver(rules []*Rule) *Resolver {
	rv := &Resolver{rules: rules, in: make(map[*Rule]bool, len(rules))}
	for _, r := range rules {
		if r != nil {
			rv.in[r] = true
		}
	}
	return rv
}

// Target returns the rule ref points to when it is among the Resolver's
// rules, else nil. A reference built without the front end (the rule literals
// of a generated package) carries only the resolved ID: its target is the
// first of the rules whose Ref() is exactly that ID, the front end's answer
// recorded, not a new decision.
func (rv *Resolver) Target(ref RuleRef) *Rule {
	if ref.Target != nil {
		if rv.in[ref.Target] {
			return ref.Target
		}
		return nil
	}
	if ref.ID == "" {
		return nil
	}
	if rv.byRef == nil {
		rv.byRef = make(map[string]*Rule, len(rv.rules))
		for _, r := range rv.rules {
			if r == nil || r.Kind == KindFilter {
				continue
			}
			if _, dup := rv.byRef[r.Ref()]; !dup {
				rv.byRef[r.Ref()] = r
			}
		}
	}
	return rv.byRef[ref.ID]
}

package detect

import (
	"time"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/detection"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/pipeline"
)

// Option configures Compile and CompileRules. Every StreamOption is also an
// Option: given to Compile, it is the default of the Program's streams.
type Option interface{ apply(*config) }

// StreamOption configures how a stream reads event times and keeps correlation
// state; give it to Compile (the default) or to Program.NewStream (this stream).
type StreamOption func(*streamConfig)

func (o StreamOption) apply(c *config) { o(&c.stream) }

type optionFunc func(*config)

func (o optionFunc) apply(c *config) { o(c) }

type config struct {
	paths           []string
	pipelines       []*pipeline.Pipeline
	profile         *engine.Profile
	ignoreLogsource bool
	// load are the front end's limits and workers for Compile.
	load   frontend.Options
	stream streamConfig
}

type streamConfig struct {
	time correlation.TimeSource
	corr correlation.Options
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// Paths names what Compile loads from its file system: slash-separated files,
// folders (walked for .yml and .yaml files) and path.Match patterns. The default is
// ".", everything.
func Paths(paths ...string) Option {
	return optionFunc(func(c *config) { c.paths = append(c.paths, paths...) })
}

// LoadOptions sets every limit of Compile's loading at once (the front end's
// frontend.Options: file size, expansion budgets, workers); it replaces
// MaxFileSize, MaxRuleVariants, MaxLoadVariants and LoadWorkers given before it.
// Zero fields keep the front end's defaults. CompileRules does not load.
func LoadOptions(o frontend.Options) Option {
	return optionFunc(func(c *config) { c.load = o })
}

// MaxFileSize is the largest rule file Compile accepts, in bytes (default
// 4 MiB); a larger file fails to load with an error naming it.
func MaxFileSize(n int64) Option {
	return optionFunc(func(c *config) { c.load.MaxFileSize = n })
}

// MaxRuleVariants is the expansion budget of one rule: the variants that the
// expansion modifiers (windash, base64offset) may produce over all of its
// values (default frontend.DefaultMaxRuleVariants); a rule over it fails to load.
func MaxRuleVariants(n int) Option {
	return optionFunc(func(c *config) { c.load.MaxRuleVariants = n })
}

// MaxLoadVariants is the expansion budget of Compile's whole load, over all
// files (default frontend.DefaultMaxLoadVariants); rules past it fail to load.
func MaxLoadVariants(n int) Option {
	return optionFunc(func(c *config) { c.load.MaxLoadVariants = n })
}

// LoadWorkers is the number of rule files Compile parses in parallel (default
// GOMAXPROCS); the result does not depend on it.
func LoadWorkers(n int) Option {
	return optionFunc(func(c *config) { c.load.Workers = n })
}

// Pipelines applies pySigma processing pipelines (pipeline.Parse) to the rules
// Compile loads, in priority order.
func Pipelines(pls ...*pipeline.Pipeline) Option {
	return optionFunc(func(c *config) { c.pipelines = append(c.pipelines, pls...) })
}

// Profile sets the logsource profile: which events each rule's logsource sees
// (engine.LoadProfile, engine.ParseProfile; default engine.DefaultProfile).
func Profile(p *engine.Profile) Option {
	return optionFunc(func(c *config) { c.profile = p })
}

// IgnoreLogsource, when on, lets every rule see every event whatever its logsource.
func IgnoreLogsource(on bool) Option {
	return optionFunc(func(c *config) { c.ignoreLogsource = on })
}

// TimeFields names the event fields holding the event time, tried in order; they
// take precedence over Event.Time. Default: Event.Time, else
// correlation.DefaultTimeFields.
func TimeFields(fields ...string) StreamOption {
	return func(c *streamConfig) { c.time.Fields = append([]string(nil), fields...) }
}

// TimeLayout is the layout of the time fields: a Go time layout, or unix,
// unix_ms, unix_us, unix_ns. Default: RFC 3339 and common layouts, epochs by magnitude.
func TimeLayout(layout string) StreamOption {
	return func(c *streamConfig) { c.time.Layout = layout }
}

// Tolerance accepts events this far out of time order in correlation windows.
func Tolerance(d time.Duration) StreamOption {
	return func(c *streamConfig) { c.corr.Tolerance = d }
}

// MaxGroups caps the live correlation groups per rule (correlation.Options.MaxGroups).
func MaxGroups(n int) StreamOption {
	return func(c *streamConfig) { c.corr.MaxGroups = n }
}

// CorrelationOptions sets every correlation budget at once (it replaces Tolerance
// and MaxGroups given before it).
func CorrelationOptions(o correlation.Options) StreamOption {
	return func(c *streamConfig) { c.corr = o }
}

// eventTime is Program.EventTime under these options.
func (c streamConfig) eventTime(ev Event) (time.Time, bool) { return detection.Time(ev, c.time) }

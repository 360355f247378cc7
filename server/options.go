package server

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gollm/gollm"
)

// sampling is a request's validated generation settings.
type sampling struct {
	params  gollm.SamplerParams
	seedSet bool
	// numPredict is the most tokens to generate: > 0 a limit, 0 none at
	// all, < 0 until the model ends the text or the context is full.
	numPredict int
	// numCtx is the context size asked for (0: the server's default).
	numCtx int
	stop   []string
	// shift makes room when the context fills during generation (Ollama
	// does; llama-server by default does not), keeping the first keep
	// prompt tokens (-1: the whole prompt).
	shift bool
	keep  int
}

// maxStops bounds the stop strings of a request.
const maxStops = 64

// ollamaSampling returns Ollama's defaults: temperature 0.8, top_k 40,
// top_p 0.9, min_p 0, typical_p 1, repeat_penalty 1.1 over the last 64
// tokens, no presence or frequency penalty, a random seed, num_predict -1,
// and a full context shifted (num_keep 4) rather than ending the answer.
func ollamaSampling() sampling {
	p := gollm.DefaultSamplerParams()
	p.Temperature, p.TopK, p.TopP, p.MinP, p.TypicalP = 0.8, 40, 0.9, 0, 1
	p.RepeatPenalty, p.RepeatLastN = 1.1, 64
	return sampling{params: p, numPredict: -1, shift: true, keep: 4}
}

// openAISampling returns the OpenAI API's defaults: temperature 1, top_p
// 1, no other filter or penalty, a random seed, no token limit.
func openAISampling() sampling {
	p := gollm.DefaultSamplerParams()
	p.Temperature, p.TopK, p.TopP, p.MinP, p.TypicalP = 1, 0, 1, 0, 1
	p.RepeatPenalty = 1
	return sampling{params: p, numPredict: -1}
}

// ignoredOptions are Ollama options that concern Ollama's runner (GPU
// layers, memory mapping, threads) or features gollm does not have; they
// are accepted and have no effect.
var ignoredOptions = map[string]bool{
	"numa": true, "num_batch": true, "num_gpu": true, "main_gpu": true, "low_vram": true,
	"f16_kv": true, "logits_all": true, "vocab_only": true, "use_mmap": true, "use_mlock": true,
	"num_thread": true, "penalize_newline": true, "tfs_z": true, "embedding_only": true,
	"num_gqa": true, "rope_frequency_base": true, "rope_frequency_scale": true,
}

// applyOptions applies Ollama options (the request's "options", or a
// model's params layer) over s. Values may be json.Number (request
// bodies) or float64 (params layers). Unknown keys are ignored, as Ollama
// ignores them.
func (s *sampling) applyOptions(opts map[string]any) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic first error
	for _, k := range keys {
		v := opts[k]
		if v == nil || ignoredOptions[k] {
			continue
		}
		if err := s.applyOption(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (s *sampling) applyOption(k string, v any) error {
	p := &s.params
	var err error
	switch k {
	case "num_ctx":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < 1 {
				return badParam("options.num_ctx", "option num_ctx must be at least 1 (got %d); leave it out for the server's default", n)
			}
			s.numCtx = n
		}
	case "num_keep":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < -1 {
				return badParam("options.num_keep", "option num_keep must be -1 (the whole prompt) or at least 0 (got %d)", n)
			}
			s.keep = n
		}
	case "num_predict":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < -2 {
				return badParam("options.num_predict", "option num_predict must be -1 (until the text ends), -2 (fill the context) or at least 0 (got %d)", n)
			}
			s.numPredict = n
		}
	case "temperature":
		err = optFloatRange(k, v, &p.Temperature, 0, math.MaxFloat32)
	case "top_k":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < 0 {
				return badParam("options.top_k", "option top_k must not be negative (got %d)", n)
			}
			p.TopK = n
		}
	case "top_p":
		err = optFloatRange(k, v, &p.TopP, 0, 1)
	case "min_p":
		err = optFloatRange(k, v, &p.MinP, 0, 1)
	case "typical_p":
		err = optFloatRange(k, v, &p.TypicalP, 0, 1)
	case "repeat_penalty":
		err = optFloatRange(k, v, &p.RepeatPenalty, math.SmallestNonzeroFloat32, math.MaxFloat32)
	case "repeat_last_n":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < -1 {
				return badParam("options.repeat_last_n", "option repeat_last_n must be -1 (the whole context) or at least 0 (got %d)", n)
			}
			p.RepeatLastN = n
		}
	case "presence_penalty":
		err = optFloatRange(k, v, &p.PresencePenalty, -math.MaxFloat32, math.MaxFloat32)
	case "frequency_penalty":
		err = optFloatRange(k, v, &p.FrequencyPenalty, -math.MaxFloat32, math.MaxFloat32)
	case "mirostat":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < 0 || n > 2 {
				return badParam("options.mirostat", "option mirostat must be 0, 1 or 2 (got %d)", n)
			}
			p.Mirostat = n
		}
	case "mirostat_tau":
		err = optFloatRange(k, v, &p.MirostatTau, 0, math.MaxFloat32)
	case "mirostat_eta":
		err = optFloatRange(k, v, &p.MirostatEta, 0, math.MaxFloat32)
	case "dry_multiplier":
		err = optFloatRange(k, v, &p.DRYMultiplier, 0, math.MaxFloat32)
	case "dry_base":
		var f float32
		if err = optFloatRange(k, v, &f, -math.MaxFloat32, math.MaxFloat32); err == nil {
			if f < 1 {
				f = gollm.DefaultSamplerParams().DRYBase // llama-server's rule
			}
			p.DRYBase = f
		}
	case "dry_allowed_length":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < 0 {
				return badParam("options."+k, "option %s must not be negative (got %d)", k, n)
			}
			p.DRYAllowedLength = n
		}
	case "dry_penalty_last_n":
		var n int
		if n, err = optInt(k, v); err == nil {
			if n < -1 {
				return badParam("options."+k, "option %s must be -1 (the context size) or at least 0 (got %d)", k, n)
			}
			p.DRYPenaltyLastN = n
		}
	case "dry_sequence_breakers":
		var b []string
		if b, err = dryBreakers(k, v); err == nil {
			p.DRYSequenceBreakers = b
		}
	case "seed":
		var n int
		if n, err = optInt(k, v); err == nil {
			s.setSeed(int64(n))
		}
	case "stop":
		var stops []string
		if stops, err = optStrings(k, v); err == nil {
			s.stop = stops
		}
	}
	return err
}

func (s *sampling) setSeed(n int64) {
	if n < 0 {
		s.seedSet = false // -1: random, as Ollama and llama.cpp
		return
	}
	s.params.Seed, s.seedSet = uint64(n), true
}

// optNumber reads a JSON number option.
func optNumber(k string, v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return 0, badParam("options."+k, "option %s: %q is not a number", k, x.String())
		}
		return f, nil
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	}
	return 0, badParam("options."+k, "option %s must be a number, not %s", k, jsonKind(v))
}

func optInt(k string, v any) (int, error) {
	f, err := optNumber(k, v)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, badParam("options."+k, "option %s must be an integer (got %v)", k, f)
	}
	return int(f), nil
}

func optFloatRange(k string, v any, dst *float32, lo, hi float64) error {
	f, err := optNumber(k, v)
	if err != nil {
		return err
	}
	if math.IsNaN(f) || f < lo || f > hi {
		switch {
		case hi == math.MaxFloat32 && lo == 0:
			return badParam("options."+k, "option %s must not be negative (got %v)", k, f)
		case hi == math.MaxFloat32 && lo > 0:
			return badParam("options."+k, "option %s must be positive (got %v)", k, f)
		case lo < 0:
			return badParam("options."+k, "option %s is out of range (got %v)", k, f)
		}
		return badParam("options."+k, "option %s must be between %v and %v (got %v)", k, lo, hi, f)
	}
	*dst = float32(f)
	return nil
}

func optStrings(k string, v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []string:
		return x, nil
	case []any:
		if len(x) > maxStops {
			return nil, badParam("options."+k, "option %s has %d entries, at most %d are allowed", k, len(x), maxStops)
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, badParam("options."+k, "option %s must be an array of strings", k)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, badParam("options."+k, "option %s must be an array of strings, not %s", k, jsonKind(v))
}

// dryBreakers reads dry_sequence_breakers as llama-server does: a
// non-empty array of strings, of which empty strings are skipped.
func dryBreakers(k string, v any) ([]string, error) {
	var all []string
	switch x := v.(type) {
	case []string:
		all = x
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, badParam("options."+k, "option %s must be a non-empty array of strings", k)
			}
			all = append(all, s)
		}
	default:
		return nil, badParam("options."+k, "option %s must be a non-empty array of strings, not %s", k, jsonKind(v))
	}
	if len(all) == 0 {
		return nil, badParam("options."+k, "option %s must be a non-empty array of strings", k)
	}
	if len(all) > maxStops {
		return nil, badParam("options."+k, "option %s has %d entries, at most %d are allowed", k, len(all), maxStops)
	}
	out := make([]string, 0, len(all))
	for _, s := range all {
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// drySampling are llama-server's DRY fields of a request body (in
// /v1/completions and /v1/chat/completions, as llama-server takes them).
// Embed it in a request struct and call apply after the other sampling
// fields.
type drySampling struct {
	DryMultiplier       json.RawMessage `json:"dry_multiplier"`
	DryBase             json.RawMessage `json:"dry_base"`
	DryAllowedLength    json.RawMessage `json:"dry_allowed_length"`
	DryPenaltyLastN     json.RawMessage `json:"dry_penalty_last_n"`
	DrySequenceBreakers json.RawMessage `json:"dry_sequence_breakers"`
}

// apply sets the DRY fields present in the request over s. Errors name
// the request field.
func (d *drySampling) apply(s *sampling) error {
	opts := map[string]any{}
	for _, f := range []struct {
		key string
		raw json.RawMessage
	}{
		{"dry_multiplier", d.DryMultiplier},
		{"dry_base", d.DryBase},
		{"dry_allowed_length", d.DryAllowedLength},
		{"dry_penalty_last_n", d.DryPenaltyLastN},
		{"dry_sequence_breakers", d.DrySequenceBreakers},
	} {
		if len(f.raw) == 0 {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(string(f.raw)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return badParam(f.key, "%s: %v", f.key, err)
		}
		if v != nil {
			opts[f.key] = v
		}
	}
	if err := s.applyOptions(opts); err != nil {
		if he, ok := err.(*httpError); ok && strings.HasPrefix(he.param, "options.") {
			c := *he
			c.param = strings.TrimPrefix(he.param, "options.")
			c.msg = strings.TrimPrefix(c.msg, "option ")
			return &c
		}
		return err
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// finish validates the settings and fills in a random seed when none was
// given.
func (s *sampling) finish() error {
	if err := s.params.Validate(); err != nil {
		return badRequest("%s", strings.TrimPrefix(err.Error(), "sampler: "))
	}
	if !s.seedSet {
		s.params.Seed = rand.Uint64()
	}
	return nil
}

// parseKeepAlive reads Ollama's keep_alive: a number of seconds or a
// duration string ("5m", "1h30m", or digits meaning seconds); a negative
// value keeps the model loaded forever. nil when absent.
func parseKeepAlive(raw json.RawMessage) (*time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, badParam("keep_alive", "keep_alive: %v", err)
	}
	var d time.Duration
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, badParam("keep_alive", "keep_alive: %q is not a number", x.String())
		}
		d = secondsDuration(f)
	case string:
		var err error
		d, err = ParseKeepAlive(x)
		if err != nil {
			return nil, badParam("keep_alive", "%v", err)
		}
	default:
		return nil, badParam("keep_alive", "keep_alive must be a duration string or a number of seconds, not %s", jsonKind(v))
	}
	return &d, nil
}

func secondsDuration(f float64) time.Duration {
	if f < 0 {
		return -1
	}
	if f > float64(math.MaxInt64)/float64(time.Second) {
		return -1 // as good as forever
	}
	return time.Duration(f * float64(time.Second))
}

// ParseKeepAlive parses a keep-alive as Ollama's OLLAMA_KEEP_ALIVE and
// keep_alive do: a Go duration ("5m", "1h", "-1m") or a number of seconds
// ("300", "-1"); a negative value means forever (returned as -1).
func ParseKeepAlive(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		return secondsDuration(f), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("keep_alive %q is neither a duration (5m, 1h) nor a number of seconds", s)
	}
	if d < 0 {
		d = -1
	}
	return d, nil
}

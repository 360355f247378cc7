// Package store finds GGUF model files by name, in the places a user's
// machine already keeps them, so that `gollm serve`, `gollm run` and
// `gollm pull` agree on what a name means.
//
// A name resolves, in order, to:
//
//  1. a built-in model held in memory (Store.Builtin, e.g. "stories260K");
//  2. a path to a .gguf file (only when Store.AllowPaths is set);
//  3. a file in the models directory (Store.ModelsDir): "name" is
//     ModelsDir/name.gguf (or ModelsDir/name when it ends in .gguf; a
//     ":latest" tag is ignored);
//  4. a model in Ollama's store (Store.OllamaDir, usually ~/.ollama/models):
//     manifests/<host>/<namespace>/<model>/<tag> is a JSON manifest whose
//     layer of media type application/vnd.ollama.image.model names the GGUF
//     blob, blobs/sha256-<hex>; its template, system and params layers come
//     along. Host, namespace and tag default to registry.ollama.ai, library
//     and latest, so "llama3.2" is registry.ollama.ai/library/llama3.2/latest;
//  5. a repository in the Hugging Face hub cache (Store.HFCacheDir, usually
//     ~/.cache/huggingface/hub) for "org/repo:quant" names (also written
//     "hf.co/org/repo:quant"): the GGUF file of the snapshot refs/main
//     points at (else the newest snapshot) whose name contains the quant,
//     case-insensitively.
//
// Names are checked before they touch the file system: no absolute paths or
// ".." outside step 2, no empty or dot-led path components, and manifest
// digests must be sha256 hex, so a name or a manifest cannot reach outside
// these roots. The package reads no environment variables: the caller (cmd
// gollm) fills in the directories.
package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is wrapped by Resolve's error when no root has the model.
var ErrNotFound = errors.New("model not found")

// ErrInvalidName is wrapped by Resolve's error for a malformed name.
var ErrInvalidName = errors.New("invalid model name")

// Kind says where a model was found.
type Kind string

// The places a model can come from.
const (
	KindBuiltin Kind = "builtin"     // held in memory (Store.Builtin)
	KindPath    Kind = "path"        // a .gguf path given as the name
	KindFile    Kind = "file"        // a file in the models directory
	KindOllama  Kind = "ollama"      // Ollama's manifest and blob store
	KindHF      Kind = "huggingface" // the Hugging Face hub cache
)

// Ollama manifest layer media types.
const (
	MediaTypeModel    = "application/vnd.ollama.image.model"
	MediaTypeTemplate = "application/vnd.ollama.image.template"
	MediaTypeSystem   = "application/vnd.ollama.image.system"
	MediaTypeParams   = "application/vnd.ollama.image.params"
	MediaTypeLicense  = "application/vnd.ollama.image.license"
)

// Ollama name defaults.
const (
	DefaultHost      = "registry.ollama.ai"
	DefaultNamespace = "library"
	DefaultTag       = "latest"
)

// Model is a resolved model: where its GGUF data is and what came with it.
type Model struct {
	// Name is the model's canonical name, as List shows it (e.g.
	// "llama3.2:latest", "hf.co/org/repo:Q4_K_M", "stories260K").
	Name string
	Kind Kind
	// Path is the GGUF file ("" for a built-in model).
	Path string
	// Data is the GGUF file of a built-in model.
	Data []byte
	// Size is the GGUF file's size in bytes.
	Size int64
	// ModifiedAt is the file's (or manifest's) modification time.
	ModifiedAt time.Time
	// Digest identifies the model version, "sha256:<hex>": the manifest's
	// hash for Ollama models, the blob hash for Hugging Face files, the
	// data's hash for built-ins, and for other files a hash of path, size
	// and modification time (not of the content, which may be gigabytes).
	Digest string
	// Template, System and Params are the Ollama template (Go
	// text/template), default system message and default options (a JSON
	// object) of Ollama models; empty otherwise.
	Template string
	System   string
	Params   map[string]any
	// License is the Ollama license layer's text, if any.
	License string
}

// Store is the set of places models are looked up in. The zero value finds
// only built-in models.
type Store struct {
	// ModelsDir is gollm's own models directory (e.g. ~/.gollm/models).
	ModelsDir string
	// OllamaDir is Ollama's models directory (holding manifests/ and
	// blobs/), e.g. ~/.ollama/models or $OLLAMA_MODELS.
	OllamaDir string
	// HFCacheDir is the Hugging Face hub cache (holding models--org--repo
	// directories), e.g. ~/.cache/huggingface/hub.
	HFCacheDir string
	// AllowPaths lets a name be a path to any .gguf file.
	AllowPaths bool
	// Builtin maps names to GGUF files held in memory.
	Builtin map[string][]byte

	digestMu sync.Mutex
	digests  map[string]string // builtin name → digest
}

var (
	componentRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._+-]*$`)
	hostRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?$`)
	digestRE    = regexp.MustCompile(`^sha256[:-]([0-9a-f]{64})$`)
	hexRE       = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// builtinTime is the modification time built-in models report: when the
// program started.
var builtinTime = time.Now().UTC().Truncate(time.Second)

// maxSmallFile bounds manifests and template/system/params layers read
// into memory.
const maxSmallFile = 4 << 20

// Resolve finds the model a name refers to. The error wraps ErrNotFound or
// ErrInvalidName, or says what is wrong with a store entry that exists.
func (s *Store) Resolve(name string) (*Model, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: empty name", ErrInvalidName)
	}
	if len(name) > 1024 || strings.ContainsAny(name, "\x00\n\r") {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	if data, ok := s.builtin(name); ok {
		return s.builtinModel(strings.TrimSuffix(name, ":"+DefaultTag), data), nil
	}
	isGGUF := strings.HasSuffix(strings.ToLower(name), ".gguf")
	if !isGGUF || !s.AllowPaths {
		// Only a path may hold "..", "." or an absolute prefix.
		if err := checkRelative(name); err != nil {
			return nil, err
		}
	}
	if isGGUF && s.AllowPaths && (filepath.IsAbs(name) || strings.ContainsRune(name, filepath.Separator) || strings.HasPrefix(name, ".")) {
		return fileModel(filepath.Clean(name), name, KindPath)
	}
	if s.ModelsDir != "" {
		if m, err := s.resolveFile(name); err == nil || !errors.Is(err, ErrNotFound) {
			return m, err
		}
	}
	if isGGUF && s.AllowPaths {
		// A bare "model.gguf" in the working directory.
		if m, err := fileModel(name, name, KindPath); err == nil || !errors.Is(err, ErrNotFound) {
			return m, err
		}
	}
	if isGGUF {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	ref, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	if s.OllamaDir != "" {
		if m, err := s.resolveOllama(ref); err == nil || !errors.Is(err, ErrNotFound) {
			return m, err
		}
	}
	if s.HFCacheDir != "" && ref.hfCandidate() {
		if m, err := s.resolveHF(ref); err == nil || !errors.Is(err, ErrNotFound) {
			return m, err
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
}

func (s *Store) builtin(name string) ([]byte, bool) {
	if d, ok := s.Builtin[name]; ok {
		return d, true
	}
	d, ok := s.Builtin[strings.TrimSuffix(name, ":"+DefaultTag)]
	return d, ok
}

func (s *Store) builtinModel(name string, data []byte) *Model {
	s.digestMu.Lock()
	if s.digests == nil {
		s.digests = map[string]string{}
	}
	d, ok := s.digests[name]
	if !ok {
		sum := sha256.Sum256(data)
		d = "sha256:" + hex.EncodeToString(sum[:])
		s.digests[name] = d
	}
	s.digestMu.Unlock()
	return &Model{Name: name, Kind: KindBuiltin, Data: data, Size: int64(len(data)), Digest: d, ModifiedAt: builtinTime}
}

// checkRelative validates a name used as a path below a root: slash
// separated, no empty, "." or ".." components, nothing absolute.
func checkRelative(name string) error {
	if strings.ContainsRune(name, '\\') || strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || strings.HasPrefix(part, ".") {
			return fmt.Errorf("%w: %q", ErrInvalidName, name)
		}
	}
	return nil
}

// within reports whether path lies inside root (lexically).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func (s *Store) resolveFile(name string) (*Model, error) {
	rel := strings.TrimSuffix(name, ":"+DefaultTag)
	if err := checkRelative(rel); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(strings.ToLower(rel), ".gguf") {
		rel += ".gguf"
	}
	path := filepath.Join(s.ModelsDir, filepath.FromSlash(rel))
	if !within(s.ModelsDir, path) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return fileModel(path, strings.TrimSuffix(filepath.ToSlash(rel), ".gguf"), KindFile)
}

// fileModel describes a GGUF file; a missing file wraps ErrNotFound.
func fileModel(path, name string, kind Kind) (*Model, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("store: %s is not a regular file", path)
	}
	return &Model{Name: name, Kind: kind, Path: path, Size: fi.Size(), ModifiedAt: fi.ModTime(), Digest: statDigest(path, fi)}, nil
}

func statDigest(path string, fi fs.FileInfo) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", path, fi.Size(), fi.ModTime().UnixNano()))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Name is a parsed Ollama-style model name: host/namespace/model:tag.
type Name struct {
	Host, Namespace, Model, Tag string
	// explicit records which parts the name spelled out.
	explicitHost, explicitNS bool
}

// ParseName parses an Ollama-style name ("model", "model:tag",
// "namespace/model:tag", "host/namespace/model:tag"), filling in the
// defaults, and checks every part.
func ParseName(name string) (Name, error) {
	n := Name{Host: DefaultHost, Namespace: DefaultNamespace, Tag: DefaultTag}
	rest := name
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		n.Tag, rest = rest[i+1:], rest[:i]
	}
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 1:
		n.Model = parts[0]
	case 2:
		n.Namespace, n.Model = parts[0], parts[1]
		n.explicitNS = true
	case 3:
		n.Host, n.Namespace, n.Model = parts[0], parts[1], parts[2]
		n.explicitHost, n.explicitNS = true, true
	default:
		return Name{}, fmt.Errorf("%w: %q (want [host/][namespace/]model[:tag])", ErrInvalidName, name)
	}
	ok := hostRE.MatchString(n.Host) && !strings.Contains(n.Host, "..")
	for _, p := range []string{n.Namespace, n.Model, n.Tag} {
		ok = ok && len(p) <= 128 && componentRE.MatchString(p) && !strings.Contains(p, "..")
	}
	if !ok {
		return Name{}, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return n, nil
}

// String returns the short form Ollama shows: defaults left out, the tag
// always present.
func (n Name) String() string {
	switch {
	case n.Host != DefaultHost:
		return n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag
	case n.Namespace != DefaultNamespace:
		return n.Namespace + "/" + n.Model + ":" + n.Tag
	}
	return n.Model + ":" + n.Tag
}

// hfCandidate reports whether the name can be a Hugging Face repository:
// "org/repo[:quant]" or "hf.co/org/repo[:quant]".
func (n Name) hfCandidate() bool {
	if n.explicitHost {
		return n.Host == "hf.co" || n.Host == "huggingface.co"
	}
	return n.explicitNS
}

// ManifestPath returns where Ollama keeps the manifest of n below dir.
func ManifestPath(dir string, n Name) string {
	return filepath.Join(dir, "manifests", n.Host, n.Namespace, n.Model, n.Tag)
}

// BlobPath returns where Ollama keeps the blob of a digest
// ("sha256:<hex>") below dir.
func BlobPath(dir, digest string) (string, error) {
	m := digestRE.FindStringSubmatch(digest)
	if m == nil {
		return "", fmt.Errorf("store: bad digest %q", digest)
	}
	return filepath.Join(dir, "blobs", "sha256-"+m[1]), nil
}

// Manifest is the part of an Ollama manifest the store reads.
type Manifest struct {
	SchemaVersion int     `json:"schemaVersion"`
	MediaType     string  `json:"mediaType"`
	Config        Layer   `json:"config"`
	Layers        []Layer `json:"layers"`
}

// Layer is one blob of an Ollama manifest.
type Layer struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSmallFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxSmallFile)
	}
	return b, nil
}

func (s *Store) resolveOllama(n Name) (*Model, error) {
	mpath := ManifestPath(s.OllamaDir, n)
	if !within(s.OllamaDir, mpath) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, n.String())
	}
	raw, err := readSmall(mpath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, n)
		}
		return nil, fmt.Errorf("store: ollama manifest of %s: %w", n, err)
	}
	var man Manifest
	if err := json.Unmarshal(raw, &man); err != nil {
		return nil, fmt.Errorf("store: ollama manifest of %s: %w", n, err)
	}
	fi, err := os.Stat(mpath)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	sum := sha256.Sum256(raw)
	m := &Model{Name: n.String(), Kind: KindOllama, ModifiedAt: fi.ModTime(), Digest: "sha256:" + hex.EncodeToString(sum[:])}
	for _, l := range man.Layers {
		switch l.MediaType {
		case MediaTypeModel, MediaTypeTemplate, MediaTypeSystem, MediaTypeParams, MediaTypeLicense:
		default:
			continue
		}
		blob, err := BlobPath(s.OllamaDir, l.Digest)
		if err != nil {
			return nil, fmt.Errorf("store: ollama manifest of %s: %w", n, err)
		}
		if l.MediaType == MediaTypeModel {
			if m.Path != "" {
				return nil, fmt.Errorf("store: ollama manifest of %s has several model layers", n)
			}
			bi, err := os.Stat(blob)
			if err != nil {
				return nil, fmt.Errorf("store: model blob of %s: %w", n, err)
			}
			m.Path, m.Size = blob, bi.Size()
			continue
		}
		b, err := readSmall(blob)
		if err != nil {
			return nil, fmt.Errorf("store: %s layer of %s: %w", l.MediaType, n, err)
		}
		switch l.MediaType {
		case MediaTypeTemplate:
			m.Template = string(b)
		case MediaTypeSystem:
			m.System = string(b)
		case MediaTypeLicense:
			if m.License != "" {
				m.License += "\n"
			}
			m.License += string(b)
		case MediaTypeParams:
			if err := json.Unmarshal(b, &m.Params); err != nil {
				return nil, fmt.Errorf("store: params layer of %s: %w", n, err)
			}
		}
	}
	if m.Path == "" {
		return nil, fmt.Errorf("store: ollama manifest of %s has no model layer (%s)", n, MediaTypeModel)
	}
	return m, nil
}

// hfRepoDir returns the cache directory of org/repo.
func hfRepoDir(cache, org, repo string) string {
	return filepath.Join(cache, "models--"+org+"--"+repo)
}

// hfSnapshot returns the snapshot directory refs/main names, or the most
// recently modified one.
func hfSnapshot(repoDir string) (string, error) {
	if b, err := readSmall(filepath.Join(repoDir, "refs", "main")); err == nil {
		rev := strings.TrimSpace(string(b))
		if componentRE.MatchString(rev) {
			dir := filepath.Join(repoDir, "snapshots", rev)
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				return dir, nil
			}
		}
	}
	ents, err := os.ReadDir(filepath.Join(repoDir, "snapshots"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %s", ErrNotFound, repoDir)
		}
		return "", fmt.Errorf("store: %w", err)
	}
	var best string
	var bestT time.Time
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		if best == "" || fi.ModTime().After(bestT) {
			best, bestT = e.Name(), fi.ModTime()
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: no snapshot in %s", ErrNotFound, repoDir)
	}
	return filepath.Join(repoDir, "snapshots", best), nil
}

// ggufFiles lists the .gguf files below dir (slash-separated relative
// paths, at most 3 levels deep), sorted.
func ggufFiles(dir string, maxDepth int) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || strings.Count(filepath.ToSlash(rel), "/") >= maxDepth-1) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(strings.ToLower(d.Name()), ".gguf") && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// quantRE finds a quantization name in a file name.
var quantRE = regexp.MustCompile(`(?i)(?:^|[-._])((?:I?Q[0-9]_[A-Z0-9]+(?:_[A-Z0-9]+)?)|(?:TQ[12]_0)|(?:MXFP4)|(?:BF16)|(?:F16)|(?:F32))(?:[-._]|$)`)

// QuantOf returns the quantization named in a GGUF file name (e.g.
// "Q4_K_M" from "Llama-3.2-1B-Instruct-Q4_K_M.gguf"), upper-cased, or the
// file's base name without .gguf when it names none.
func QuantOf(file string) string {
	base := filepath.Base(filepath.FromSlash(file))
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	if m := quantRE.FindAllStringSubmatch(stem, -1); m != nil {
		return strings.ToUpper(m[len(m)-1][1])
	}
	return stem
}

// pickQuant chooses the file of a repository for a quant: files whose
// quant (QuantOf) equals it, else files whose name contains it; one match
// wins, several are ambiguous. An empty quant takes the only file, or
// Q4_K_M.
func pickQuant(files []string, quant string) (string, error) {
	if quant == "" || strings.EqualFold(quant, DefaultTag) {
		if len(files) == 1 {
			return files[0], nil
		}
		quant = "Q4_K_M"
	}
	var exact, sub []string
	for _, f := range files {
		if strings.EqualFold(QuantOf(f), quant) {
			exact = append(exact, f)
		} else if strings.Contains(strings.ToLower(filepath.Base(f)), strings.ToLower(quant)) {
			sub = append(sub, f)
		}
	}
	for _, set := range [][]string{exact, sub} {
		set = firstShards(set)
		switch len(set) {
		case 0:
			continue
		case 1:
			return set[0], nil
		default:
			return "", fmt.Errorf("store: %q matches several files (%s); name one exactly", quant, strings.Join(set, ", "))
		}
	}
	return "", fmt.Errorf("%w: no file for %q among %s", ErrNotFound, quant, strings.Join(files, ", "))
}

var shardRE = regexp.MustCompile(`-(\d{5})-of-(\d{5})\.gguf$`)

// firstShards keeps the first shard of split files (the one a loader
// opens) and drops the others.
func firstShards(files []string) []string {
	var out []string
	for _, f := range files {
		if m := shardRE.FindStringSubmatch(f); m != nil && m[1] != "00001" {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (s *Store) resolveHF(n Name) (*Model, error) {
	org, repo := n.Namespace, n.Model
	repoDir := hfRepoDir(s.HFCacheDir, org, repo)
	if !within(s.HFCacheDir, repoDir) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, n.String())
	}
	snap, err := hfSnapshot(repoDir)
	if err != nil {
		return nil, err
	}
	files := ggufFiles(snap, 3)
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no .gguf file in %s", ErrNotFound, snap)
	}
	file, err := pickQuant(files, n.Tag)
	if err != nil {
		return nil, err
	}
	return hfFileModel(snap, org, repo, file)
}

// hfFileModel describes one file of a Hugging Face snapshot. Cached files
// are links to blobs named by their sha256, which becomes the digest.
func hfFileModel(snap, org, repo, file string) (*Model, error) {
	path := filepath.Join(snap, filepath.FromSlash(file))
	m, err := fileModel(path, "hf.co/"+org+"/"+repo+":"+QuantOf(file), KindHF)
	if err != nil {
		return nil, err
	}
	if target, err := os.Readlink(path); err == nil && hexRE.MatchString(filepath.Base(target)) {
		m.Digest = "sha256:" + filepath.Base(target)
	}
	return m, nil
}

// List returns every model the store can find, sorted by name: built-ins,
// the models directory, Ollama's manifests and the Hugging Face cache.
// Entries that cannot be read are skipped.
func (s *Store) List() []*Model {
	var out []*Model
	seen := map[string]bool{}
	add := func(m *Model) {
		if m != nil && !seen[m.Name] {
			seen[m.Name] = true
			out = append(out, m)
		}
	}
	for name, data := range s.Builtin {
		add(s.builtinModel(name, data))
	}
	if s.ModelsDir != "" {
		for _, f := range ggufFiles(s.ModelsDir, 3) {
			m, err := fileModel(filepath.Join(s.ModelsDir, filepath.FromSlash(f)), strings.TrimSuffix(f, filepath.Ext(f)), KindFile)
			if err == nil {
				add(m)
			}
		}
	}
	if s.OllamaDir != "" {
		root := filepath.Join(s.OllamaDir, "manifests")
		hosts, _ := os.ReadDir(root)
		for _, h := range hosts {
			nss, _ := os.ReadDir(filepath.Join(root, h.Name()))
			for _, ns := range nss {
				models, _ := os.ReadDir(filepath.Join(root, h.Name(), ns.Name()))
				for _, md := range models {
					tags, _ := os.ReadDir(filepath.Join(root, h.Name(), ns.Name(), md.Name()))
					for _, t := range tags {
						if t.IsDir() {
							continue
						}
						n, err := ParseName(h.Name() + "/" + ns.Name() + "/" + md.Name() + ":" + t.Name())
						if err != nil {
							continue
						}
						if m, err := s.resolveOllama(n); err == nil {
							add(m)
						}
					}
				}
			}
		}
	}
	if s.HFCacheDir != "" {
		repos, _ := os.ReadDir(s.HFCacheDir)
		for _, r := range repos {
			org, repo, ok := strings.Cut(strings.TrimPrefix(r.Name(), "models--"), "--")
			if !strings.HasPrefix(r.Name(), "models--") || !ok {
				continue
			}
			snap, err := hfSnapshot(filepath.Join(s.HFCacheDir, r.Name()))
			if err != nil {
				continue
			}
			for _, f := range firstShards(ggufFiles(snap, 3)) {
				if !componentRE.MatchString(org) || !componentRE.MatchString(repo) {
					break
				}
				m, err := hfFileModel(snap, org, repo, f)
				if err == nil {
					add(m)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

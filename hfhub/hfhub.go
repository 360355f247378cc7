// Package hfhub downloads GGUF files from a Hugging Face Hub (or a mirror
// that speaks its API) into the Hub's shared cache layout, the one the
// huggingface_hub Python library and llama.cpp's -hf use:
//
//	<cache>/models--<org>--<repo>/
//	    blobs/<sha256>                         the file's bytes, named by content
//	    snapshots/<commit>/<path>              symlink → ../../blobs/<sha256>
//	    refs/<revision>                        the commit the revision pointed at
//
// so a file pulled by gollm is found by those tools and the other way round.
//
// It is its own package, not part of cmd/gollm or server: it is a client of
// a remote service with its own protocol (model-info API, resolve URLs,
// LFS hashes, resumable transfers) that is worth testing on its own against
// a fake Hub, and that a program embedding gollm may want without the CLI
// or the HTTP server; server/store only reads the cache layout this
// package writes. It imports nothing of ours. Like every
// package but cmd/gollm it reads no environment variables: the endpoint
// (HF_ENDPOINT), token (HF_TOKEN) and cache directory (HF_HUB_CACHE,
// HF_HOME) come in as fields of Client; DefaultCacheDir applies the
// huggingface_hub precedence to values the caller read.
//
// A pull resolves "org/repo:QUANT" to one file through the model-info API
// (GET {endpoint}/api/models/{org}/{repo}/revision/{rev}?blobs=true, whose
// siblings carry each file's size and LFS sha256), downloads it from
// {endpoint}/{org}/{repo}/resolve/{commit}/{path} into
// blobs/<sha256>.incomplete, resuming a partial file with an HTTP Range
// request, checks the sha256 and only then moves the blob into place and
// links it from the snapshot.
package hfhub

import (
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Hugging Face Hub.
const DefaultEndpoint = "https://huggingface.co"

// DefaultQuant is the quantization chosen when a reference names none and
// the repository has several GGUF files (Ollama's and llama.cpp's choice).
const DefaultQuant = "Q4_K_M"

// Client talks to one Hub endpoint and stores files in one cache directory.
// The zero value is not usable: set CacheDir.
type Client struct {
	// Endpoint is the Hub's base URL; empty means DefaultEndpoint.
	Endpoint string
	// Token, when set, is sent as a bearer token (for gated or private
	// repositories).
	Token string
	// CacheDir is the hub cache directory (see DefaultCacheDir).
	CacheDir string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
	// Progress, when set, is called as a download advances with the bytes
	// of the file present so far (a resumed download starts above zero)
	// and the file's size. It is called often; throttle in the callback.
	Progress func(file string, done, total int64)
	// Retries is how many times a download that broke off is resumed
	// before giving up; 0 means 3.
	Retries int
	// RetryWait is the pause before a resume; 0 means one second.
	RetryWait time.Duration
}

// DefaultCacheDir returns the hub cache directory the way huggingface_hub
// chooses it from the environment values the caller read: HF_HUB_CACHE if
// set, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else
// home/.cache/huggingface/hub.
func DefaultCacheDir(hfHubCache, hfHome, xdgCacheHome, home string) string {
	switch {
	case hfHubCache != "":
		return hfHubCache
	case hfHome != "":
		return filepath.Join(hfHome, "hub")
	case xdgCacheHome != "":
		return filepath.Join(xdgCacheHome, "huggingface", "hub")
	}
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// Ref names a file to pull: a repository, a revision and a quantization.
type Ref struct {
	Repo     string // "org/repo"
	Revision string // "main" unless given with "@rev"
	Quant    string // e.g. "Q4_K_M"; empty: DefaultQuant or the only GGUF file
}

func (r Ref) String() string {
	s := r.Repo
	if r.Revision != "main" && r.Revision != "" {
		s += "@" + r.Revision
	}
	if r.Quant != "" {
		s += ":" + r.Quant
	}
	return s
}

var (
	repoPart  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	quantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	revName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
	hex40     = regexp.MustCompile(`^[0-9a-f]{40}$`)
	hex64     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseRef parses "org/repo[@revision][:quant]". A leading "hf.co/",
// "huggingface.co/" or "https://huggingface.co/" is dropped, as Ollama
// accepts them; the tag "latest" means no quantization given.
func ParseRef(s string) (Ref, error) {
	orig := s
	for _, p := range []string{"https://", "http://"} {
		s = strings.TrimPrefix(s, p)
	}
	for _, p := range []string{"hf.co/", "huggingface.co/"} {
		s = strings.TrimPrefix(s, p)
	}
	r := Ref{Revision: "main"}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		r.Quant, s = s[i+1:], s[:i]
		if strings.EqualFold(r.Quant, "latest") {
			r.Quant = ""
		} else if !quantName.MatchString(r.Quant) {
			return Ref{}, fmt.Errorf("hfhub: %q: bad quantization tag %q", orig, r.Quant)
		}
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		r.Revision, s = s[i+1:], s[:i]
		if err := checkRevision(r.Revision); err != nil {
			return Ref{}, fmt.Errorf("hfhub: %q: %w", orig, err)
		}
	}
	if err := checkRepo(s); err != nil {
		return Ref{}, fmt.Errorf("hfhub: %q: %w", orig, err)
	}
	r.Repo = s
	return r, nil
}

func checkRepo(repo string) error {
	org, name, ok := strings.Cut(repo, "/")
	if !ok || !repoPart.MatchString(org) || !repoPart.MatchString(name) ||
		strings.Contains(repo, "..") || strings.Contains(repo, "--") {
		return fmt.Errorf("repository must be org/name of letters, digits, '.', '_', '-' (got %q)", repo)
	}
	return nil
}

func checkRevision(rev string) error {
	if !revName.MatchString(rev) || strings.Contains(rev, "..") || strings.Contains(rev, "//") || strings.HasSuffix(rev, "/") {
		return fmt.Errorf("bad revision %q", rev)
	}
	return nil
}

// checkFilePath rejects a repository file path that could leave the
// snapshot directory or is not portable: absolute, with "..", ".", empty
// components, backslashes or control characters.
func checkFilePath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\:") {
		return fmt.Errorf("unsafe file path %q", p)
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("unsafe file path %q", p)
		}
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("unsafe file path %q", p)
		}
	}
	return nil
}

// File is one file of a repository.
type File struct {
	Path   string // path in the repository, '/'-separated
	Size   int64  // bytes; -1 when the Hub did not say
	SHA256 string // LFS content hash (hex); empty for a file not in LFS
	GitOID string // git blob id (hex SHA-1) of a file not in LFS
}

// blobName is the name of the file's blob in the cache: its LFS sha256,
// or its git blob id for a small file kept in git itself (as
// huggingface_hub names them: by the ETag the Hub sends).
func (f File) blobName() string { return cmp.Or(f.SHA256, f.GitOID) }

// Repo is a repository's file list at one commit.
type Repo struct {
	Name   string
	Commit string // 40-hex commit the revision resolved to
	Files  []File
}

// modelInfo is the part of the model-info API's answer used here.
type modelInfo struct {
	SHA      string `json:"sha"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
		BlobID    string `json:"blobId"`
		Size      *int64 `json:"size"`
		LFS       *struct {
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
		} `json:"lfs"`
	} `json:"siblings"`
}

// HTTPError is an unexpected HTTP status from the Hub.
type HTTPError struct {
	URL        string
	StatusCode int
	Message    string // the Hub's error text, if it sent one
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("GET %s: %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		s += " (a gated or private repository needs a token: set HF_TOKEN)"
	}
	return s
}

func (c *Client) endpoint() string {
	return strings.TrimRight(cmp.Or(c.Endpoint, DefaultEndpoint), "/")
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) get(ctx context.Context, u string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "gollm")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.httpClient().Do(req)
}

func httpError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	msg := strings.TrimSpace(string(body))
	var j struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &j) == nil && j.Error != "" {
		msg = j.Error
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return &HTTPError{URL: resp.Request.URL.String(), StatusCode: resp.StatusCode, Message: msg}
}

// escapePath escapes each component of a '/'-separated path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// ListFiles asks the Hub for the files of repo at revision.
func (c *Client) ListFiles(ctx context.Context, repo, revision string) (*Repo, error) {
	if err := checkRepo(repo); err != nil {
		return nil, fmt.Errorf("hfhub: %w", err)
	}
	if err := checkRevision(revision); err != nil {
		return nil, fmt.Errorf("hfhub: %s: %w", repo, err)
	}
	u := c.endpoint() + "/api/models/" + escapePath(repo) + "/revision/" + url.PathEscape(revision) + "?blobs=true"
	resp, err := c.get(ctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("hfhub: listing %s: %w", repo, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("hfhub: listing %s: %w", repo, httpError(resp))
	}
	var info modelInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("hfhub: listing %s: decoding the model info: %w", repo, err)
	}
	if !hex40.MatchString(info.SHA) {
		return nil, fmt.Errorf("hfhub: listing %s: the Hub sent a bad commit id %q", repo, info.SHA)
	}
	r := &Repo{Name: repo, Commit: info.SHA}
	for _, s := range info.Siblings {
		f := File{Path: s.RFilename, Size: -1}
		if s.Size != nil {
			f.Size = *s.Size
		}
		if s.LFS != nil {
			f.SHA256 = strings.ToLower(s.LFS.SHA256)
			f.Size = s.LFS.Size
		} else {
			f.GitOID = strings.ToLower(s.BlobID)
		}
		r.Files = append(r.Files, f)
	}
	return r, nil
}

// ChooseFile picks the GGUF file (with all the parts of a split file) that
// quant names: the .gguf files whose name ends in the quantization tag
// (see hasQuant). With no quant it picks DefaultQuant if present,
// else the only GGUF file. Projector files (mmproj) are never chosen. The
// error for no match lists the GGUF files there are.
func ChooseFile(files []File, quant string) ([]File, error) {
	var ggufs []File
	for _, f := range files {
		base := strings.ToLower(path.Base(f.Path))
		if strings.HasSuffix(base, ".gguf") && !strings.Contains(base, "mmproj") {
			ggufs = append(ggufs, f)
		}
	}
	if len(ggufs) == 0 {
		return nil, errors.New("the repository has no GGUF files")
	}
	pick := func(q string) []File {
		var out []File
		for _, f := range ggufs {
			if hasQuant(f.Path, q) {
				out = append(out, f)
			}
		}
		return out
	}
	var match []File
	switch {
	case quant != "":
		match = pick(quant)
	default:
		match = pick(DefaultQuant)
		if len(match) == 0 && len(splitGroups(ggufs)) == 1 {
			match = ggufs
		}
	}
	groups := splitGroups(match)
	if len(groups) == 0 || len(groups) > 1 {
		var names []string
		for _, f := range ggufs {
			names = append(names, f.Path)
		}
		what := "quantization " + quant
		if quant == "" {
			what = "no quantization (default " + DefaultQuant + ")"
		}
		if len(groups) > 1 {
			return nil, fmt.Errorf("%s matches several files; name one of: %s", what, strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("no GGUF file for %s; the repository has: %s", what, strings.Join(names, ", "))
	}
	return groups[0], nil
}

var splitSuffix = regexp.MustCompile(`(?i)-(\d{5})-of-(\d{5})\.gguf$`)

// hasQuant reports whether GGUF file p is of quantization tag q: its base
// name, less ".gguf" and any "-00001-of-00003" split suffix, ends in q
// (case-insensitive) right after a '-', '.' or '_' or at the start. So
// "Q4_K_M" matches "model-q4_k_m.gguf", "UD-Q4_K_XL" matches
// "Qwen3-8B-UD-Q4_K_XL.gguf", and "Q4_K" matches neither "model-Q4_K_M.gguf"
// nor "Q4_XS" "model-IQ4_XS.gguf".
func hasQuant(p, q string) bool {
	base := splitSuffix.ReplaceAllString(path.Base(p), ".gguf")
	base = strings.ToUpper(base[:len(base)-len(".gguf")])
	q = strings.ToUpper(q)
	if !strings.HasSuffix(base, q) {
		return false
	}
	rest := base[:len(base)-len(q)]
	return rest == "" || strings.ContainsAny(rest[len(rest)-1:], "-._")
}

// splitGroups groups files that are parts of one split GGUF (same name but
// the part number) and sorts the parts; an unsplit file is its own group.
func splitGroups(files []File) [][]File {
	idx := map[string]int{}
	var groups [][]File
	for _, f := range files {
		key := f.Path
		if m := splitSuffix.FindStringSubmatchIndex(f.Path); m != nil {
			key = f.Path[:m[0]] + "-of-" + f.Path[m[4]:m[5]]
		}
		i, ok := idx[key]
		if !ok {
			i = len(groups)
			idx[key] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], f)
	}
	for _, g := range groups {
		slices.SortFunc(g, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	}
	return groups
}

// RepoDir returns the cache directory of a model repository.
func RepoDir(cacheDir, repo string) string {
	return filepath.Join(cacheDir, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

// SnapshotPath returns where a file of repo at commit lives in the cache
// (whether or not it is there).
func SnapshotPath(cacheDir, repo, commit, file string) string {
	return filepath.Join(RepoDir(cacheDir, repo), "snapshots", commit, filepath.FromSlash(file))
}

// Pull resolves ref to a GGUF file (all parts of a split one) and makes
// sure it is in the cache, downloading what is missing. It returns the
// snapshot paths, first part first.
func (c *Client) Pull(ctx context.Context, ref Ref) ([]string, error) {
	if c.CacheDir == "" {
		return nil, errors.New("hfhub: no cache directory")
	}
	rev := cmp.Or(ref.Revision, "main")
	repo, err := c.ListFiles(ctx, ref.Repo, rev)
	if err != nil {
		return nil, err
	}
	files, err := ChooseFile(repo.Files, ref.Quant)
	if err != nil {
		return nil, fmt.Errorf("hfhub: %s: %w", ref, err)
	}
	var paths []string
	for _, f := range files {
		p, err := c.Download(ctx, repo.Name, repo.Commit, f)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if err := writeRef(RepoDir(c.CacheDir, repo.Name), rev, repo.Commit); err != nil {
		return nil, fmt.Errorf("hfhub: %s: %w", ref, err)
	}
	return paths, nil
}

// writeRef records that revision rev points at commit (refs/<rev>).
func writeRef(repoDir, rev, commit string) error {
	if rev == commit {
		return nil // a commit pinned directly needs no ref
	}
	p := filepath.Join(repoDir, "refs", filepath.FromSlash(rev))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(commit), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// Download makes sure file f of repo at commit is in the cache and returns
// its snapshot path. A blob already present is only linked; a partial
// blobs/<name>.incomplete left by an earlier run is resumed.
func (c *Client) Download(ctx context.Context, repo, commit string, f File) (string, error) {
	if err := checkRepo(repo); err != nil {
		return "", fmt.Errorf("hfhub: %w", err)
	}
	if !hex40.MatchString(commit) {
		return "", fmt.Errorf("hfhub: %s: bad commit id %q", repo, commit)
	}
	if err := checkFilePath(f.Path); err != nil {
		return "", fmt.Errorf("hfhub: %s: %w", repo, err)
	}
	blob := f.blobName()
	switch {
	case f.SHA256 != "" && !hex64.MatchString(f.SHA256):
		return "", fmt.Errorf("hfhub: %s: %s: bad sha256 %q", repo, f.Path, f.SHA256)
	case f.SHA256 == "" && !hex40.MatchString(f.GitOID):
		return "", fmt.Errorf("hfhub: %s: %s: the Hub gave no content hash to check the file against", repo, f.Path)
	}
	repoDir := RepoDir(c.CacheDir, repo)
	blobPath := filepath.Join(repoDir, "blobs", blob)
	snap := SnapshotPath(c.CacheDir, repo, commit, f.Path)
	if _, err := os.Stat(snap); err == nil {
		if c.Progress != nil {
			c.Progress(f.Path, max(f.Size, 0), max(f.Size, 0))
		}
		return snap, nil
	}
	if _, err := os.Stat(blobPath); err != nil {
		if err := os.MkdirAll(filepath.Dir(blobPath), 0o755); err != nil {
			return "", fmt.Errorf("hfhub: %w", err)
		}
		u := c.endpoint() + "/" + escapePath(repo) + "/resolve/" + commit + "/" + escapePath(f.Path)
		if err := c.fetch(ctx, u, f, blobPath); err != nil {
			return "", fmt.Errorf("hfhub: %s: %s: %w", repo, f.Path, err)
		}
	} else if c.Progress != nil {
		c.Progress(f.Path, max(f.Size, 0), max(f.Size, 0))
	}
	if err := link(blobPath, snap); err != nil {
		return "", fmt.Errorf("hfhub: %s: %s: %w", repo, f.Path, err)
	}
	return snap, nil
}

// link points snap at blob with a relative symlink, or copies the blob
// where the file system has no symlinks.
func link(blob, snap string) error {
	if err := os.MkdirAll(filepath.Dir(snap), 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(snap), blob)
	if err != nil {
		return err
	}
	tmp := snap + ".tmp-link"
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return copyFile(blob, snap)
	}
	return os.Rename(tmp, snap)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst + ".tmp-copy")
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(dst+".tmp-copy", dst)
}

// errRetry marks a transfer that broke off and may be resumed.
type errRetry struct{ err error }

func (e errRetry) Error() string { return e.err.Error() }
func (e errRetry) Unwrap() error { return e.err }

// fetch downloads u into blobPath via blobPath.incomplete, resuming and
// retrying broken transfers, and checks the content hash.
func (c *Client) fetch(ctx context.Context, u string, f File, blobPath string) error {
	part := blobPath + ".incomplete"
	retries := c.Retries
	if retries <= 0 {
		retries = 3
	}
	wait := cmp.Or(c.RetryWait, time.Second)
	var err error
	for attempt := 0; ; attempt++ {
		err = c.fetchOnce(ctx, u, f, part)
		var r errRetry
		if err == nil || !errors.As(err, &r) || attempt >= retries || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	if err != nil {
		return err
	}
	if err := verify(part, f); err != nil {
		os.Remove(part)
		return err
	}
	return os.Rename(part, blobPath)
}

// fetchOnce makes one request for the rest of the file.
func (c *Client) fetchOnce(ctx context.Context, u string, f File, part string) error {
	out, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	have, err := out.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if f.Size >= 0 && have > f.Size { // longer than the file: start over
		if err := out.Truncate(0); err != nil {
			return err
		}
		have, _ = out.Seek(0, io.SeekStart)
	}
	if f.Size >= 0 && have == f.Size {
		return nil // complete; the hash check decides
	}
	var hdr http.Header
	if have > 0 {
		hdr = http.Header{"Range": {"bytes=" + strconv.FormatInt(have, 10) + "-"}}
	}
	resp, err := c.get(ctx, u, hdr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errRetry{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		start, err := rangeStart(resp.Header.Get("Content-Range"))
		if err != nil {
			return err
		}
		if start != have {
			return fmt.Errorf("asked for bytes from %d, the server sent from %d", have, start)
		}
	case resp.StatusCode == http.StatusOK:
		// The whole file (the server ignored the range): start over.
		if err := out.Truncate(0); err != nil {
			return err
		}
		if have, err = out.Seek(0, io.SeekStart); err != nil {
			return err
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		// The partial file is as long as the server's or longer; the hash
		// check decides, and a bad file is removed so the next try is fresh.
		return nil
	case resp.StatusCode >= 500:
		return errRetry{httpError(resp)}
	default:
		return httpError(resp)
	}
	total := f.Size
	if total < 0 && resp.ContentLength >= 0 {
		total = have + resp.ContentLength
	}
	w := &progressWriter{w: out, done: have, total: total, file: f.Path, fn: c.Progress}
	if c.Progress != nil {
		c.Progress(f.Path, have, total)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errRetry{fmt.Errorf("transfer broke off after %d bytes: %w", have+n, err)}
	}
	if f.Size >= 0 && have+n < f.Size {
		return errRetry{fmt.Errorf("transfer ended after %d of %d bytes", have+n, f.Size)}
	}
	return out.Sync()
}

// rangeStart parses the first byte of "bytes START-END/TOTAL".
func rangeStart(cr string) (int64, error) {
	s, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, fmt.Errorf("bad Content-Range %q", cr)
	}
	s, _, ok = strings.Cut(s, "-")
	if !ok {
		return 0, fmt.Errorf("bad Content-Range %q", cr)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad Content-Range %q", cr)
	}
	return n, nil
}

type progressWriter struct {
	w           io.Writer
	done, total int64
	file        string
	fn          func(string, int64, int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.fn != nil {
		p.fn(p.file, p.done, p.total)
	}
	return n, err
}

// ErrChecksum reports a downloaded file whose content hash is not the one
// the Hub announced.
var ErrChecksum = errors.New("checksum mismatch")

// verify checks the downloaded file's size and hash against f.
func verify(p string, f File) error {
	in, err := os.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if f.Size >= 0 && st.Size() != f.Size {
		return fmt.Errorf("%w: got %d bytes, want %d", ErrChecksum, st.Size(), f.Size)
	}
	var h hash.Hash
	want := f.SHA256
	if want != "" {
		h = sha256.New()
	} else {
		// A file kept in git: its id is the SHA-1 of "blob <size>\0" + bytes.
		h = sha1.New()
		fmt.Fprintf(h, "blob %d\x00", st.Size())
		want = f.GitOID
	}
	if _, err := io.Copy(h, in); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: content hash %s, the Hub announced %s", ErrChecksum, got, want)
	}
	return nil
}

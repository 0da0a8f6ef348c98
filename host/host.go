// Package host runs Gatehouse plugins: WebAssembly modules that speak ABI v1
// (package abi). It loads them from a folder through a persistent
// compilation cache, pools their instances, enforces their limits and
// grants, quarantines plugins that keep failing, reloads changed files
// without losing calls, and exposes typed calls for each component kind.
package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/codecache"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Host loads plugins and serves calls to their components. It is safe for
// concurrent use.
type Host struct {
	cfg Config
	// conf holds the limits and plugins of cfg as Reconfigure last set
	// them; loads read it, never cfg's.
	conf    atomic.Pointer[Config]
	logger  *slog.Logger
	caches  *codecache.Caches
	store   *store.Store
	metrics *metrics

	fileLocks sync.Map   // file → *sync.Mutex: one load of a file at a time
	mu        sync.Mutex // guards slots, closed and writes of reg
	slots     map[string]*slot
	closed    bool
	reg       atomic.Pointer[registry]
	ready     atomic.Bool

	watcher *watcher

	// closing ends when Close begins, and with it every load in progress;
	// Close waits for them on loads before it closes the plugins.
	closing   context.Context
	stopLoads context.CancelFunc
	loads     sync.WaitGroup
	// retiring counts the versions that no longer serve and are closing
	// once their calls end.
	retiring sync.WaitGroup
}

// slot is what the host knows of one plugin file.
type slot struct {
	file    string
	plugin  *Plugin    // the version serving, nil when none
	loadErr *abi.Error // why the newest content of the file did not load
	failed  string     // sha256 of that content
	// failedConf is the configuration that content failed under.
	failedConf *Config
	in         *Inspection
	// conflict is why plugin, loaded, does not serve: another file declares
	// its name (see resolveNames).
	conflict *abi.Error
}

// registry maps each component to the plugin serving it, by its bare name
// when one plugin provides it and by "plugin/name" always. It is replaced
// whole on every change and read without locks.
type registry struct {
	components map[componentKey]*Plugin
	// ambiguous lists the plugins of bare names several plugins provide.
	ambiguous map[componentKey][]string
	// listed holds what Components returns, by kind, built by publish.
	listed map[abi.Kind][]ComponentInfo
	// targets holds what a call reaches by each reference that names a
	// component, [KIND:][PLUGIN/]NAME as written, with the call's kind:
	// a call resolves its reference with one map lookup. Built by publish.
	targets map[componentKey]target
}

// target is what a call reaches: the plugin, the component's name and
// what the plugin keeps for the component's calls.
type target struct {
	p    *Plugin
	name string
	c    *component
}

func newRegistry() *registry {
	return &registry{components: map[componentKey]*Plugin{}, ambiguous: map[componentKey][]string{}}
}

// New returns a Host for cfg. It opens the compilation cache and the store
// but loads nothing; call Start or LoadDir.
func New(cfg Config, reg prometheus.Registerer) (*Host, error) {
	if err := validatePlugins(cfg.Limits, cfg.Plugins); err != nil {
		return nil, err
	}
	h := &Host{cfg: cfg, logger: cfg.Logger, slots: map[string]*slot{}, metrics: newMetrics(reg)}
	h.conf.Store(&cfg)
	if h.logger == nil {
		h.logger = slog.Default()
	}
	if reg != nil {
		reg.MustRegister(instancesCollector{h})
	}
	h.reg.Store(newRegistry())
	h.closing, h.stopLoads = context.WithCancel(context.Background())
	caches, err := codecache.New(cfg.CacheDir)
	if err != nil {
		return nil, err
	}
	h.caches = caches
	if cfg.StorePath != "" {
		s, err := store.Open(cfg.StorePath)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		h.store = s
	}
	return h, nil
}

// Start loads every plugin in the plugin folder and, when configured,
// watches it for changes until Close. A plugin folder that does not exist
// is made, empty, with a warning: it may be a mistyped name.
func (h *Host) Start(ctx context.Context) error {
	if h.cfg.PluginDir != "" {
		if _, err := os.Stat(h.cfg.PluginDir); errors.Is(err, fs.ErrNotExist) {
			abs, _ := filepath.Abs(h.cfg.PluginDir)
			h.logger.Warn("the plugin folder does not exist: made it, empty; drop plugins into it or check its name", "plugins", abs)
		}
		if err := os.MkdirAll(h.cfg.PluginDir, 0o755); err != nil {
			return fmt.Errorf("plugin folder: %w", err)
		}
		if h.cfg.Watch {
			w, err := h.watch(h.cfg.PluginDir)
			if err != nil {
				return err
			}
			h.watcher = w
		}
		if err := h.LoadDir(ctx); err != nil {
			return err
		}
		if h.cfg.PruneCache {
			if err := h.caches.Sweep(sweepUnused); err != nil {
				h.logger.Warn("compilation cache", "error", err)
			}
		}
	}
	h.ready.Store(true)
	return nil
}

// releaseCache gives back the compilation cache of the content sum. With
// the last plugin of the content, its compiled code is freed and, when the
// host prunes its cache and is not closing, removed from the cache folder.
func (h *Host) releaseCache(ctx context.Context, sum string) {
	h.mu.Lock()
	prune := h.cfg.PruneCache && !h.closed
	h.mu.Unlock()
	h.caches.Release(ctx, sum, prune)
}

// sweepUnused is how long the compiled code of a module no process uses
// stays in the cache folder, when the host prunes it at start.
const sweepUnused = 24 * time.Hour

// Ready reports whether the first scan of the plugin folder is done.
func (h *Host) Ready() bool { return h.ready.Load() }

// Close stops the loads in progress and watching, waits for calls in flight
// and closes every plugin and the store. The compiled code of the plugins
// stays in the cache folder for the next start.
func (h *Host) Close(ctx context.Context) error {
	h.stopLoads()
	if h.watcher != nil {
		h.watcher.close()
	}
	h.mu.Lock()
	h.closed = true
	slots := h.slots
	h.slots = map[string]*slot{}
	h.reg.Store(newRegistry())
	h.mu.Unlock()
	h.loads.Wait()
	for _, s := range slots {
		if s.plugin != nil {
			s.plugin.close(ctx)
		}
	}
	h.retiring.Wait()
	if h.store != nil {
		return h.store.Close()
	}
	return nil
}

// LoadDir loads every *.wasm file of the plugin folder that is new or
// changed, lifts quarantines by reloading those plugins, and unloads the
// plugins whose files are gone. Files load in parallel, GOMAXPROCS at once
// before the host is ready and Config.ReloadWorkers once it serves, and
// are published in the order of their names. Problems with single files are reported in
// Plugins, not returned.
func (h *Host) LoadDir(ctx context.Context) error {
	entries, err := os.ReadDir(h.cfg.PluginDir)
	if err != nil {
		return fmt.Errorf("read plugin folder: %w", err)
	}
	var files []string
	present := map[string]bool{}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".wasm") {
			file := filepath.Join(h.cfg.PluginDir, e.Name())
			files = append(files, file)
			present[file] = true
		}
	}
	loads := make([]*loading, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, h.loadWorkers())
	for i, file := range files {
		h.lockFile(file)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			loads[i] = h.prepare(ctx, file)
			<-sem
		}()
	}
	wg.Wait()
	for i, l := range loads {
		_ = h.commit(ctx, l) // failures are recorded in the plugin's status
		h.unlockFile(files[i])
	}

	h.mu.Lock()
	var gone []string
	for file := range h.slots {
		if !present[file] {
			gone = append(gone, file)
		}
	}
	h.mu.Unlock()
	for _, file := range gone {
		h.Unload(file)
	}
	return nil
}

// LoadFile loads or reloads one plugin file. A file that fails to load never
// replaces a good version: the old one keeps serving and the error is
// reported in Plugins. Unchanged files are skipped unless quarantined. An
// empty file is taken as not yet written and skipped, and a load that
// fails while the file is being written returns an error without being
// reported: the write's change loads the file again.
func (h *Host) LoadFile(ctx context.Context, file string) error {
	h.lockFile(file)
	defer h.unlockFile(file)
	return h.commit(ctx, h.prepare(ctx, file))
}

// lockFile and unlockFile serialise the loads of one file.
func (h *Host) lockFile(file string) {
	m, _ := h.fileLocks.LoadOrStore(file, &sync.Mutex{})
	m.(*sync.Mutex).Lock()
}

func (h *Host) unlockFile(file string) {
	m, _ := h.fileLocks.Load(file)
	m.(*sync.Mutex).Unlock()
}

// loading is the outcome of loading a file, not yet published.
type loading struct {
	file   string
	conf   *Config // the configuration of the load
	sha256 string
	gone   bool // the file no longer exists
	closed bool // the host is closed
	skip   bool // the content is the one already serving, or already refused
	empty  bool // the file is empty: not yet written, or emptied
	// changing is set when a load failed while the file was being written:
	// the failure says nothing of the content, and the write's event loads
	// the file again.
	changing bool
	plugin   *Plugin
	in       *Inspection
	err      *abi.Error
	started  time.Time

	// retry is set when gatehouse_start failed, or the load was stopped:
	// the cause lies outside the content, or may, so the next load of the
	// file tries the same content again.
	retry bool
}

// prepare reads, loads and starts file unless its content is unchanged.
// Close stops it.
func (h *Host) prepare(ctx context.Context, file string) *loading {
	l := &loading{file: file, started: time.Now()}
	ctx, done, ok := h.beginLoad(ctx)
	if !ok {
		l.closed = true
		return l
	}
	defer done()
	wasm, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.gone = true
		return l
	case err != nil:
		l.err = abi.Errorf(abi.CodeBadManifest, "read: %v", err)
		return l
	}
	if len(wasm) == 0 {
		l.empty = true
		return l
	}
	read, _ := os.Stat(file) // the file as read, to tell a write during the load
	l.sha256, l.conf = sha256Hex(wasm), h.config()
	h.mu.Lock()
	if s := h.slots[file]; s != nil {
		serving := s.plugin != nil && s.plugin.Quarantined() == nil && s.plugin.SHA256 == l.sha256 && s.loadErr == nil &&
			s.plugin.configured(l.conf)
		l.skip = serving || s.loadErr != nil && s.failed == l.sha256 && s.failedConf == l.conf
	}
	h.mu.Unlock()
	if l.skip {
		return l
	}
	p, in, err := h.load(ctx, l.conf, file, wasm)
	l.plugin, l.in = p, in
	if err != nil {
		// A load its caller gave up on, or Close stopped, says nothing of
		// the content, nor does one of a file written meanwhile.
		l.err, l.retry = asABIError(err), ctx.Err() != nil
		l.changing = !l.retry && changedSince(file, read, len(wasm))
	} else if e := h.start(ctx, p); e != nil {
		p.close(ctx)
		l.plugin, l.err, l.retry = nil, e, true
	}
	return l
}

// changedSince reports whether file is no longer the n bytes read, read
// being its state just after they were read: it was written meanwhile.
func changedSince(file string, read fs.FileInfo, n int) bool {
	now, err := os.Stat(file)
	return err != nil || read == nil || read.Size() != int64(n) ||
		now.Size() != read.Size() || !now.ModTime().Equal(read.ModTime())
}

// beginLoad registers a load, which Close stops and waits for, and returns
// its context; the load calls done when it ends. It reports false, with no
// load registered, when the host is closed.
func (h *Host) beginLoad(ctx context.Context) (_ context.Context, done func(), ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, false
	}
	h.loads.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(h.closing, cancel)
	return ctx, func() {
		stop()
		cancel()
		h.loads.Done()
	}, true
}

// errClosed is the error of a load of file when the host is closed.
func errClosed(file string) error {
	return &LoadError{File: file, Err: abi.Errorf(abi.CodeUnavailable, "the host is closed")}
}

// commit publishes a loaded plugin in place of the file's old version, or
// records why it did not load.
func (h *Host) commit(ctx context.Context, l *loading) error {
	switch {
	case l.closed:
		return errClosed(l.file)
	case l.gone:
		h.Unload(l.file)
		return nil
	case l.skip:
		h.metrics.reloads.WithLabelValues("unchanged").Inc()
		return nil
	case l.empty:
		h.metrics.reloads.WithLabelValues("incomplete").Inc()
		h.logger.Warn("empty plugin file ignored until written", "file", l.file)
		return nil
	case l.changing:
		h.metrics.reloads.WithLabelValues("incomplete").Inc()
		h.logger.Info("plugin file changed while it loaded; it loads again once written", "file", l.file, "error", l.err.Message)
		return &LoadError{File: l.file, Err: abi.Errorf(abi.CodeUnavailable, "the file changed while it loaded: %s", l.err.Message)}
	case l.err != nil && l.retry:
		return h.loadFailed(l.file, l.in, l.err, "", nil)
	case l.err != nil:
		return h.loadFailed(l.file, l.in, l.err, l.sha256, l.conf)
	}
	p := l.plugin
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		p.close(ctx)
		return errClosed(l.file)
	}
	s := h.slots[l.file]
	if s == nil {
		s = &slot{file: l.file}
		h.slots[l.file] = s
	}
	old := s.plugin
	s.plugin, s.loadErr, s.failed, s.failedConf, s.in = p, nil, "", nil, l.in
	h.publish()
	conflict := s.conflict
	h.mu.Unlock()

	if old != nil {
		h.retire(old)
	}
	if conflict != nil {
		h.metrics.reloads.WithLabelValues("failed").Inc()
		return &LoadError{File: l.file, Err: conflict}
	}
	h.metrics.reloads.WithLabelValues("loaded").Inc()
	h.logger.Info("plugin loaded", "plugin", p.Manifest.Name, "version", p.Manifest.Version,
		"file", l.file, "binding", p.Binding, "components", len(p.Manifest.Components),
		"took", time.Since(l.started).Round(time.Millisecond))
	if h.cfg.Loaded != nil {
		h.cfg.Loaded(p.Manifest)
	}
	return nil
}

// loadFailed records why file did not load and returns it as a LoadError.
// A load of the file's content sum is not tried again until the content
// or the configuration conf changes; an empty sum lets the next load try
// it.
func (h *Host) loadFailed(file string, in *Inspection, e *abi.Error, sum string, conf *Config) error {
	h.mu.Lock()
	s := h.slots[file]
	if s == nil {
		s = &slot{file: file}
		h.slots[file] = s
	}
	s.loadErr, s.failed, s.failedConf = e, sum, conf
	if in != nil {
		s.in = in
	}
	serving := s.plugin != nil
	h.mu.Unlock()
	h.metrics.reloads.WithLabelValues("failed").Inc()
	h.logger.Error("plugin refused", "file", file, "code", e.Code, "error", e.Message, "old_version_serving", serving)
	return &LoadError{File: file, Err: e}
}

// LoadError is the error of a plugin file that did not load.
type LoadError struct {
	File string
	Err  *abi.Error
}

// Error returns `load plugin FILE: code: message`.
func (e *LoadError) Error() string { return fmt.Sprintf("load plugin %s: %v", e.File, e.Err) }

// Unwrap returns the *abi.Error.
func (e *LoadError) Unwrap() error { return e.Err }

func asABIError(err error) *abi.Error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae
	}
	return &abi.Error{Code: abi.CodeInternal, Message: err.Error()}
}

// resolveNames sets aside the plugins whose name several files declare:
// the file named after the plugin (NAME.wasm) keeps the name and the others
// are refused; when none is named so, all of them are, so that which one
// serves never depends on the order the files came in. A plugin set aside
// stays loaded and serves as soon as the others go. The caller holds h.mu.
func (h *Host) resolveNames() {
	claims := map[string][]*slot{}
	for _, s := range h.slots {
		if s.plugin != nil {
			name := s.plugin.Manifest.Name
			claims[name] = append(claims[name], s)
		} else {
			s.conflict = nil
		}
	}
	for name, ss := range claims {
		var owner *slot
		files := make([]string, len(ss))
		for i, s := range ss {
			files[i] = filepath.Base(s.file)
			if files[i] == name+".wasm" {
				owner = s
			}
		}
		slices.Sort(files)
		for _, s := range ss {
			var e *abi.Error
			switch {
			case len(ss) == 1 || s == owner:
			case owner != nil:
				e = abi.Errorf(abi.CodeBadManifest, "plugin name %q belongs to %s, the file named after it", name, filepath.Base(owner.file))
			default:
				e = abi.Errorf(abi.CodeBadManifest, "plugin name %q is declared by %s, so none of them serves; name the plugin's file %s.wasm",
					name, strings.Join(files, ", "), name)
			}
			switch {
			case e != nil && (s.conflict == nil || s.conflict.Message != e.Message):
				h.logger.Error("plugin refused", "file", s.file, "code", e.Code, "error", e.Message)
			case e == nil && s.conflict != nil:
				h.logger.Info("plugin serving, the name conflict is resolved", "plugin", name, "file", s.file)
			}
			s.conflict = e
		}
	}
}

// Unload stops serving the plugin of file; calls in flight finish first.
func (h *Host) Unload(file string) {
	h.mu.Lock()
	s := h.slots[file]
	delete(h.slots, file)
	if s != nil && s.plugin != nil {
		h.publish()
	}
	h.mu.Unlock()
	if s != nil && s.plugin != nil {
		h.metrics.reloads.WithLabelValues("removed").Inc()
		h.logger.Info("plugin unloaded", "plugin", s.plugin.Manifest.Name, "file", file)
		h.retire(s.plugin)
	}
}

// retire closes p, which no longer serves, once its calls in flight end,
// in the background; Close waits for it, and once Close has begun, retire
// closes p before it returns.
func (h *Host) retire(p *Plugin) {
	h.mu.Lock()
	closed := h.closed
	if !closed {
		h.retiring.Add(1)
	}
	h.mu.Unlock()
	if closed {
		p.close(context.Background())
		return
	}
	go func() {
		defer h.retiring.Done()
		p.close(context.Background())
	}()
}

// publish resolves name conflicts and rebuilds the registry from the
// slots. The caller holds h.mu.
func (h *Host) publish() {
	h.resolveNames()
	r := newRegistry()
	for _, s := range h.slots {
		p := s.plugin
		if p == nil || s.conflict != nil {
			continue
		}
		for _, c := range p.Manifest.Components {
			r.components[componentKey{c.Kind, p.Manifest.Name + "/" + c.Name}] = p
			bare := componentKey{c.Kind, c.Name}
			if other := r.components[bare]; other != nil {
				r.ambiguous[bare] = append(r.ambiguous[bare], other.Manifest.Name)
				delete(r.components, bare)
			}
			if names, ok := r.ambiguous[bare]; ok {
				r.ambiguous[bare] = append(names, p.Manifest.Name)
			} else {
				r.components[bare] = p
			}
		}
	}
	for k := range r.ambiguous {
		slices.Sort(r.ambiguous[k])
	}
	r.list()
	r.resolve()
	h.reg.Store(r)
}

// resolve fills r.targets from r.components: each component under its
// key and under its key after its kind, where ParseRefOf reads them as
// the same component, so that a reference reaches the same target as
// parsing it would.
func (r *registry) resolve() {
	r.targets = make(map[componentKey]target, 2*len(r.components))
	for k, p := range r.components {
		name := k.name[strings.IndexByte(k.name, '/')+1:]
		t := target{p: p, name: name, c: p.components[componentKey{k.kind, name}]}
		for _, ref := range []string{k.name, string(k.kind) + ":" + k.name} {
			if parsed, err := ParseRefOf(k.kind, ref); err == nil && parsed.Name == name {
				r.targets[componentKey{k.kind, ref}] = t
			}
		}
	}
}

// Status is a plugin's health, as data.
type Status string

// The statuses of a plugin file.
const (
	StatusOK    Status = "OK"    // serving
	StatusWarn  Status = "WARN"  // serving an older version; the file's newest content did not load
	StatusError Status = "ERROR" // not serving: it did not load, or it is quarantined
)

// PluginStatus reports one plugin file.
type PluginStatus struct {
	File       string          `json:"file"`
	Name       string          `json:"name,omitempty"`
	Version    string          `json:"version,omitempty"`
	SHA256     string          `json:"sha256,omitempty"`
	Binding    Binding         `json:"binding,omitempty"`
	Components []abi.Component `json:"components,omitempty"`
	// Capabilities are those the manifest asks for, and Granted those of
	// them the plugin's grants give it (none when it did not load).
	Capabilities []abi.Capability `json:"capabilities,omitempty"`
	Granted      []abi.Capability `json:"granted,omitempty"`
	Status       Status           `json:"status"`
	// Message says why the status is not OK: the file did not load, it is
	// quarantined, or an older version serves.
	Message string `json:"message,omitempty"`
	// Quarantined is whether the plugin is set aside after repeated
	// failures; a reload of the folder lifts it.
	Quarantined bool `json:"quarantined,omitempty"`
	// LastError is the error of the plugin's last failed call.
	LastError string `json:"last_error,omitempty"`
	// RecentErrors are its last failed calls, up to 10, newest first.
	RecentErrors []RecentError `json:"recent_errors,omitempty"`
	Calls        uint64        `json:"calls"`
	Instances    int           `json:"instances"`
	LoadedAt     *time.Time    `json:"loaded_at,omitempty"`
}

// Plugins reports every plugin file the host knows, sorted by file.
func (h *Host) Plugins() []PluginStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]PluginStatus, 0, len(h.slots))
	for _, s := range h.slots {
		st := PluginStatus{File: s.file, Status: StatusOK}
		if m := s.manifest(); m != nil {
			st.Name, st.Version, st.Components, st.Capabilities = m.Name, m.Version, m.Components, m.Capabilities
		}
		if s.in != nil {
			st.SHA256, st.Binding = s.in.SHA256, s.in.Binding
		}
		if p := s.plugin; p != nil {
			st.SHA256, st.Binding, st.Calls, st.Instances = p.SHA256, p.Binding, p.Calls(), p.Instances()
			for _, c := range p.Manifest.Capabilities {
				if p.grants.Has(c) {
					st.Granted = append(st.Granted, c)
				}
			}
			at := p.LoadedAt
			st.LoadedAt = &at
			if ce, _ := p.LastError(); ce != nil {
				st.LastError = ce.Error()
			}
			st.RecentErrors = p.RecentErrors()
		}
		switch {
		case s.plugin == nil:
			st.Status, st.Message = StatusError, s.loadErr.Error()
		case s.conflict != nil:
			st.Status, st.Message = StatusError, s.conflict.Error()
		case s.plugin.Quarantined() != nil:
			st.Status, st.Message, st.Quarantined = StatusError, s.plugin.Quarantined().Error(), true
		case s.loadErr != nil:
			st.Status, st.Message = StatusWarn, "serving version "+s.plugin.Manifest.Version+"; the file's new content did not load: "+s.loadErr.Error()
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// manifest returns the manifest of the version serving, or else the one the
// last load got to.
func (s *slot) manifest() *abi.Manifest {
	if s.plugin != nil {
		return &s.plugin.Manifest
	}
	if s.in != nil {
		return s.in.Manifest
	}
	return nil
}

// ComponentInfo is a component and the plugin that serves it.
type ComponentInfo struct {
	Plugin    string        `json:"plugin"`
	Component abi.Component `json:"component"`
	ref       string        // "plugin/name", set for the components a host lists
}

// Ref returns the component's qualified reference, "plugin/name": for a
// component the host listed, the string it made then, so that a call
// through the reference builds none.
func (c ComponentInfo) Ref() string {
	p, n := len(c.Plugin), len(c.Component.Name)
	if len(c.ref) == p+1+n && c.ref[p] == '/' && c.ref[:p] == c.Plugin && c.ref[p+1:] == c.Component.Name {
		return c.ref
	}
	return c.Plugin + "/" + c.Component.Name
}

// Components returns the components of kind served now, sorted by
// plugin and name. The list is built once for each change of the plugins
// and shared by every caller: read it, do not modify it.
func (h *Host) Components(kind abi.Kind) []ComponentInfo {
	return h.reg.Load().listed[kind]
}

// list fills r.listed from r.components.
func (r *registry) list() {
	r.listed = map[abi.Kind][]ComponentInfo{}
	for k, p := range r.components {
		if plugin, name, ok := strings.Cut(k.name, "/"); ok {
			c, _ := p.Component(k.kind, name)
			r.listed[k.kind] = append(r.listed[k.kind], ComponentInfo{Plugin: plugin, Component: c, ref: k.name})
		}
	}
	for kind, cs := range r.listed {
		slices.SortFunc(cs, func(a, b ComponentInfo) int { return strings.Compare(a.Ref(), b.Ref()) })
		// A caller's append makes a copy rather than write into the list.
		r.listed[kind] = slices.Clip(cs)
	}
}

// instancesCollector reports each plugin's live instances at scrape time.
type instancesCollector struct{ h *Host }

var instancesDesc = prometheus.NewDesc("gatehouse_plugin_instances", "Live instances in each plugin's pool.", []string{"plugin"}, nil)

func (c instancesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- instancesDesc }

func (c instancesCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.h.Plugins() {
		if st.Name != "" && st.Status != StatusError {
			ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(st.Instances), st.Name)
		}
	}
}

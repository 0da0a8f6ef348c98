package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/app/server"
)

// liveKeys are the keys of the configuration, each with the keys under
// it, that a reload applies to the running server. Every other key
// (listen, tls, server, diagnostics, plugins_dir, cache_dir,
// reload_workers, store, log.format, openc2, the rest of policy, proxy,
// sim, telemetry) takes effect only on a restart, and so does turning
// policy.entities on or off.
var liveKeys = []string{"log.level", "limits", "plugins", "policy.entities", "policy.obligations", "policy.compat", "policy.providers"}

// refusal is a reload that changed nothing, with the HTTP status that
// says why.
type refusal struct {
	status int
	err    error
}

func (r *refusal) Error() string { return "config reload refused, nothing changed: " + r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Reload reads the configuration file again, as New did, and applies what
// changed to the running server: plugin grants and limits (the plugins
// concerned load again under them), the entity files, obligations,
// compat and providers of the policy (a new decision point takes over
// once it has loaded them; object setters choose by the new providers),
// and the log level. It returns the keys that changed, as dotted paths
// such as plugins.kvcounter.grants.kv, sorted.
//
// It refuses, changing nothing, a file with errors, a change to a key
// that takes effect only on a restart (naming the keys), and entity files
// that cannot be watched; the server runs on as it was.
func (a *App) Reload(ctx context.Context) ([]string, error) {
	a.reloading.Lock()
	defer a.reloading.Unlock()
	changed, err := a.reload(ctx)
	if err != nil {
		a.logger.Error("config reload", "error", err)
		return nil, err
	}
	a.logger.Info("config reloaded", "changed", changed)
	return changed, nil
}

func (a *App) reload(ctx context.Context) ([]string, error) {
	f, err := load(a.opts)
	if err != nil {
		return nil, &refusal{http.StatusUnprocessableEntity, err}
	}
	old := a.cfg
	changed := changes(old, f)
	var restart []string
	for _, key := range changed {
		if !under(key, liveKeys...) {
			restart = append(restart, key)
		}
	}
	if (len(old.Policy.Entities) == 0) != (len(f.Policy.Entities) == 0) {
		restart = append(restart, "policy.entities (turned on or off)")
	}
	if len(restart) > 0 {
		return nil, &refusal{http.StatusConflict, fmt.Errorf("%s: take effect only on a restart", strings.Join(restart, ", "))}
	}

	var point func() error
	if a.decisions != nil && slices.ContainsFunc(changed, func(k string) bool {
		return under(k, "policy.entities", "policy.obligations", "policy.compat", "policy.providers")
	}) {
		p, err := startPoint(f, a.host, a.logger)
		if err != nil {
			return nil, &refusal{http.StatusUnprocessableEntity, err}
		}
		warnUnloaded(p, f.OpenC2.Authorization.PolicySet, a.logger)
		point = func() error { return a.decisions.replace(p) }
	}
	// From here on the new configuration is in effect, whatever fails.
	a.cfg = f
	a.keys.cfg.Store(f)
	setLevel(a.level, f)
	var errs []error
	if slices.ContainsFunc(changed, func(k string) bool { return under(k, "limits", "plugins") }) {
		if err := a.host.Reconfigure(ctx, f.Limits, f.Plugins); err != nil {
			errs = append(errs, fmt.Errorf("plugins: %w", err))
		}
	}
	if slices.ContainsFunc(changed, func(k string) bool { return under(k, "policy") }) {
		a.keys.recheck(a.host)
	}
	if a.decisions != nil {
		a.decisions.setProviders(f)
	}
	if point != nil {
		if err := point(); err != nil {
			errs = append(errs, fmt.Errorf("policy.entities: stop watching the old files: %w", err))
		}
	}
	return changed, errors.Join(errs...)
}

// reloadRoute answers POST /v1/config/reload with the keys that changed,
// 422 for a configuration with errors and 409 for a change that needs a
// restart.
func (a *App) reloadRoute(c echo.Context) error {
	var changed []string
	err := server.Unbounded(c, func() (err error) {
		changed, err = a.Reload(c.Request().Context())
		return err
	})
	if r := (*refusal)(nil); errors.As(err, &r) {
		return echo.NewHTTPError(r.status, r.Error())
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"changed": changed})
}

// under reports whether key is one of keys or lies under one of them.
func under(key string, keys ...string) bool {
	for _, k := range keys {
		if key == k || strings.HasPrefix(key, k+".") {
			return true
		}
	}
	return false
}

// changes returns the keys whose values differ between a and b, as dotted
// paths down to the values that differ (a mapping's keys included), sorted;
// none is an empty list.
func changes(a, b *config.File) []string {
	keys := []string{}
	diff("", reflect.ValueOf(*a), reflect.ValueOf(*b), &keys)
	slices.Sort(keys)
	return keys
}

// yamlMarshaler is a type that writes its own YAML: a value whole, such as
// a grant given as true or as a mapping.
var yamlMarshaler = reflect.TypeFor[yaml.Marshaler]()

// diff appends to keys the paths under path where a and b, of one type,
// differ.
func diff(path string, a, b reflect.Value, keys *[]string) {
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		return
	}
	switch {
	case a.Type().Implements(yamlMarshaler):
	case a.Kind() == reflect.Struct:
		for i := range a.NumField() {
			field := a.Type().Field(i)
			if !field.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(field.Tag.Get("yaml"), ",")
			switch {
			case name == "-":
				continue
			case opts == "inline":
				diff(path, a.Field(i), b.Field(i), keys)
				continue
			case name == "":
				name = strings.ToLower(field.Name)
			}
			diff(join(path, name), a.Field(i), b.Field(i), keys)
		}
		return
	case a.Kind() == reflect.Map && a.Type().Key().Kind() == reflect.String:
		for _, k := range slices.Concat(a.MapKeys(), b.MapKeys()) {
			av, bv := a.MapIndex(k), b.MapIndex(k)
			if !av.IsValid() || !bv.IsValid() {
				appendOnce(keys, join(path, k.String()))
				continue
			}
			diff(join(path, k.String()), av, bv, keys)
		}
		return
	case a.Kind() == reflect.Pointer && !a.IsNil() && !b.IsNil():
		diff(path, a.Elem(), b.Elem(), keys)
		return
	}
	appendOnce(keys, path)
}

// join returns key under path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// appendOnce appends key to keys unless it is there.
func appendOnce(keys *[]string, key string) {
	if !slices.Contains(*keys, key) {
		*keys = append(*keys, key)
	}
}

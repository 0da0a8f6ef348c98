package host

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// Reconfigure replaces the default limits and the configuration of each
// plugin (Config.Limits and Config.Plugins), then loads the plugin folder
// as LoadDir does: the plugins whose configuration changed load again
// under the new one, and so do those that failed to load, which may load
// now, and those in quarantine. A load that fails leaves the old version
// serving, as a changed file's does; calls in flight finish on the old
// versions. Invalid limits or plugin entries are refused with the key at
// fault, and nothing changes.
func (h *Host) Reconfigure(ctx context.Context, limits Limits, plugins map[string]PluginConfig) error {
	if err := validatePlugins(limits, plugins); err != nil {
		return err
	}
	c := *h.config()
	c.Limits, c.Plugins = limits, plugins
	h.conf.Store(&c)
	if h.cfg.PluginDir == "" {
		return nil
	}
	return h.LoadDir(ctx)
}

// config returns the configuration of loads: Config with the limits and
// plugins Reconfigure last set.
func (h *Host) config() *Config { return h.conf.Load() }

// validatePlugins reports the limits and plugin entries out of range, each
// with its key.
func validatePlugins(limits Limits, plugins map[string]PluginConfig) error {
	if err := limits.Validate(); err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	for name, pc := range plugins {
		if err := pc.Validate(); err != nil {
			return errors.Join(prefixed("plugins."+name+".", err)...)
		}
	}
	return nil
}

// configured reports whether p was loaded under the configuration that
// conf gives it: the same default limits and the same entry of its own.
func (p *Plugin) configured(conf *Config) bool {
	if p.conf == conf {
		return true
	}
	name := p.Manifest.Name
	return p.conf.Limits == conf.Limits && reflect.DeepEqual(p.conf.Plugins[name], conf.Plugins[name])
}

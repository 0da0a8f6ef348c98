package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/app"
	"github.com/gatehouse/gatehouse/app/config"
)

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Load the plugins of a folder, watch it, and serve over HTTP",
		Long: `Serve loads every .wasm plugin in the plugin folder (running each one's
gatehouse_start, if it has one, before it serves), reloads plugins when their
files change, and serves the HTTP API: /healthz, /readyz, /metrics, /v1/plugins,
POST /v1/plugins/reload, POST /v1/config/reload, and the OpenC2 consumer at
POST /.well-known/openc2 (HTTPS transfer v1.1), whose actuators are the
plugins' actuator components.
diagnostics.listen adds a plain HTTP listener that serves only /healthz,
/readyz and /metrics, for probes that hold no client certificate.

With policy.entities in the configuration it also loads and watches those
access-control entities and decides with them, the plugins supplying
environment attributes, object attributes and obligations:
  POST /v1/decide          decide a request: {"policy_set": ID, "subject": {...},
                           "object": {...}, "environment": {...}, "access": {...}}
                           → the decision, obligations, missing attributes and
                           an explanation
  GET  /v1/policy/status   the entity files last loaded and their problems
  GET  /v1/policy/entities the entities in use
policy.decision_api.token_file makes these routes ask for a bearer token,
and policy.decision_api.object_setters chooses the object setters of every
decision; policy.decision_log writes every decision as a JSON line, with chosen
attributes masked; openc2.authorization.policy_set has a policy set authorize
each OpenC2 command, the producer's client certificate as the subject.
docs/decision-api.md describes them. policy.admin turns on PUT and DELETE
/v1/policy/entities/ID and POST /v1/policy/check, which change entities one
at a time, each checked, kept with its history and in use at once
(docs/policy-admin.md; gatehouse policy apply sends files to them). With proxy in the configuration it also
guards the services listed there: it logs users in with OpenID Connect,
decides each request with the entities, and forwards the granted ones
(docs/reverse-proxy.md).

On SIGHUP and on POST /v1/config/reload it reads the --config file again and
applies log.level, limits, plugins, policy.entities and policy.obligations;
a change of any other key needs a restart and is refused, naming the key, as
is a file with errors: the server runs on as it was. It stops cleanly on
SIGINT or SIGTERM; commands scheduled for later are kept in the openc2.store
file and carried out after a restart.`,
		Example: `  gatehouse serve
  gatehouse serve --plugins ./plugins --listen 127.0.0.1:9090
  gatehouse serve --config gatehouse.yaml
  curl -s http://127.0.0.1:8080/v1/decide -H 'Content-Type: application/json' -d '{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com"}}'`,
		Annotations: map[string]string{"doctest": "skip gatehouse serve (it serves until stopped)"},
		Args:        cobra.NoArgs,
		RunE:        runServe,
	}
	cmd.Flags().String("plugins", "", "plugin folder (overrides plugins_dir of the configuration)")
	cmd.Flags().String("listen", "", "address to listen on (overrides listen of the configuration)")
	return cmd
}

func runServe(cmd *cobra.Command, _ []string) error {
	configFile, _ := cmd.Flags().GetString("config")
	plugins, _ := cmd.Flags().GetString("plugins")
	listen, _ := cmd.Flags().GetString("listen")
	a, err := app.New(app.Options{
		ConfigFile: configFile,
		Override: func(f *config.File) {
			if plugins != "" {
				f.PluginsDir = plugins
			}
			if listen != "" {
				f.Listen = listen
			}
		},
		Log:     cmd.ErrOrStderr(),
		Version: versionInfo(debug.ReadBuildInfo).Version,
	})
	if err != nil {
		return usage("%v", err)
	}
	if err := a.Run(cmd.Context()); err != nil {
		return usage("%v", err)
	}
	return nil
}

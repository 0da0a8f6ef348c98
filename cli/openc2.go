package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/openc2"
)

func newOpenC2Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "openc2",
		Short: "Check OpenC2 messages and list a consumer's commands",
		Example: `  gatehouse openc2 validate command.json
  gatehouse openc2 validate --response responses/*.json
  gatehouse openc2 history --to http://127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newOpenC2ValidateCommand(), newOpenC2HistoryCommand())
	return cmd
}

func newOpenC2ValidateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate [--response] [--profile slpf] FILE...",
		Short: "Check OpenC2 commands or responses against LS v1.0",
		Long: `Validate decodes each FILE as an OpenC2 command (LS v1.0 section 3.3.1) or,
with --response, a response (section 3.3.2), as strictly as the consumer does.
A FILE may also hold a whole message, {"headers": ..., "body": {"openc2":
...}}, as gatehouse send takes it; it is checked as a message, its faults
named from its top (body.openc2.request.target.ipv4_net). Validation is as strict:
unknown fields, duplicate keys, trailing data and values outside LS v1.0 are
faults. "-" reads standard input, which the output calls <stdin>.

Each file gets one line: "FILE: ok", or "FILE: PATH: fault" where PATH is the
JSON path of the offending value, such as target.ipv4_net or
target.features[1]. With --profile slpf, commands must also be commands of
the SLPF profile v1.0 (its action/target pairs, its arguments per command).
--output json gives the results as data: per file its result ("valid",
"invalid" or "unreadable"), the path and the fault, and for an invalid
message the status a consumer answers it with (400, or 501 for a valid
command that the profile does not define).

Exit status: 0 when every file is valid, 1 when any is invalid, 2 for bad
usage or when a file cannot be read. A file that cannot be read says nothing
about OpenC2, so it is a usage error rather than a finding; the other files
are still checked and reported.`,
		Example: `  gatehouse openc2 validate deny.json query.json
  gatehouse openc2 validate --profile slpf commands/*.json
  gatehouse openc2 validate --response --output json response.json
  curl -s https://example.com/cmd.json | gatehouse openc2 validate -`,
		Annotations: map[string]string{"doctest": "skip https://example.com (a host outside)"},
		Args:        cobra.MinimumNArgs(1),
		RunE:        runOpenC2Validate,
	}
	cmd.Flags().Bool("response", false, "the files hold responses rather than commands")
	cmd.Flags().String("profile", "", `also check the command rules of an actuator profile: "slpf"`)
	addOutputFlag(cmd)
	return cmd
}

// stdinName is how validate names standard input.
const stdinName = "<stdin>"

// The results of validate for one file.
const (
	resultValid      = "valid"
	resultInvalid    = "invalid"
	resultUnreadable = "unreadable"
)

// validation is the result of validate for one file.
type validation struct {
	File   string `json:"file"`
	Result string `json:"result"`
	// Path is the JSON path of the fault, empty for the whole document.
	Path string `json:"path,omitempty"`
	// Error is the fault without its path, or why the file cannot be read.
	Error string `json:"error,omitempty"`
	// Status is what a consumer answers an invalid message with.
	Status int `json:"status,omitempty"`
}

// validationReport is the output of validate with --output json.
type validationReport struct {
	Kind       string       `json:"kind"` // "command" or "response"
	Files      []validation `json:"files"`
	Valid      int          `json:"valid"`
	Invalid    int          `json:"invalid"`
	Unreadable int          `json:"unreadable"`
}

func runOpenC2Validate(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	response, _ := cmd.Flags().GetBool("response")
	profile, _ := cmd.Flags().GetString("profile")
	switch {
	case profile != "" && profile != "slpf":
		return usage("--profile %q: the only profile is slpf", profile)
	case profile != "" && response:
		return usage("--profile checks commands; it does not go with --response")
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usage(`"-" (standard input) given more than once`)
	}

	check := func(data []byte) error {
		if isMessage(data) {
			m, err := openc2.DecodeMessage(data)
			switch {
			case err != nil:
				return err
			case m.Request == nil:
				return &openc2.Error{Path: "body.openc2", Message: "holds a response, not a command (validate it with --response)"}
			case profile == "slpf":
				return inMessage(m.Request.ValidateSLPF(), "body.openc2.request")
			}
			return nil
		}
		c, err := openc2.DecodeCommand(data)
		if err == nil && profile == "slpf" {
			err = c.ValidateSLPF()
		}
		return err
	}
	report := validationReport{Kind: "command", Files: make([]validation, 0, len(args))}
	if response {
		report.Kind = "response"
		check = func(data []byte) error {
			if isMessage(data) {
				m, err := openc2.DecodeMessage(data)
				if err == nil && m.Response == nil {
					err = &openc2.Error{Path: "body.openc2", Message: "holds a command, not a response"}
				}
				return err
			}
			_, err := openc2.DecodeResponse(data)
			return err
		}
	}
	for _, a := range args {
		v := validateFile(cmd.InOrStdin(), a, check)
		switch v.Result {
		case resultValid:
			report.Valid++
		case resultInvalid:
			report.Invalid++
		case resultUnreadable:
			report.Unreadable++
		}
		report.Files = append(report.Files, v)
	}

	if asJSON {
		if err := printJSON(cmd.OutOrStdout(), report); err != nil {
			return err
		}
	} else {
		printValidations(cmd.OutOrStdout(), report.Files)
	}
	switch {
	case report.Unreadable > 0:
		return usage("%d of %d files could not be read", report.Unreadable, len(args))
	case report.Invalid > 0:
		return finding("%d of %d %ss are not valid", report.Invalid, len(args), report.Kind)
	}
	return nil
}

// isMessage reports whether data is a whole message, with headers and body
// (HTTPS transfer v1.1 section 3.3.2), rather than a bare command or
// response: a JSON object with a member "body".
func isMessage(data []byte) bool {
	var top map[string]json.RawMessage
	return json.Unmarshal(data, &top) == nil && top["body"] != nil
}

// inMessage returns err, a fault of the content of a message at prefix,
// with its path from the top of the message.
func inMessage(err error, prefix string) error {
	var e *openc2.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Path = prefix + "." + e.Path
	if e.Path == "" {
		out.Path = prefix
	}
	return &out
}

// validateFile reads the file name ("-" for stdin) and checks its contents.
func validateFile(stdin io.Reader, name string, check func([]byte) error) validation {
	data, err := readInput(stdin, name)
	if name == "-" {
		name = stdinName
	}
	if err != nil {
		return validation{File: name, Result: resultUnreadable, Error: err.Error()}
	}
	err = check(data)
	if err == nil {
		return validation{File: name, Result: resultValid}
	}
	v := validation{File: name, Result: resultInvalid, Error: err.Error(), Status: openc2.StatusBadRequest}
	var e *openc2.Error
	if errors.As(err, &e) {
		v.Path, v.Error = e.Path, e.Message
	}
	if errors.Is(err, openc2.ErrUnsupported) {
		v.Status = openc2.StatusNotImplemented
	}
	return v
}

// printValidations writes one line per file.
func printValidations(w io.Writer, vs []validation) {
	for _, v := range vs {
		switch {
		case v.Result == resultValid:
			fmt.Fprintf(w, "%s: ok\n", v.File)
		case v.Result == resultUnreadable:
			fmt.Fprintf(w, "%s: cannot read: %s\n", v.File, v.Error)
		case v.Path == "":
			fmt.Fprintf(w, "%s: %s\n", v.File, v.Error)
		default:
			fmt.Fprintf(w, "%s: %s: %s\n", v.File, v.Path, v.Error)
		}
	}
}

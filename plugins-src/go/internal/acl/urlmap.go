package acl

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

const urlmapDescription = "sets object attributes from the named groups of regular expressions matching the path"

// urlmap is the object setter urlmap. Its config key mappings lists
// regular expressions (Go's RE2 syntax, which takes Python's named groups
// "(?P<name>...)"). Each is matched against the whole request path without
// its leading slash; every one that matches sets an attribute for each of
// its named groups that took part in the match, to the text the group
// matched. Later mappings override earlier ones.
type urlmap struct {
	// compiled caches the expressions of the configurations seen, by
	// source: the configurations of a host's services are few and fixed.
	compiled map[string]*regexp.Regexp
}

// urlmapConfigKeys are the configuration keys urlmap reads; the engine
// reads enable and priority.
var urlmapConfigKeys = []string{"mappings"}

// set is the object setter's handler.
func (u *urlmap) set(req abi.ObjectRequest) (map[string]any, error) {
	list, ok := req.Config["mappings"]
	if !ok || list == nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "urlmap: config mappings is missing; list the regular expressions to match the path with")
	}
	mappings, ok := list.([]any)
	if !ok {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "urlmap: config mappings: want a list of regular expressions")
	}
	path := strings.TrimPrefix(req.Path, "/")
	attrs := map[string]any{}
	for i, m := range mappings {
		re, err := u.compile(m)
		if err != nil {
			return nil, abi.Errorf(abi.CodeInvalidRequest, "urlmap: config mappings[%d]: %v", i, err)
		}
		match := re.FindStringSubmatchIndex(path)
		if match == nil {
			continue
		}
		for g, name := range re.SubexpNames() {
			if name != "" && match[2*g] >= 0 {
				attrs[name] = path[match[2*g]:match[2*g+1]]
			}
		}
	}
	return attrs, nil
}

// compile returns the expression of a mapping, anchored at both ends.
func (u *urlmap) compile(mapping any) (*regexp.Regexp, error) {
	src, ok := mapping.(string)
	if !ok {
		return nil, errors.New("want a regular expression, a string")
	}
	if re, ok := u.compiled[src]; ok {
		return re, nil
	}
	if _, err := regexp.Compile(src); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(`^(?:` + src + `)$`)
	if err != nil {
		// the anchors make src too tall or too large for RE2: name src
		if se, ok := errors.AsType[*syntax.Error](err); ok {
			se.Expr = src
		}
		return nil, err
	}
	if u.compiled == nil {
		u.compiled = map[string]*regexp.Regexp{}
	}
	u.compiled[src] = re
	return re, nil
}

package app

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

func TestUnreadKeys(t *testing.T) {
	f := &config.File{}
	f.Policy.Obligations = map[string]string{"audit": "acl-basics/obl_log"}
	f.Policy.DecisionAPI.Obligations = map[string]map[string]any{
		"obl_log": {"sink": "a", "logger_cfg": map[string]any{}},
		"audit":   {"log_format": "{}", "handlers": 1},
		"other":   {"anything": 1},
	}
	f.Policy.DecisionAPI.ObjectSetters = map[string]map[string]any{"urlmap": {"enable": true, "priority": 3, "mappings": []any{}, "mapping": []any{}}}
	f.Proxy.Services = map[string]proxy.Service{"music": {
		Obligations:   map[string]map[string]any{"acl-basics/obl_log": {"logger_cfg": 1}, "undeclared": {"x": 1}},
		ObjectSetters: map[string]map[string]any{"object:urlmap": {"enable": false}},
	}}
	m := abi.Manifest{Name: "acl-basics", Components: []abi.Component{
		{Kind: abi.KindObligation, Name: "obl_log", ConfigKeys: []string{"log_format", "sink"}},
		{Kind: abi.KindObligation, Name: "undeclared"},
		{Kind: abi.KindObject, Name: "urlmap", ConfigKeys: []string{"mappings"}},
		{Kind: abi.KindEnvironment, Name: "other", ConfigKeys: []string{"x"}},
	}}
	obl := []string{"log_format", "sink"}
	want := []unreadKey{
		{"policy.decision_api.object_setters.urlmap.mapping", "acl-basics/urlmap", []string{"mappings"}},
		{"policy.decision_api.obligations.audit.handlers", "acl-basics/obl_log", obl},
		{"policy.decision_api.obligations.obl_log.logger_cfg", "acl-basics/obl_log", obl},
		{"proxy.services.music.obligations.acl-basics/obl_log.logger_cfg", "acl-basics/obl_log", obl},
	}
	if got := unreadKeys(f, m); !reflect.DeepEqual(got, want) {
		t.Errorf("unreadKeys =\n%v\nwant\n%v", got, want)
	}
	m.Name = "rs-acl-basics"
	if got := unreadKeys(f, m); len(got) != 2 {
		t.Errorf("for a plugin the qualified references do not name: %v, want the two keys of bare names", got)
	}
}

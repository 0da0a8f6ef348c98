package decisionlog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy"
)

// attrs returns a fresh context with nested maps and lists.
func attrs() policy.Attributes {
	return policy.Attributes{
		Subject: map[string]any{
			"email":    "ann@example.com",
			"name":     "Ann",
			"accounts": []any{map[string]any{"id": 1, "token": "t1"}, map[string]any{"id": 2}, "plain"},
		},
		Access: map[string]any{
			"method":  "GET",
			"headers": map[string]any{"authorization": "Bearer x", "accept": "*/*"},
		},
	}
}

func TestMask(t *testing.T) {
	for _, tt := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"none", nil,
			`{"access":{"headers":{"accept":"*/*","authorization":"Bearer x"},"method":"GET"},"subject":{"accounts":[{"id":1,"token":"t1"},{"id":2},"plain"],"email":"ann@example.com","name":"Ann"}}`},
		{"a top attribute", []string{"subject.email"},
			`{"access":{"headers":{"accept":"*/*","authorization":"Bearer x"},"method":"GET"},"subject":{"accounts":[{"id":1,"token":"t1"},{"id":2},"plain"],"email":"[masked]","name":"Ann"}}`},
		{"a nested attribute", []string{"access.headers.authorization"},
			`{"access":{"headers":{"accept":"*/*","authorization":"[masked]"},"method":"GET"},"subject":{"accounts":[{"id":1,"token":"t1"},{"id":2},"plain"],"email":"ann@example.com","name":"Ann"}}`},
		{"a map whole", []string{"access.headers"},
			`{"access":{"headers":"[masked]","method":"GET"},"subject":{"accounts":[{"id":1,"token":"t1"},{"id":2},"plain"],"email":"ann@example.com","name":"Ann"}}`},
		{"a category whole", []string{"subject"},
			`{"access":{"headers":{"accept":"*/*","authorization":"Bearer x"},"method":"GET"},"subject":"[masked]"}`},
		{"in each element of a list", []string{"subject.accounts.token"},
			`{"access":{"headers":{"accept":"*/*","authorization":"Bearer x"},"method":"GET"},"subject":{"accounts":[{"id":1,"token":"[masked]"},{"id":2},"plain"],"email":"ann@example.com","name":"Ann"}}`},
		{"absent paths", []string{"subject.phone", "object.owner", "access.method.deeper", "environment"},
			`{"access":{"headers":{"accept":"*/*","authorization":"Bearer x"},"method":"GET"},"subject":{"accounts":[{"id":1,"token":"t1"},{"id":2},"plain"],"email":"ann@example.com","name":"Ann"}}`},
		{"several", []string{"subject.email", "subject.name", "access.headers.authorization"},
			`{"access":{"headers":{"accept":"*/*","authorization":"[masked]"},"method":"GET"},"subject":{"accounts":[{"id":1,"token":"t1"},{"id":2},"plain"],"email":"[masked]","name":"[masked]"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMask(tt.paths)
			if err != nil {
				t.Fatal(err)
			}
			in := attrs()
			b, err := json.Marshal(m.Apply(in))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			if !reflect.DeepEqual(in, attrs()) {
				t.Errorf("Apply modified its input: %v", in)
			}
		})
	}
}

func TestNewMaskErrors(t *testing.T) {
	for _, tt := range []struct {
		paths []string
		want  string
	}{
		{[]string{"subject.email", "email"}, `mask[1] "email": start with subject, object, environment or access`},
		{[]string{"subject..email"}, `mask[0] "subject..email": an empty part`},
		{[]string{"access.headers."}, `mask[0] "access.headers.": an empty part`},
		{[]string{""}, `mask[0] "": start with`},
	} {
		if _, err := NewMask(tt.paths); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewMask(%q) = %v, want %q", tt.paths, err, tt.want)
		}
	}
}

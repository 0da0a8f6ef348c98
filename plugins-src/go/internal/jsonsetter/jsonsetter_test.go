package jsonsetter

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// sendDirectly sends req as the http capability would, without a host.
func sendDirectly(req abi.HTTPRequest) (abi.HTTPResponse, error) {
	hreq, err := http.NewRequest(req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return abi.HTTPResponse{}, abi.Errorf(abi.CodeInvalidRequest, "%v", err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return abi.HTTPResponse{}, abi.Errorf(abi.CodeUnavailable, "%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return abi.HTTPResponse{Status: resp.StatusCode, Body: body}, err
}

func TestSet(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		switch r.URL.Path {
		case "/privilege":
			io.WriteString(w, `{"privilege": 5, "ratio": 0.5, "big": 1e3, "owner": {"id": "u1"}, "tags": ["a"], "service": null}`)
		case "/missing":
			http.Error(w, "no such object", http.StatusNotFound)
		case "/list":
			io.WriteString(w, `[1, 2]`)
		case "/two":
			io.WriteString(w, `{} {}`)
		case "/html":
			io.WriteString(w, `<html></html>`)
		}
	}))
	defer srv.Close()
	object := map[string]any{"path": "a b/c", "service": "docs"}

	t.Run("merges the reply", func(t *testing.T) {
		attrs, err := set(abi.ObjectRequest{Object: object, Config: map[string]any{"url": srv.URL + "/privilege?token=t1#part"}}, sendDirectly)
		want := map[string]any{"privilege": int64(5), "ratio": 0.5, "big": 1000.0, "owner": map[string]any{"id": "u1"},
			"tags": []any{"a"}, "service": nil}
		if err != nil || !reflect.DeepEqual(attrs, want) {
			t.Fatalf("attributes = %#v, %v\nwant %#v", attrs, err, want)
		}
		if got.Method != "GET" || got.URL.RawQuery != "token=t1&path=a+b%2Fc&service=docs" || got.Header.Get("Accept") != "application/json" {
			t.Errorf("request: %s %s, Accept %q", got.Method, got.URL, got.Header.Get("Accept"))
		}
	})
	t.Run("an empty object adds no query", func(t *testing.T) {
		if _, err := set(abi.ObjectRequest{Config: map[string]any{"url": srv.URL + "/privilege"}}, sendDirectly); err != nil {
			t.Fatal(err)
		}
		if got.URL.RawQuery != "" {
			t.Errorf("query %q, want none", got.URL.RawQuery)
		}
	})
	for _, tt := range []struct {
		name   string
		config map[string]any
		code   abi.Code
		msg    string
	}{
		{"status", map[string]any{"url": srv.URL + "/missing"}, abi.CodeUnavailable, "jsonsetter: GET " + srv.URL + "/missing: status 404"},
		{"not an object", map[string]any{"url": srv.URL + "/list"}, abi.CodeUnavailable,
			"jsonsetter: GET " + srv.URL + "/list: the reply is not a JSON object: json: cannot unmarshal array into Go value of type map[string]interface {}"},
		{"two values", map[string]any{"url": srv.URL + "/two"}, abi.CodeUnavailable, "jsonsetter: GET " + srv.URL + "/two: the reply is more than one JSON value"},
		{"not JSON", map[string]any{"url": srv.URL + "/html"}, abi.CodeUnavailable,
			"jsonsetter: GET " + srv.URL + "/html: the reply is not a JSON object: invalid character '<' looking for beginning of value"},
		{"no url", nil, abi.CodeInvalidRequest, "jsonsetter: config url is missing; give the URL of the web service"},
		{"url not a string", map[string]any{"url": []any{srv.URL}}, abi.CodeInvalidRequest, "jsonsetter: config url: want a string"},
		{"relative url", map[string]any{"url": "/privilege"}, abi.CodeInvalidRequest, `jsonsetter: config url "/privilege": want an absolute http or https URL`},
		{"another scheme", map[string]any{"url": "ftp://example.com/x"}, abi.CodeInvalidRequest, `jsonsetter: config url "ftp://example.com/x": want an absolute http or https URL`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := set(abi.ObjectRequest{Object: object, Config: tt.config}, sendDirectly)
			if e, ok := errors.AsType[*abi.Error](err); !ok || e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("error = %v\nwant %s: %s", err, tt.code, tt.msg)
			}
		})
	}
}

func TestSetPassesOnHostErrors(t *testing.T) {
	config := map[string]any{"url": "https://user:secret@json.example.com/obj"}
	for _, tt := range []struct {
		host error
		code abi.Code
		msg  string
	}{
		{abi.Errorf(abi.CodeCapabilityDenied, "https://json.example.com is not allowed by plugins.acl-jsonsetter.grants.http.hosts"),
			abi.CodeDenied, "jsonsetter: GET https://user:xxxxx@json.example.com/obj: capability_denied: https://json.example.com is not allowed by plugins.acl-jsonsetter.grants.http.hosts"},
		{abi.Errorf(abi.CodeTimeout, "GET https://json.example.com/obj: timed out"), abi.CodeUnavailable,
			"jsonsetter: GET https://user:xxxxx@json.example.com/obj: timeout: GET https://json.example.com/obj: timed out"},
		{abi.Errorf(abi.CodeInvalidRequest, "bad"), abi.CodeInvalidRequest, "jsonsetter: GET https://user:xxxxx@json.example.com/obj: invalid_request: bad"},
		{errors.New("odd"), abi.CodeUnavailable, "jsonsetter: GET https://user:xxxxx@json.example.com/obj: internal: odd"},
	} {
		t.Run(string(tt.code), func(t *testing.T) {
			_, err := set(abi.ObjectRequest{Config: config}, func(abi.HTTPRequest) (abi.HTTPResponse, error) { return abi.HTTPResponse{}, tt.host })
			if e, ok := errors.AsType[*abi.Error](err); !ok || e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("error = %v\nwant %s: %s", err, tt.code, tt.msg)
			}
		})
	}
}

func TestManifest(t *testing.T) {
	r := registry.New()
	Register(r)
	m := r.Manifest()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []abi.Component{{Kind: abi.KindObject, Name: "jsonsetter", Description: "merges the attributes a JSON web service answers for the object", Priority: priority}}
	if m.Name != Name || !reflect.DeepEqual(m.Components, want) || !reflect.DeepEqual(m.Capabilities, []abi.Capability{abi.CapHTTP}) {
		t.Errorf("manifest = %+v", m)
	}
}

package proxy

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// arpocConfig is ARPOC's sample configuration, in the conformance data.
const arpocConfig = "../../conformance/arpoc/config/config.yml"

// TestARPOCServices decodes the services of ARPOC's sample configuration
// strictly, as gatehouse.yaml's proxy.services: every key ARPOC writes is
// one of Service's, and the services that proxy to URLs are valid as they
// are.
func TestARPOCServices(t *testing.T) {
	b, err := os.ReadFile(arpocConfig)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services yaml.Node `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(&doc.Services)
	if err != nil {
		t.Fatal(err)
	}
	var services map[string]Service
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	if err := dec.Decode(&services); err != nil {
		t.Fatalf("ARPOC's services: %v", err)
	}
	if len(services) != 9 {
		t.Fatalf("%d services, want ARPOC's 9", len(services))
	}
	// pap and userinfo are ARPOC's own pages, not proxied URLs.
	for _, special := range []string{"pap", "userinfo"} {
		err := (Config{Services: map[string]Service{special: services[special]}}).Validate()
		if err == nil || !strings.Contains(err.Error(), "services."+special+".origin_URL") {
			t.Errorf("%s: %v", special, err)
		}
		delete(services, special)
	}
	if err := (Config{Services: services}).Validate(); err != nil {
		t.Errorf("ARPOC's services: %v", err)
	}
	a := services["serviceA"]
	if a.ProxyURL != "/serviceA" || a.AC != "com.example.policysets.loggedIn" || a.ObjectSetters["jsonsetter"]["priority"] != 32 ||
		a.Obligations["obl_log"]["logger_cfg"] == nil {
		t.Errorf("serviceA = %+v", a)
	}
	if f := services["serviceF"].Authentication; f == nil || f.Type != "Bearer" || f.Token != "1234" {
		t.Errorf("serviceF.authentication = %+v", f)
	}
	if g := services["serviceG"].Authentication; g == nil || g.Type != "Certificate" || g.KeyFile != "/etc/oidc-proxy/key.pem" || g.CertFile != "/etc/oidc-proxy/client.crt" {
		t.Errorf("serviceG.authentication = %+v", g)
	}
}

// Package proxytest runs an OpenID Connect provider in a test, for the
// tests of the proxy and of the servers that verify its bearer tokens.
package proxytest

import (
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"
)

// usersJSON holds the provider's users: ann (password ann-password, groups
// /test and /staff) and bob (bob-password).
//
//go:embed users.json
var usersJSON []byte

// OP is an OpenID Connect provider running in the test: zitadel's
// provider over its in-memory example storage, with the users of
// users.json, group claims, and JWT access tokens.
type OP struct {
	Issuer   string
	ClientID string
	Secret   string
	// OtherClient is a second client, whose tokens are not for the proxy.
	OtherClient string
	// TokenRedirect is the redirect URI of API clients that log in to get
	// a token (TokenFor).
	TokenRedirect string
}

// opStorage adds what the example storage lacks: a groups claim at the
// userinfo endpoint, and access tokens that are JWTs, which API clients
// send as bearer tokens.
type opStorage struct {
	*storage.Storage
	groups map[string][]string
}

type jwtClient struct{ op.Client }

func (jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

func (s opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return jwtClient{c}, nil
}

func (s opStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	if g := s.groups[subject]; g != nil {
		info.AppendClaims("groups", g)
	}
	return nil
}

// Start starts the provider with a client whose redirect URIs are
// proxyCallback and the token redirect. The provider logs every request
// it serves to the default logger.
func Start(t *testing.T, proxyCallback string) *OP {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	o := &OP{Issuer: issuer, ClientID: "gatehouse", Secret: "gatehouse-secret", OtherClient: "other", TokenRedirect: "http://127.0.0.1/token-callback"}
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, usersJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := storage.StoreFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]*storage.Client{
		o.ClientID:    storage.WebClient(o.ClientID, o.Secret, proxyCallback, o.TokenRedirect),
		o.OtherClient: storage.WebClient(o.OtherClient, o.Secret, o.TokenRedirect),
	}
	st := opStorage{Storage: storage.NewStorageWithClients(users, clients), groups: map[string][]string{"ann": {"/test", "/staff"}}}
	srv.Config.Handler = exampleop.SetupServer(issuer, st, nil, false)
	srv.Start()
	t.Cleanup(srv.Close)
	return o
}

// SubmitLogin reads the provider's login form from resp and submits it
// with the user's name and password, as a browser would.
func SubmitLogin(t *testing.T, c *http.Client, resp *http.Response, user, password string) *http.Response {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("login page: %s: %s", resp.Status, b)
	}
	action, fields := loginForm(t, resp.Body)
	fields.Set("username", user)
	fields.Set("password", password)
	target, err := resp.Request.URL.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.PostForm(target.String(), fields)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// loginForm returns the action and the fields of the first form of an
// HTML page.
func loginForm(t *testing.T, r io.Reader) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	var action string
	found := false
	fields := url.Values{}
	var walk func(n *html.Node, inForm bool)
	walk = func(n *html.Node, inForm bool) {
		if n.Type == html.ElementNode && n.Data == "form" && !found {
			found, inForm = true, true
			action = attr(n, "action")
		}
		if inForm && n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" {
			fields.Set(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inForm)
		}
	}
	walk(doc, false)
	if !found {
		t.Fatal("the login page has no form")
	}
	return action, fields
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// TokenFor logs user in at the provider as an API client of client would,
// with the authorization-code flow and PKCE, and returns the access token.
func (o *OP) TokenFor(t *testing.T, client, user, password string) string {
	t.Helper()
	ctx := context.Background()
	discovered, err := gooidc.NewProvider(ctx, o.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{
		ClientID:     client,
		ClientSecret: o.Secret,
		RedirectURL:  o.TokenRedirect,
		Scopes:       []string{"openid", "email", "profile"},
		Endpoint:     discovered.Endpoint(),
	}
	c := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), o.TokenRedirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	verifier := oauth2.GenerateVerifier()
	resp, err := c.Get(conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp = SubmitLogin(t, c, resp, user, password)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("the provider did not redirect to the client: %s", resp.Status)
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

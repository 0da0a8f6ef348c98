package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
)

// provider is an OpenID Connect provider, discovered at start.
type provider struct {
	name  string
	cfg   Provider
	oidc  *oidc.Provider
	oauth oauth2.Config
	// client makes the token and userinfo requests.
	client *http.Client
	// idTokens verifies ID tokens (audience: the client); bearer verifies
	// the tokens of API clients (audience: cfg.Audience).
	idTokens, bearer *oidc.IDTokenVerifier
}

// discover reads the provider's discovery document with client. ctx must
// outlive the proxy: the provider's key set fetches keys with it later.
func discover(ctx context.Context, client *http.Client, name string, p Provider, redirectURL string) (*provider, error) {
	secret := p.ClientSecret
	if p.ClientSecretFile != "" {
		b, err := os.ReadFile(p.ClientSecretFile)
		if err != nil {
			return nil, fmt.Errorf("providers.%s.client_secret_file: %w", name, err)
		}
		secret = strings.TrimSpace(string(b))
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, client), strings.TrimRight(p.ConfigurationURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("providers.%s: discovery at %s: %w", name, p.ConfigurationURL, err)
	}
	return &provider{
		name:   name,
		cfg:    p,
		oidc:   op,
		client: client,
		oauth: oauth2.Config{
			ClientID:     p.ClientID,
			ClientSecret: secret,
			Endpoint:     op.Endpoint(),
			RedirectURL:  redirectURL,
			Scopes:       p.Scopes,
		},
		idTokens: op.Verifier(&oidc.Config{ClientID: p.ClientID}),
		bearer:   op.Verifier(&oidc.Config{ClientID: p.Audience}),
	}, nil
}

// subject returns the claims of a verified token merged with those the
// userinfo endpoint returns for the access token, which win. The userinfo
// endpoint must name the same subject (OpenID Connect Core 1.0, section
// 5.3.2).
func (p *provider) subject(ctx context.Context, tok *oidc.IDToken, accessToken string) (map[string]any, error) {
	claims, err := claimsOf(tok.Claims)
	if err != nil {
		return nil, fmt.Errorf("claims of the token: %w", err)
	}
	if p.oidc.UserInfoEndpoint() == "" || accessToken == "" {
		return claims, nil
	}
	info, err := p.oidc.UserInfo(oidc.ClientContext(ctx, p.client), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
	if err != nil {
		return nil, fmt.Errorf("userinfo of provider %s: %w", p.name, err)
	}
	if info.Subject != tok.Subject {
		return nil, fmt.Errorf("userinfo of provider %s names subject %q, the token %q", p.name, info.Subject, tok.Subject)
	}
	extra, err := claimsOf(info.Claims)
	if err != nil {
		return nil, fmt.Errorf("userinfo of provider %s: %w", p.name, err)
	}
	maps.Copy(claims, extra)
	return claims, nil
}

// claimsOf returns the claims that decode, a token's or userinfo's Claims
// method, gives, with their numbers as jsonnum.Convert converts them: an
// integer stays an integer, exact however large.
func claimsOf(decode func(any) error) (map[string]any, error) {
	var raw json.RawMessage
	if err := decode(&raw); err != nil {
		return nil, err
	}
	return jsonnum.DecodeObject(raw)
}

// bearerCache remembers the subjects of bearer tokens until they expire,
// so that a client's requests ask the userinfo endpoint once per token.
type bearerCache struct {
	mu      sync.Mutex
	entries map[[32]byte]bearerEntry
}

type bearerEntry struct {
	claims  map[string]any
	expires time.Time
}

// maxBearerEntries bounds the cache.
const maxBearerEntries = 4096

func (c *bearerCache) get(key [32]byte, now time.Time) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.claims, true
}

func (c *bearerCache) put(key [32]byte, claims map[string]any, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[[32]byte]bearerEntry{}
	}
	if len(c.entries) >= maxBearerEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	if len(c.entries) >= maxBearerEntries {
		for k := range c.entries { // any one: map order is random
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = bearerEntry{claims: claims, expires: expires}
}

// errNoProvider is the error of VerifyBearer without providers.
var errNoProvider = errors.New("no OpenID Connect provider is configured")

// VerifyBearer verifies raw, a JWT, against the keys, issuer and audience
// of each provider in turn, and returns the subject's claims, the token's
// merged with the userinfo endpoint's. Subjects are cached until their
// tokens expire. Other parts of the server that take bearer tokens, such
// as the OpenC2 transfer, verify them here too.
func (p *Proxy) VerifyBearer(ctx context.Context, raw string) (map[string]any, error) {
	key := sha256.Sum256([]byte(raw))
	now := time.Now()
	if claims, ok := p.bearers.get(key, now); ok {
		return claims, nil
	}
	err := errNoProvider
	for _, name := range slices.Sorted(maps.Keys(p.providers)) {
		pr := p.providers[name]
		tok, verr := pr.bearer.Verify(ctx, raw)
		if verr != nil {
			err = verr
			continue
		}
		claims, serr := pr.subject(ctx, tok, raw)
		if serr != nil {
			return nil, serr
		}
		p.bearers.put(key, claims, tok.Expiry, now)
		return claims, nil
	}
	return nil, err
}

package proxy

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// maxCookieBytes bounds a sealed cookie value: browsers keep cookies of up
// to 4096 bytes, name and attributes included.
const maxCookieBytes = 3800

// sealer encrypts and authenticates cookie values with AES-256-GCM. The
// cookie's name is the additional data, so that a value sealed for one
// cookie does not open as another.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the key from secret with HKDF-SHA256.
func newSealer(secret []byte) (*sealer, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("the secret has %d bytes; it needs at least 32", len(secret))
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "gatehouse proxy cookies", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// loadSealer reads the secret of file, or draws one when file is "".
func loadSealer(file string) (*sealer, error) {
	secret := make([]byte, 32)
	if file == "" {
		rand.Read(secret)
	} else {
		var err error
		if secret, err = os.ReadFile(file); err != nil {
			return nil, fmt.Errorf("session_key_file: %w", err)
		}
	}
	s, err := newSealer(secret)
	if err != nil {
		return nil, fmt.Errorf("session_key_file %s: %w", file, err)
	}
	return s, nil
}

// envelope is what a sealed cookie holds: its expiry and its payload.
// Payload holds a pointer when a value is opened, so that one pass of the
// decoder fills it.
type envelope struct {
	Expires int64 `json:"exp"`
	Payload any   `json:"p"`
}

// errCookie is the error of open for a cookie that is absent, forged,
// expired or sealed with another key.
var errCookie = errors.New("no valid cookie")

// seal returns the cookie value carrying v until expires.
func (s *sealer) seal(name string, v any, expires time.Time) (string, error) {
	plain, err := json.Marshal(envelope{Expires: expires.Unix(), Payload: v})
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	value := base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name)))
	if len(name)+len(value) > maxCookieBytes {
		return "", fmt.Errorf("cookie %s would have %d bytes, more than browsers keep", name, len(name)+len(value))
	}
	return value, nil
}

// open decodes into v, a pointer, the value of cookie name sealed by seal,
// if it has not expired at now. v may be changed when it has. A number
// decoded into an any is a json.Number.
func (s *sealer) open(name, value string, now time.Time, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) < s.aead.NonceSize() {
		return errCookie
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(name))
	if err != nil {
		return errCookie
	}
	e := envelope{Payload: v}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber() // numbers in an any stay exact: see jsonnum.Convert
	if err := dec.Decode(&e); err != nil || now.Unix() >= e.Expires {
		return errCookie
	}
	return nil
}

// cookieJar reads and writes the proxy's sealed cookies with the
// configured attributes: HttpOnly, SameSite=Lax, Secure unless turned off.
type cookieJar struct {
	sealer *sealer
	cfg    Cookie
}

// set writes cookie name carrying v until expires.
func (j cookieJar) set(w http.ResponseWriter, name string, v any, expires time.Time) error {
	value, err := j.sealer.seal(name, v, expires)
	if err != nil {
		return err
	}
	http.SetCookie(w, j.cookie(name, value, int(time.Until(expires).Seconds())))
	return nil
}

// get decodes into v the cookie name of r.
func (j cookieJar) get(r *http.Request, name string, v any) error {
	c, err := r.Cookie(name)
	if err != nil {
		return errCookie
	}
	return j.sealer.open(name, c.Value, time.Now(), v)
}

// clear removes cookie name.
func (j cookieJar) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, j.cookie(name, "", -1))
}

func (j cookieJar) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Domain:   j.cfg.Domain,
		MaxAge:   maxAge,
		Secure:   *j.cfg.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

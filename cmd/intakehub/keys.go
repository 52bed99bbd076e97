package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
)

// secretKeyEnv names the environment variable that may hold the key
// sealing webhook secrets: the base64 of 32 random bytes, e.g. from
// `openssl rand -base64 32`.
const secretKeyEnv = "INTAKEHUB_SECRET_KEY"

// secretKey is the key that seals webhook secrets at rest and where it
// came from, for the log.
type secretKey struct {
	key     []byte
	source  string
	created string // the key file just made, "" if none
}

// loadSecretKey finds the key sealing webhook secrets, from the first of:
// the key file named by --secret-key-file (keyFile), the environment
// variable INTAKEHUB_SECRET_KEY (getenv), or the default key file beside
// the database, dbPath+".key". The default file is created with a new
// random key, mode 0600, when it does not exist, so a hub seals its
// secrets from its first start without any set-up. Giving both a file and
// the variable is refused as ambiguous.
//
// A key beside the database protects the secrets from whoever gets the
// database alone (a copied file, a backup of that file), not from whoever
// gets the directory: keep the key elsewhere, in the variable or a file
// of its own, for more.
func loadSecretKey(keyFile string, getenv func(string) string, dbPath string) (secretKey, error) {
	env := getenv(secretKeyEnv)
	switch {
	case keyFile != "" && env != "":
		return secretKey{}, fmt.Errorf("secret key: both --secret-key-file and %s are set: give one", secretKeyEnv)
	case env != "":
		key, err := parseSecretKey(env)
		if err != nil {
			return secretKey{}, fmt.Errorf("secret key from %s: %w", secretKeyEnv, err)
		}
		return secretKey{key: key, source: secretKeyEnv}, nil
	case keyFile != "":
		key, err := readKeyFile(keyFile)
		return secretKey{key: key, source: keyFile}, err
	}
	if hubdb.IsPostgres(dbPath) {
		// Every process of a PostgreSQL hub seals and opens the same
		// secrets, and there is no database file to keep the key beside.
		return secretKey{}, fmt.Errorf("secret key: a PostgreSQL hub needs it from %s or --secret-key-file, the same for every hub process", secretKeyEnv)
	}
	path := dbPath + ".key"
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
		if err == nil {
			return secretKey{key: key, source: path, created: path}, nil
		}
		if errors.Is(err, fs.ErrExist) { // another process made it meanwhile
			key, err = readKeyFile(path)
		}
	}
	return secretKey{key: key, source: path}, err
}

// parseSecretKey reads a key written as base64 (padded or not, with
// surrounding white space). Its text is never put into an error.
func parseSecretKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	key, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(text)
	}
	if err != nil {
		return nil, fmt.Errorf("not base64: want the base64 of %d random bytes (openssl rand -base64 %d)", webhook.KeySize, webhook.KeySize)
	}
	if len(key) != webhook.KeySize {
		return nil, fmt.Errorf("%d bytes: want the base64 of %d random bytes (openssl rand -base64 %d)", len(key), webhook.KeySize, webhook.KeySize)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	key, err := parseSecretKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new random key to path, which must not exist, so
// that two hubs starting at once cannot each write their own.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, webhook.KeySize)
	rand.Read(key) // never fails: see crypto/rand.Read
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync() // the secrets sealed with it must not outlive it
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("create secret key file %s: %w", path, err)
	}
	return key, nil
}

// keyFileExposed reports whether a key file is readable by others than its
// owner: worth a warning, not a refusal, since mounted secrets often are.
func keyFileExposed(path string) bool {
	if runtime.GOOS == "windows" {
		return false // no Unix mode bits to go by
	}
	info, err := os.Stat(path)
	return err == nil && info.Mode().Perm()&0o077 != 0
}

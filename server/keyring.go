package server

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Keyring holds the server's crypto keys: AES-256 encryption keys, Ed25519 signing keys and
// X25519 key pairs, each under an id. With a key file (MFN_CRYPTO_KEY_FILE) the keys persist,
// so every replica and every restart uses the same keys: the file is created with fresh
// default keys when missing, re-read when it changes, and new key pairs are merged into it
// under a file lock. Without a file (dev only) the keys live in memory.
type Keyring struct {
	path string

	mu     sync.RWMutex
	keys   *keySetFile
	stamp  fileStamp
	owners map[string]int // key pairs added per API key fingerprint (the log's owners)
	// complete is the length of the file's well-formed prefix, info the file it was read
	// from: an add reads only what other replicas appended since (keylog.go).
	complete int64
	info     fs.FileInfo
	// maxPerOwner bounds the key pairs one API key may add (0: no bound).
	maxPerOwner int
}

// keySetFile is the key file's JSON form. Key material is standard base64.
type keySetFile struct {
	Version    int        `json:"version"`
	Encryption keySection `json:"encryption"`
	Signing    keySection `json:"signing"`
	ECDH       keySection `json:"ecdh"`
}

type keySection struct {
	Default string            `json:"default,omitempty"`
	Keys    map[string]string `json:"keys"`
}

// Keyring errors, mapped to statuses by the crypto handlers.
var (
	ErrUnknownKey   = errors.New("unknown key_id")
	ErrKeyExists    = errors.New("key_id already exists")
	ErrReadOnlyKeys = errors.New("key file is read-only")
)

// OpenKeyring loads path, creating it with a default encryption key and signing key when it
// does not exist. An empty path gives an in-memory keyring with fresh default keys.
func OpenKeyring(path string) (*Keyring, error) {
	k := &Keyring{path: path, owners: map[string]int{}}
	if path == "" {
		k.keys = newKeySetFile()
		return k, nil
	}
	unlock, err := lockKeyFile(path)
	if err != nil && !errors.Is(err, ErrReadOnlyKeys) {
		return nil, err
	}
	if unlock != nil {
		defer unlock()
	}
	kf, err := readKeyFileFull(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err = writeKeySetFile(path, newKeySetFile()); err != nil {
			return nil, fmt.Errorf("MFN_CRYPTO_KEY_FILE: creating %s: %w", path, err)
		}
		kf, err = readKeyFileFull(path)
	}
	if err != nil {
		return nil, err
	}
	k.keys, k.stamp, k.owners, k.complete, k.info = kf.ks, kf.stamp, kf.owners, kf.complete, kf.info
	return k, nil
}

// InitKeyFile writes a new key file with fresh default keys; it refuses to overwrite one.
func InitKeyFile(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: refusing to overwrite keys", path)
	}
	return writeKeySetFile(path, newKeySetFile())
}

func newKeySetFile() *keySetFile {
	ks := &keySetFile{Version: 1,
		Encryption: keySection{Keys: map[string]string{}}, Signing: keySection{Keys: map[string]string{}}, ECDH: keySection{Keys: map[string]string{}}}
	id := newKeyID()
	ks.Encryption.Default, ks.Encryption.Keys[id] = id, b64(randomBytes(32))
	id = newKeyID()
	ks.Signing.Default, ks.Signing.Keys[id] = id, b64(randomBytes(ed25519.SeedSize))
	return ks
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// newKeyID is the reference's id form: "key_" and 32 hex digits.
func newKeyID() string { return "key_" + hex.EncodeToString(randomBytes(16)) }

// fileStamp identifies a version of a file cheaply.
type fileStamp struct {
	mod  int64
	size int64
}

func stampOf(fi fs.FileInfo) fileStamp { return fileStamp{fi.ModTime().UnixNano(), fi.Size()} }

func readKeySetFile(path string) (*keySetFile, fileStamp, error) {
	kf, err := readKeyFileFull(path)
	if err != nil {
		return nil, fileStamp{}, err
	}
	return kf.ks, kf.stamp, nil
}

// keyFile is a read key file: the keys, the owners' counts, the length of its well-formed
// prefix (keylog.go) and its stamp.
type keyFile struct {
	ks       *keySetFile
	owners   map[string]int
	complete int64
	stamp    fileStamp
	info     fs.FileInfo
}

func readKeyFileFull(path string) (*keyFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	ks, owners, complete, err := parseKeyFile(b)
	if err != nil {
		return nil, fmt.Errorf("MFN_CRYPTO_KEY_FILE %s: %w", path, err)
	}
	return &keyFile{ks: ks, owners: owners, complete: complete, stamp: stampOf(fi), info: fi}, nil
}

// check validates every key's encoding and length, and the defaults.
func (ks *keySetFile) check() error {
	if ks.Version != 1 {
		return fmt.Errorf("version %d: only version 1 is known", ks.Version)
	}
	for _, s := range []struct {
		name string
		sec  *keySection
		size int
	}{{"encryption", &ks.Encryption, 32}, {"signing", &ks.Signing, ed25519.SeedSize}, {"ecdh", &ks.ECDH, 32}} {
		if s.sec.Keys == nil {
			s.sec.Keys = map[string]string{}
		}
		for id, v := range s.sec.Keys {
			raw, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(raw) != s.size {
				return fmt.Errorf("%s key %q: must be %d bytes in standard base64", s.name, id, s.size)
			}
		}
		if s.sec.Default != "" {
			if _, ok := s.sec.Keys[s.sec.Default]; !ok {
				return fmt.Errorf("%s default %q: no such key", s.name, s.sec.Default)
			}
		}
	}
	if ks.Encryption.Default == "" || ks.Signing.Default == "" {
		return errors.New("encryption and signing sections need a default key")
	}
	return nil
}

// writeKeySetFile replaces path atomically with a file readable by its owner only.
func writeKeySetFile(path string, ks *keySetFile) error {
	b, err := json.MarshalIndent(ks, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return readOnly(err)
	}
	name := tmp.Name()
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return readOnly(err)
	}
	return nil
}

// readOnly marks errors that mean the key file cannot be written at all.
func readOnly(err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("%w: %v", ErrReadOnlyKeys, err)
	}
	return err
}

// Loaded reports whether keys are in place (always true once opened).
func (k *Keyring) Loaded() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys != nil
}

// Reload re-reads the key file when it changed. On an error the current keys stay.
func (k *Keyring) Reload() (bool, error) {
	if k.path == "" {
		return false, nil
	}
	fi, err := os.Stat(k.path)
	if err != nil {
		return false, err
	}
	k.mu.RLock()
	same := stampOf(fi) == k.stamp
	k.mu.RUnlock()
	if same {
		return false, nil
	}
	kf, err := readKeyFileFull(k.path)
	if err != nil {
		return false, err
	}
	k.mu.Lock()
	k.keys, k.stamp, k.owners, k.complete, k.info = kf.ks, kf.stamp, kf.owners, kf.complete, kf.info
	k.mu.Unlock()
	return true, nil
}

// lookup returns the key material of id (or of the section's default for an empty id). An id
// not found is looked up again after a reload, so a key another replica just created is found.
func (k *Keyring) lookup(sec func(*keySetFile) *keySection, id string) (string, []byte, error) {
	for attempt := 0; attempt < 2; attempt++ {
		k.mu.RLock()
		s := sec(k.keys)
		useID := id
		if useID == "" {
			useID = s.Default
		}
		v, ok := s.Keys[useID]
		k.mu.RUnlock()
		if ok {
			raw, err := base64.StdEncoding.DecodeString(v)
			return useID, raw, err
		}
		if attempt == 0 {
			if changed, _ := k.Reload(); !changed {
				break
			}
		}
	}
	return "", nil, ErrUnknownKey
}

func encSection(ks *keySetFile) *keySection  { return &ks.Encryption }
func sigSection(ks *keySetFile) *keySection  { return &ks.Signing }
func ecdhSection(ks *keySetFile) *keySection { return &ks.ECDH }

// EncryptionKey returns the AES key of id ("" for the default).
func (k *Keyring) EncryptionKey(id string) (string, []byte, error) { return k.lookup(encSection, id) }

// SigningKey returns the Ed25519 key of id ("" for the default).
func (k *Keyring) SigningKey(id string) (string, ed25519.PrivateKey, error) {
	useID, seed, err := k.lookup(sigSection, id)
	if err != nil {
		return "", nil, err
	}
	return useID, ed25519.NewKeyFromSeed(seed), nil
}

// AddSigningKey creates an Ed25519 key pair under id (a fresh id when empty) for the API key
// whose fingerprint is owner, and returns the id and the public key.
func (k *Keyring) AddSigningKey(owner, id string) (string, []byte, error) {
	seed := randomBytes(ed25519.SeedSize)
	id, err := k.add("signing", owner, id, seed)
	if err != nil {
		return "", nil, err
	}
	return id, ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), nil
}

// AddECDHKey creates an X25519 (RFC 7748) key pair under id and returns the public key.
func (k *Keyring) AddECDHKey(owner, id string) (string, []byte, error) {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, err
	}
	id, err = k.add("ecdh", owner, id, priv.Bytes())
	if err != nil {
		return "", nil, err
	}
	return id, priv.PublicKey().Bytes(), nil
}

// add stores new key material under id in section ("signing" or "ecdh"), counted against
// owner's bound. With a key file it appends one record to the file's log under the file lock
// (keylog.go), after re-reading the file so that concurrent replicas do not create the same
// id twice.
func (k *Keyring) add(section, owner, id string, material []byte) (string, error) {
	if id == "" {
		id = newKeyID()
	}
	rec := keyRecord{Add: section, ID: id, Key: b64(material), Owner: owner}
	if k.path == "" {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.maxPerOwner > 0 && k.owners[owner] >= k.maxPerOwner {
			return "", errTooManyKeys
		}
		if err := k.keys.applyNew(rec); err != nil {
			return "", err
		}
		k.owners[owner]++
		return id, nil
	}
	unlock, err := lockKeyFile(k.path)
	if err != nil {
		return "", err
	}
	defer unlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.catchUp(); err != nil {
		return "", err
	}
	if k.maxPerOwner > 0 && k.owners[owner] >= k.maxPerOwner {
		return "", errTooManyKeys
	}
	sec := &k.keys.Signing
	if section == "ecdh" {
		sec = &k.keys.ECDH
	}
	if _, dup := sec.Keys[id]; dup {
		return "", ErrKeyExists
	}
	n, err := appendKeyRecord(k.path, k.complete, rec)
	if err != nil {
		return "", err
	}
	if err := k.keys.applyNew(rec); err != nil {
		return "", err
	}
	k.owners[owner]++
	k.complete += n
	if fi, err := os.Stat(k.path); err == nil {
		k.stamp, k.info = stampOf(fi), fi
	}
	return id, nil
}

// catchUp brings the keys up to the file (k.mu and the file lock held): when it is the same
// file, at least as long as what was read, only the records appended since are read;
// otherwise (replaced, truncated) all of it.
func (k *Keyring) catchUp() error {
	fi, err := os.Stat(k.path)
	if err != nil {
		return err
	}
	if k.info != nil && os.SameFile(fi, k.info) && fi.Size() >= k.complete {
		if fi.Size() == k.complete {
			return nil
		}
		f, err := os.Open(k.path)
		if err != nil {
			return err
		}
		defer f.Close()
		tail := make([]byte, fi.Size()-k.complete)
		if _, err := f.ReadAt(tail, k.complete); err != nil {
			return err
		}
		n, err := parseKeyLog(k.keys, k.owners, tail)
		if err != nil {
			return fmt.Errorf("MFN_CRYPTO_KEY_FILE %s: %w", k.path, err)
		}
		k.complete += n
		return nil
	}
	kf, err := readKeyFileFull(k.path)
	if err != nil {
		return err
	}
	k.keys, k.stamp, k.owners, k.complete, k.info = kf.ks, kf.stamp, kf.owners, kf.complete, kf.info
	return nil
}

// applyNew adds a new key pair: ErrKeyExists when the id is taken in its section. The
// in-memory keyring's first signing key becomes the default.
func (ks *keySetFile) applyNew(rec keyRecord) error {
	sec := &ks.Signing
	if rec.Add == "ecdh" {
		sec = &ks.ECDH
	}
	if _, dup := sec.Keys[rec.ID]; dup {
		return ErrKeyExists
	}
	if err := ks.apply(rec); err != nil {
		return err
	}
	if sec.Default == "" && rec.Add == "signing" {
		sec.Default = rec.ID
	}
	return nil
}

func b64decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"mfn/internal/atomicfile"
)

// localDir is a directory of the file system. Objects are its regular files; hidden files
// (names starting with ".", among them atomicfile's temporaries of writes in progress) are not
// objects.
type localDir string

func (d localDir) path(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("%q is not an object name", name)
	}
	return filepath.Join(string(d), name), nil
}

func (d localDir) write(_ context.Context, name string, fill func(w io.Writer) error) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	return atomicfile.Write(p, fill)
}

func (d localDir) open(_ context.Context, name string) (io.ReadCloser, int64, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotExist
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a regular file", p)
		}
		return nil, 0, err
	}
	return f, st.Size(), nil
}

func (d localDir) delete(_ context.Context, name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (d localDir) list(context.Context) ([]Object, error) {
	f, err := os.Open(string(d))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Object
	for {
		// Read in chunks so that a huge directory is refused at MaxList+1, not read whole.
		es, err := f.ReadDir(1024)
		for _, e := range es {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since the directory was read
			}
			if err != nil {
				return nil, err
			}
			out = append(out, Object{Name: e.Name(), Size: info.Size(), ModTime: info.ModTime()})
		}
		if len(out) > maxList || err == io.EOF || len(es) == 0 {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (localDir) close() error { return nil }

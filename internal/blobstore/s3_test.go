//go:build !nos3

package blobstore

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func TestS3Driver(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	backend.CreateBucket("b")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	d, err := OpenDir(context.Background(), "s3://b/runs/x.csv?endpoint="+srv.URL+"&use_path_style=true&disable_https=true&region=us-east-1", true)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checkAtomicWrites(t, d)
	if got := d.Join("part-00000-of-00001.csv"); got != "s3://b/runs/x.csv/part-00000-of-00001.csv" {
		t.Errorf("Join: %s", got)
	}
}

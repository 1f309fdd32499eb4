package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenDocs(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Main([]string{"gen-docs", dir}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, f := range []string{"man/domainsync.1", "man/domainsync-sync.1", "man/domainsync-status.1",
		"completion/domainsync.bash", "completion/_domainsync", "completion/domainsync.fish"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "domainsync-gen-docs.1")); err == nil {
		t.Error("the hidden gen-docs command got a man page")
	}
}

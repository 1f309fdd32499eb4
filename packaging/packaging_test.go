package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// nfpmConfig is the part of nfpm.yaml that says what the packages install.
type nfpmConfig struct {
	Version       string `yaml:"version"`
	VersionSchema string `yaml:"version_schema"`
	License       string `yaml:"license"`
	Homepage      string `yaml:"homepage"`
	Maintainer    string `yaml:"maintainer"`
	Description   string `yaml:"description"`
	Contents      []struct {
		Src      string `yaml:"src"`
		Dst      string `yaml:"dst"`
		Type     string `yaml:"type"`
		Packager string `yaml:"packager"`
		Expand   bool   `yaml:"expand"`
		FileInfo struct {
			Mode  os.FileMode `yaml:"mode"`
			Owner string      `yaml:"owner"`
			Group string      `yaml:"group"`
		} `yaml:"file_info"`
	} `yaml:"contents"`
	Scripts map[string]string `yaml:"scripts"`
}

func readConfig(t *testing.T) nfpmConfig {
	t.Helper()
	data, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c nfpmConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("nfpm.yaml: %v", err)
	}
	return c
}

// relevant mirrors nfpm's files.isRelevantForPackager: a packager: field limits
// an entry to one format, and the rpm-only types are left out of a .deb.
func relevant(packager, entryPackager, typ string) bool {
	if entryPackager != "" && entryPackager != packager {
		return false
	}
	rpmOnly := []string{"doc", "licence", "license", "readme", "ghost"}
	return packager == "rpm" || !slices.Contains(rpmOnly, typ)
}

// Every file the packages install exists: in the repository, or in the
// build output that package.sh stages (built here for this machine's
// architecture). The paths the issue names are all there, the configuration
// as a 0600 root-owned noreplace config file.
func TestPackageFilesExist(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("package.sh needs bash")
	}
	c := readConfig(t)
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(repo, "packaging", "package.sh"), "--stage-only", dist)
	cmd.Env = append(os.Environ(), "PKG_ARCHS="+runtime.GOARCH, "PKG_VERSION=0.0.0~test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("package.sh --stage-only: %v\n%s", err, out)
	}
	stage := filepath.Join(dist, "stage")
	env := map[string]string{"PKG_STAGE": stage, "PKG_ARCH": runtime.GOARCH}

	for _, packager := range []string{"deb", "rpm"} {
		installed := map[string]bool{}
		for _, e := range c.Contents {
			if !relevant(packager, e.Packager, e.Type) {
				continue
			}
			if e.Type == "dir" {
				installed[e.Dst] = true
				continue
			}
			if strings.Contains(e.Src, "${") && !e.Expand {
				t.Errorf("%s: src %s names a variable without expand: true", e.Dst, e.Src)
			}
			src := os.Expand(e.Src, func(k string) string {
				v, ok := env[k]
				if !ok {
					t.Errorf("%s: src %s: unknown variable %s", e.Dst, e.Src, k)
				}
				return v
			})
			if !filepath.IsAbs(src) {
				src = filepath.Join(repo, src)
			}
			if !strings.HasPrefix(src, repo+string(filepath.Separator)) && !strings.HasPrefix(src, stage+string(filepath.Separator)) {
				t.Errorf("%s: src %s is neither in the repository nor in the build output", e.Dst, e.Src)
			}
			matches, err := filepath.Glob(src)
			if err != nil || len(matches) == 0 {
				t.Errorf("%s (%s): no file %s (%v)", e.Dst, packager, src, err)
				continue
			}
			for _, m := range matches {
				st, err := os.Stat(m)
				if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
					t.Errorf("%s (%s): %s is not a non-empty file (%v)", e.Dst, packager, m, err)
				}
				dst := e.Dst
				if strings.ContainsAny(e.Src, "*?[") {
					if !strings.HasSuffix(dst, "/") {
						t.Errorf("glob %s: dst %s should be a directory ending in /", e.Src, dst)
					}
					dst += filepath.Base(m)
				}
				installed[dst] = true
			}
		}
		zsh := map[string]string{"deb": "/usr/share/zsh/vendor-completions/_domainsync", "rpm": "/usr/share/zsh/site-functions/_domainsync"}[packager]
		for _, want := range []string{
			"/usr/bin/domainsync",
			"/etc/domainsync/domainsync.yaml",
			"/usr/lib/systemd/system/domainsync.service",
			"/usr/lib/systemd/system/domainsync.timer",
			"/usr/share/man/man1/domainsync.1.gz",
			"/usr/share/man/man1/domainsync-sync.1.gz",
			"/usr/share/bash-completion/completions/domainsync",
			"/usr/share/fish/vendor_completions.d/domainsync.fish",
			zsh,
			"/usr/share/doc/domainsync/README.md",
			"/usr/share/doc/domainsync/crontab",
		} {
			if !installed[want] {
				t.Errorf("the %s package does not install %s", packager, want)
			}
		}
	}

	for _, e := range c.Contents {
		if e.Dst == "/etc/domainsync/domainsync.yaml" {
			if e.Type != "config|noreplace" || e.FileInfo.Mode != 0o600 || e.FileInfo.Owner != "root" || e.FileInfo.Group != "root" {
				t.Errorf("the config is %q %o %s:%s, want config|noreplace 0600 root:root", e.Type, e.FileInfo.Mode, e.FileInfo.Owner, e.FileInfo.Group)
			}
		}
		if e.Dst == "/usr/bin/domainsync" && e.FileInfo.Mode != 0o755 {
			t.Errorf("the binary's mode is %o", e.FileInfo.Mode)
		}
	}
	for name, path := range c.Scripts {
		if st, err := os.Stat(filepath.Join(repo, path)); err != nil || st.Size() == 0 {
			t.Errorf("script %s: %s (%v)", name, path, err)
		}
	}
	if c.License != "MIT" || c.Homepage == "" || c.Maintainer == "" || c.Description == "" || c.Version != "${PKG_VERSION}" {
		t.Errorf("metadata: license %q homepage %q maintainer %q version %q", c.License, c.Homepage, c.Maintainer, c.Version)
	}

	// The staged units and crontab run the packaged binary, not make install's.
	for _, f := range []string{"systemd/domainsync.service", "systemd/domainsync.timer", "doc/crontab"} {
		data, err := os.ReadFile(filepath.Join(stage, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "/usr/local/bin") {
			t.Errorf("staged %s still names /usr/local/bin", f)
		}
	}
	svc, _ := os.ReadFile(filepath.Join(stage, "systemd", "domainsync.service"))
	if !regexp.MustCompile(`(?m)^ExecStart=/usr/bin/domainsync sync `).Match(svc) {
		t.Errorf("staged domainsync.service: no ExecStart=/usr/bin/domainsync sync")
	}
}

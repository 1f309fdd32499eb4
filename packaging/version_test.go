package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// version.sh turns git tags into versions that dpkg and rpm accept and sort
// in release order.
func TestVersionScript(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	script, err := os.ReadFile("version.sh")
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "packaging"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "packaging", "version.sh"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2026-03-04T23:30:00Z", "GIT_COMMITTER_DATE=2026-03-04T23:30:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = repo, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	commit := func() string {
		run("git", "commit", "-q", "--allow-empty", "-m", "c")
		return run("git", "rev-parse", "--short=7", "HEAD")
	}
	version := func() string { return run("sh", "packaging/version.sh") }

	run("git", "init", "-q")
	run("git", "add", "packaging/version.sh")
	sha := commit()
	var got []string
	check := func(want string) {
		t.Helper()
		v := version()
		if v != want {
			t.Errorf("version %q, want %q", v, want)
		}
		got = append(got, v)
	}
	check("0.0.0~git20260304." + sha)
	run("git", "tag", "v1.2.0-rc.1")
	check("1.2.0~rc.1")
	commit()
	run("git", "tag", "v1.2.0")
	check("1.2.0")
	commit()
	sha = commit()
	check("1.2.0+git20260304.2." + sha)
	run("git", "tag", "not-a-version") // only v<digit> tags count
	if v := version(); v != got[len(got)-1] {
		t.Errorf("a non-version tag changed the version to %q", v)
	}
	if err := os.WriteFile(filepath.Join(repo, "packaging", "version.sh"), append(script, '\n'), 0o755); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != got[len(got)-1]+".dirty" {
		t.Errorf("uncommitted change: %q", v)
	}
	run("git", "checkout", "-q", "packaging/version.sh")
	commit()
	run("git", "tag", "v1.2.1")
	check("1.2.1")

	// Each version sorts after the one before, as dpkg and rpm compare them
	// (where they are installed: CI has both).
	_, dpkgErr := exec.LookPath("dpkg")
	_, rpmErr := exec.LookPath("rpm")
	for i := 1; i < len(got); i++ {
		if dpkgErr == nil {
			if err := exec.Command("dpkg", "--compare-versions", got[i-1], "lt", got[i]).Run(); err != nil {
				t.Errorf("dpkg does not sort %s before %s", got[i-1], got[i])
			}
		}
		if rpmErr == nil {
			out, err := exec.Command("rpm", "--eval", "%{lua:print(rpm.vercmp('"+got[i-1]+"', '"+got[i]+"'))}").Output()
			if err != nil || strings.TrimSpace(string(out)) != "-1" {
				t.Errorf("rpm does not sort %s before %s: %q %v", got[i-1], got[i], out, err)
			}
		}
	}
}

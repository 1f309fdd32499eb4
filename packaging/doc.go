// Package packaging holds the release packaging of domainsync (`make package`):
// nfpm.yaml (the .deb and .rpm contents and metadata), package.sh (builds the
// binaries, man pages, completions and units into dist/stage, then the
// packages, tarballs and SHA256SUMS), version.sh (the package version from
// the git tag) and scripts/ (the install and removal scripts). It has no Go
// code: its tests check nfpm.yaml against the repository and the build
// output, and version.sh against git tags.
package packaging

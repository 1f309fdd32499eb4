package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func init() {
	extraCommands = append(extraCommands, NewCmdGenDocs)
}

// NewCmdGenDocs builds the hidden "domainsync gen-docs DIR" used by
// "make docs": man pages in DIR/man, completions in DIR/completion.
func NewCmdGenDocs(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Generate man pages and shell completions (make docs)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return genDocs(c.Root(), args[0])
		},
	}
}

func genDocs(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true
	man := filepath.Join(dir, "man")
	comp := filepath.Join(dir, "completion")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenManTree(root, &doc.GenManHeader{Title: "DOMAINSYNC", Section: "1", Source: "domainsync " + Version}, man); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	for _, g := range []struct {
		file string
		gen  func(string) error
	}{
		{"domainsync.bash", func(p string) error { return root.GenBashCompletionFileV2(p, true) }},
		{"_domainsync", root.GenZshCompletionFile},
		{"domainsync.fish", func(p string) error { return root.GenFishCompletionFile(p, true) }},
	} {
		if err := g.gen(filepath.Join(comp, g.file)); err != nil {
			return fmt.Errorf("completion %s: %w", g.file, err)
		}
	}
	return nil
}

package report

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// sendmail hands the message to a local sendmail binary, the transport of
// WHMCS's PhpMail setting (PHP's mail() runs "sendmail -t -i"). The
// recipients are passed as arguments rather than read from the headers (-t),
// so that BCC addresses, which are never in a header, are delivered too; -i
// keeps a line holding a single dot from ending the message, and -f sets the
// envelope sender.
func sendmail(ctx context.Context, path, from string, rcpts []string, raw []byte) error {
	args := append([]string{"-i", "-f", from, "--"}, rcpts...)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = bytes.NewReader(raw)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		if msg != "" {
			return fmt.Errorf("report mail: %s: %v: %s", path, err, msg)
		}
		return fmt.Errorf("report mail: %s: %v", path, err)
	}
	return nil
}

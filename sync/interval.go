package sync

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// ParseInterval reads an update interval: a Go duration ("2h", "90m",
// "1h30m", "0") with one extension, whole or fractional days written as d
// ("1d", "1d12h", "1.5d", "2d30m"). A d part may appear anywhere a Go unit
// may. Negative values parse (Validate rejects them); an empty string is an
// error, write 0 for "every run".
func ParseInterval(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("interval is empty (write 0 for every run, or e.g. 2h or 1d)")
	}
	if !strings.Contains(in, "d") {
		d, err := time.ParseDuration(in)
		if err != nil {
			return 0, fmt.Errorf("interval %q: %w", s, err)
		}
		return d, nil
	}
	// Split off the sign, then each number+unit part; d parts are parsed as
	// hours and multiplied by 24, the rest as one Go duration.
	rest := in
	neg := false
	if rest[0] == '-' || rest[0] == '+' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	var total time.Duration
	var other strings.Builder
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] == '.' || ('0' <= rest[i] && rest[i] <= '9')) {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] == '.' || ('0' <= rest[j] && rest[j] <= '9')) {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || unit == "" {
			return 0, fmt.Errorf("interval %q: expected a number followed by a unit (d, h, m, s, ms), e.g. 2h or 1d12h", s)
		}
		if unit != "d" {
			other.WriteString(num + unit)
			continue
		}
		h, err := time.ParseDuration(num + "h")
		if err != nil {
			return 0, fmt.Errorf("interval %q: %q days: %w", s, num, err)
		}
		if h > math.MaxInt64/24 || total > math.MaxInt64-h*24 {
			return 0, fmt.Errorf("interval %q is too long", s)
		}
		total += h * 24
	}
	if other.Len() > 0 {
		d, err := time.ParseDuration(other.String())
		if err != nil {
			return 0, fmt.Errorf("interval %q: %w", s, err)
		}
		if total > math.MaxInt64-d {
			return 0, fmt.Errorf("interval %q is too long", s)
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, nil
}

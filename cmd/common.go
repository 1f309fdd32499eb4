package cmd

import "log/slog"

// effectiveConfig returns cfg when the caller supplied one (the demo, tests),
// else loads the configuration (file, environment, flags, WHMCS) and logs its
// warnings. Errors exit 1.
func effectiveConfig(cfg *Config, lo LoadOptions, flags func() []FlagValue, log *slog.Logger) (*Config, error) {
	if cfg != nil {
		return cfg, nil
	}
	if flags != nil {
		lo.Flags = flags()
	}
	c, src, err := LoadConfig(lo)
	if err != nil {
		return nil, WithExitCode(ExitError, err)
	}
	for _, w := range src.Warnings {
		log.Warn(w)
	}
	return c, nil
}

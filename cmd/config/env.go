package config

// The environment layer: the variables that override a key.

// Environment variables read by Load. An empty variable counts as unset
// (so `DOMAINSYNC_SMTP_PASSWORD=` in a unit file does not wipe the file's value).
const (
	EnvConfig               = "DOMAINSYNC_CONFIG"
	EnvDBDSN                = "DOMAINSYNC_DB_DSN"
	EnvOpenproviderUsername = "DOMAINSYNC_OPENPROVIDER_USERNAME"
	EnvOpenproviderPassword = "DOMAINSYNC_OPENPROVIDER_PASSWORD"
	EnvOpenproviderURL      = "DOMAINSYNC_OPENPROVIDER_URL"
	EnvSMTPPassword         = "DOMAINSYNC_SMTP_PASSWORD"
	EnvODRURL               = "DOMAINSYNC_ODR_URL"
	EnvODRAPIKey            = "DOMAINSYNC_ODR_API_KEY"
	EnvODRAPISecret         = "DOMAINSYNC_ODR_API_SECRET"
)

// envKeys maps each overriding environment variable to its key, in the
// order they are applied.
var envKeys = []struct{ env, key string }{
	{EnvDBDSN, "whmcs.dsn"},
	{EnvOpenproviderURL, "registrars.openprovider.url"},
	{EnvOpenproviderUsername, "registrars.openprovider.username"},
	{EnvOpenproviderPassword, "registrars.openprovider.password"},
	{EnvODRURL, "registrars.odr.url"},
	{EnvODRAPIKey, "registrars.odr.api_key"},
	{EnvODRAPISecret, "registrars.odr.api_secret"},
	{EnvSMTPPassword, "report.smtp.password"},
}

// EnvVars lists the environment variables that override a key, in the
// order they are applied ($DOMAINSYNC_CONFIG, which names the file, aside).
func EnvVars() []string {
	out := make([]string, len(envKeys))
	for i, e := range envKeys {
		out[i] = e.env
	}
	return out
}

// applyEnv applies the overriding environment variables.
func (l *loader) applyEnv() {
	for _, e := range envKeys {
		v, ok := l.in.Env(e.env)
		if !ok || v == "" {
			continue
		}
		k := keyByPath[e.key]
		if k.Secret {
			l.secrets = append(l.secrets, v, DSN(v).Password())
		}
		if err := l.setKey(k, v); err != nil {
			l.failed[e.key] = true
			l.problem("env %s: %s: %v", e.env, e.key, err)
			continue
		}
		l.src.Set(e.key, SourceEnv(e.env))
	}
}

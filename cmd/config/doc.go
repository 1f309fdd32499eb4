// Package config is domainsync's configuration: the YAML file, the
// environment, the command-line flags and the WHMCS installation
// (whmcs.dir), merged into one Config, with a record of where every
// effective value came from (Sources). Precedence everywhere: flags >
// environment > YAML file > WHMCS > built-in defaults.
//
// Load (LoadContext) is the entry point; problems come back together as one
// *Error naming where each is (file:line, env NAME or flag --name), the key
// and the value, never a secret. Secrets are typed (Secret, DSN) so that no
// way of printing a Config shows them.
//
// Files: schema.go (the sections), secret.go, source.go, load.go (the
// loader), decode.go and nodeindex.go (the YAML file), env.go and flags.go
// (the layers above it), whmcsdir.go, whmcsvalues.go and whmcsmerge.go (the
// layer below it), validate.go, registrars.go (per-registrar sync
// overrides), keys.go (the key registry), suggest.go, format.go (printing).
package config

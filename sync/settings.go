// Package sync holds the rules: the settings and their validation, the pure
// planning functions that decide what changes for one domain, the guard
// against suspicious mass changes, and the run loop that applies plans.
package sync

import "time"

// Settings are the sync options (the `sync:` section of the YAML file).
type Settings struct {
	BatchSize            int               `yaml:"batch_size"`
	UpdateInterval       time.Duration     `yaml:"-"` // parsed from update_interval ("2h", "1d", 0)
	Statuses             []string          `yaml:"statuses"`
	ExpiryDate           bool              `yaml:"expiry_date"`
	Status               bool              `yaml:"status"`
	DueDate              bool              `yaml:"due_date"`
	DueDateOffset        int               `yaml:"due_date_offset"`
	DueDateMaxDifference int               `yaml:"due_date_max_difference"`
	Invoices             bool              `yaml:"invoices"`
	AutoRenew            bool              `yaml:"auto_renew"`
	IDProtection         bool              `yaml:"id_protection"`
	StatusMap            map[string]string `yaml:"status_map"`
}

// DefaultSettings are the built-in defaults (the module's own fallbacks).
func DefaultSettings() Settings {
	return Settings{
		BatchSize:            200,
		UpdateInterval:       2 * time.Hour,
		Statuses:             []string{"Active", "Pending Registration", "Pending Transfer", "Grace", "Redemption", "Expired"},
		ExpiryDate:           true,
		Status:               true,
		DueDate:              true,
		DueDateOffset:        14,
		DueDateMaxDifference: 100,
		Invoices:             true,
		AutoRenew:            true,
		IDProtection:         true,
		StatusMap:            map[string]string{},
	}
}

// Package report holds the run report: its model, its renderings (HTML, plain
// text, JSON) and sending it by mail.
package report

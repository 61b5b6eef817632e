package main

import (
	"fmt"
	"log/slog"
	"strings"
)

// logger is the program's log: JSON lines (or text) on Stderr from
// LogLevel up.
func (m *Main) logger() *slog.Logger {
	if m.log == nil {
		level, _ := parseLogLevel(m.LogLevel)
		opts := &slog.HandlerOptions{Level: level}
		var h slog.Handler = slog.NewJSONHandler(m.Stderr, opts)
		if m.LogFormat == "text" {
			h = slog.NewTextHandler(m.Stderr, opts)
		}
		m.log = slog.New(h)
	}
	return m.log
}

// checkLogSettings refuses a log format or level that does not read.
func (m *Main) checkLogSettings() error {
	switch m.LogFormat {
	case "", "json", "text":
	default:
		return fmt.Errorf("--log-format (PAYGATE_LOG_FORMAT) must be json or text, got %q", m.LogFormat)
	}
	if _, err := parseLogLevel(m.LogLevel); err != nil {
		return err
	}
	return nil
}

func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("--log-level (PAYGATE_LOG_LEVEL) must be debug, info, warn or error, got %q", s)
}

package wal

// LogDir is logDir, for the external tests.
var LogDir = logDir

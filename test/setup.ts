// Portico never phones home, in tests least of all.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';

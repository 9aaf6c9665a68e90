// The child side of a benchmark process: announce readiness on stdout, stop cleanly on SIGTERM
// (so that --cpu-prof profiles get written).

/** Prints the one line the parent waits for. */
export function announceReady(value: unknown): void {
  process.stdout.write(`${JSON.stringify({ ready: value })}\n`);
}

export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().finally(() => process.exit(0));
    });
  }
}

/** Runs a process entry point; a failure to start is printed and exits non-zero. */
export function main(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

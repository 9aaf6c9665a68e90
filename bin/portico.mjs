#!/usr/bin/env node
// The `portico` executable: the compiled gateway (dist/src/main.js), with the same arguments; in a
// source checkout outside production, src/main.ts through tsx (see run.mjs).
import { runEntry } from './run.mjs';

await runEntry('src/main');

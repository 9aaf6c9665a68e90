#!/usr/bin/env node
// The `portico` executable: runs the TypeScript entry point through tsx, with the same arguments.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/main.ts', import.meta.url).href);

// npm run operations [-- --check]: the trusted documents manifest (Apollo's persisted query manifest
// format) from the operations folder (rest.operationsDir), written to security.manifest. With --check,
// writes nothing and exits 1 when the file is not what the operations make.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../src/config/index.js';
import { loadOperations } from '../src/rest/operations.js';
import { buildManifest } from '../src/security/trusted-documents.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

try {
  const config = await loadConfigFile();
  const operations = loadOperations(config.rest.operationsDir);
  const text = `${JSON.stringify(buildManifest(operations.values()), null, 2)}\n`;
  const path = config.security.manifest;
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: out of date
    }
    if (current !== text) {
      process.stderr.write(`${path} is out of date: run npm run operations\n`);
      process.exit(1);
    }
    process.stdout.write(`${path} is up to date (${operations.size} operations)\n`);
  } else {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}: ${operations.size} operations from ${config.rest.operationsDir}\n`);
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

// Config files that are code: TypeScript and JavaScript modules default-exporting the config.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../../src/config/index.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-config-file-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const env = {};

describe('loadConfigFile', () => {
  it('reads a TypeScript config, functions included', async () => {
    const dir = folder({
      'portico.config.ts': `const port: number = 4321;
export default { server: { port }, authorization: { policies: { open: (): boolean => true } } };\n`,
    });
    const config = await loadConfigFile({ env, file: join(dir, 'portico.config.ts') });
    expect(config.server.port).toBe(4321);
    expect(config.authorization.policies.open({} as never)).toBe(true);
  });

  it('reads an ES module config (.mjs)', async () => {
    const dir = folder({ 'portico.config.mjs': 'export default { server: { port: 4322 } };\n' });
    expect((await loadConfigFile({ env, file: join(dir, 'portico.config.mjs') })).server.port).toBe(4322);
  });

  it('refuses a module without a default export, naming the file', async () => {
    const dir = folder({ 'portico.config.mjs': 'export const server = { port: 4324 };\n' });
    const file = join(dir, 'portico.config.mjs');
    const error = await loadConfigFile({ env, file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`config: ${file}: must export default a config object (defineConfig)`);
  });
});

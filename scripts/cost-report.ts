// npm run cost-report -- [--url http://localhost:4000] [--token <admin token>] [--json]
// Asks a running gateway which lists are estimated furthest from their real sizes, and what each
// subgraph should declare. Without --token (or PORTICO_ADMIN_TOKEN) it signs a short admin token with
// the gateway config's HS256 secret, as `npm run token` does.
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ConfigError, loadConfigFile } from '../src/config/index.js';
import type { LearnedField } from '../src/cost/list-sizes.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:4000' },
    token: { type: 'string', default: process.env.PORTICO_ADMIN_TOKEN },
    json: { type: 'boolean', default: false },
  },
});

type Row = LearnedField;

async function adminToken(): Promise<string> {
  if (values.token) return values.token;
  const { auth, cost } = await loadConfigFile();
  if (!auth.jwtSecret) throw new ConfigError('auth.jwtSecret', 'pass --token: this gateway verifies tokens from a JWKS URL');
  let jwt = new SignJWT({ [auth.scopesClaim]: cost.reportScope }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('cost-report').setIssuedAt().setExpirationTime('1m');
  if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt = jwt.setAudience(auth.audience);
  return jwt.sign(new TextEncoder().encode(auth.jwtSecret));
}

try {
  const response = await fetch(new URL('/admin/cost/report?sync=1', values.url), { headers: { authorization: `Bearer ${await adminToken()}` } });
  const body = (await response.json()) as { defaultListSize?: number; fields?: Row[]; errors?: Array<{ message: string }> };
  if (!response.ok || !body.fields) {
    process.stderr.write(`cost-report: ${response.status} ${body.errors?.[0]?.message ?? ''}\n`);
    process.exit(1);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else if (body.fields.length === 0) {
    process.stdout.write('No list of undeclared size has been answered yet.\n');
  } else {
    process.stdout.write(`Lists without a declared size (default ${body.defaultListSize}), furthest from it first:\n\n`);
    const rows = body.fields.map((r) => [r.field, String(r.estimateSize), `${r.p50} / ${r.high} / ${r.max}`, String(r.clients), r.suggestion]);
    const head = ['field', 'estimated as', 'clients\' longest: median / high / max', 'clients', 'declare in the subgraph'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const row of [head, ...rows]) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`);
  }
} catch (error) {
  process.stderr.write(`cost-report: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
  process.exit(1);
}

// npm run token -- --sub alice [--scope "todos:admin users:read:email"] [--name Alice] [--email a@x.io] [--expires 1h]
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ConfigError, loadConfigFile } from '../src/config/index.js';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    scope: { type: 'string', default: '' },
    name: { type: 'string' },
    email: { type: 'string' },
    expires: { type: 'string', default: '1h' },
  },
});

if (!values.sub) {
  process.stderr.write('usage: npm run token -- --sub <subject> [--scope "a b"] [--name N] [--email E] [--expires 1h]\n');
  process.exit(1);
}

try {
  const { auth } = await loadConfigFile();
  if (!auth.jwtSecret) throw new ConfigError('auth.jwtSecret', 'tokens can be made only with an HS256 secret; this gateway verifies tokens from a JWKS URL');
  const claims: Record<string, string> = {};
  if (values.scope) claims[auth.scopesClaim] = values.scope;
  if (values.name) claims.name = values.name;
  if (values.email) claims.email = values.email;
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(values.sub).setIssuedAt().setExpirationTime(values.expires!);
  if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt = jwt.setAudience(auth.audience);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(auth.jwtSecret))}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

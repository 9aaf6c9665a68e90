// npm run gateway-public-key             the public key of this gateway's subgraphSecret (PORTICO_SUBGRAPH_SECRET)
// npm run gateway-public-key -- --generate  a new random secret for the gateway, and its public key
// The subgraphs get the public key (PORTICO_GATEWAY_PUBLIC_KEYS); only the gateway holds the secret.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../src/config/index.js';
import { gatewayPublicKey } from '../src/identity/signed-identity.js';

const { values } = parseArgs({ options: { generate: { type: 'boolean', default: false } } });

try {
  if (values.generate) {
    const secret = randomBytes(32).toString('base64url');
    process.stdout.write(`PORTICO_SUBGRAPH_SECRET=${secret}\nPORTICO_GATEWAY_PUBLIC_KEYS=${gatewayPublicKey(secret)}\n`);
  } else {
    const config = await loadConfigFile();
    if (config.usesDevSecrets.subgraph) process.stderr.write('no subgraphSecret set: this is the documented dev key, for development only\n');
    process.stdout.write(`${gatewayPublicKey(config.subgraphSecret)}\n`);
  }
} catch (error) {
  if (!(error instanceof ConfigError) && !(error instanceof Error && error.message.startsWith('subgraphSecret:'))) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

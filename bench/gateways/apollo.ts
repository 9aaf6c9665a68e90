// Process entry: the baseline. Plain @apollo/gateway + @apollo/server, nothing added.
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';
import { announceReady, main, stopOnSignal } from '../child.js';
import { readGatewayEnv } from './env.js';

main(async () => {
  const { supergraph } = readGatewayEnv();
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(supergraph, 'utf8') }) });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  stopOnSignal(() => server.stop());
  announceReady({ url: new URL('/graphql', url).toString() });
});

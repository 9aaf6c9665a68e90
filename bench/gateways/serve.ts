import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, stopOnSignal } from '../child.js';

/** Serves `handler` on 127.0.0.1 at a free port, announces its /graphql URL and stops on SIGTERM. */
export async function serveAndAnnounce(handler: RequestListener, stop: () => Promise<void> = async () => undefined): Promise<void> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stopOnSignal(async () => {
    await stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` });
}

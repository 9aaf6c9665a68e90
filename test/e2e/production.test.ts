import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startGateway } from '../helpers/stack.js';

describe('a gateway in production mode', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    // Subgraph URLs that nothing listens on: their failures must not leak to the client.
    gateway = await startGateway(
      { users: 'http://127.0.0.1:9/graphql', todos: 'http://127.0.0.1:9/graphql' },
      { env: 'production' },
    );
  });
  afterAll(() => gateway?.server.stop());

  it('turns off introspection and the sandbox', async () => {
    const { status, body } = await graphql(gateway.url, '{ __schema { types { name } } }');
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const page = await fetch(gateway.url.replace(/\/graphql$/, '/'), { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('sandbox');
  });

  it('never sends a stack trace to the client', async () => {
    const { body } = await graphql(gateway.url, '{ users { nodes { id } } }');
    const text = JSON.stringify(body);
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/stacktrace|\bat .+\.(js|ts):\d+/i);
  });
});

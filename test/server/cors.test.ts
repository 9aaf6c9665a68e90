import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
let custom: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  stack = await startStack();
  custom = await startGateway(
    { users: stack.users.url, todos: stack.todos.url },
    { server: { cors: { origins: ['https://app.example.com'], allowCredentials: true } } },
  );
});
afterAll(async () => {
  await custom?.server.stop();
  await stack?.stop();
});

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });

const query = (url: string, origin: string, bearer: string) =>
  fetch(url, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: '{ me { name } }' }),
  });

describe('CORS on the GraphQL endpoint', () => {
  it('lets Apollo’s hosted Sandbox call it by default, and no other site', async () => {
    const studio = await preflight(stack.url, 'https://studio.apollographql.com');
    expect(studio.status).toBe(204);
    expect(studio.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    expect(studio.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(studio.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
    expect(studio.headers.get('access-control-allow-credentials')).toBeNull();

    const evil = await preflight(stack.url, 'https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const read = await query(stack.url, 'https://evil.example', await token('cors-ann'));
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect(read.headers.get('vary')).toMatch(/origin/i);
  });

  it('answers a configured origin’s requests with its origin, credentials and the headers apps read', async () => {
    const bearer = await token('cors-bo', { name: 'Bo' });
    expect((await preflight(custom.url, 'https://app.example.com')).headers.get('access-control-allow-credentials')).toBe('true');
    const answer = await query(custom.url, 'https://app.example.com', bearer);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { data: unknown }).data).toEqual({ me: { name: 'Bo' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('access-control-expose-headers')).toContain('x-request-id');
    // A browser app may read what is left of its budget.
    expect(answer.headers.get('access-control-expose-headers')).toContain('ratelimit-remaining');
    expect(answer.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
    // The default origin is not allowed once the list is set.
    expect((await preflight(custom.url, 'https://studio.apollographql.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads origins from PORTICO_CORS_ORIGINS and refuses credentials with any origin', () => {
    const env = { PORTICO_CORS_ORIGINS: 'https://a.example, https://b.example' };
    expect(loadConfig({ env, file: '/dev/null' }).server.cors.origins).toEqual(['https://a.example', 'https://b.example']);
    expect(() => loadConfig({ env: { PORTICO_CORS_ORIGINS: '*', PORTICO_CORS_CREDENTIALS: 'true' }, file: '/dev/null' })).toThrow(/allowCredentials/);
  });
});

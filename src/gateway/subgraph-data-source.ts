import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from '../context.js';
import { signIdentity, type Identity } from '../identity/signed-identity.js';

function identityOf(context: Partial<GatewayContext>): Identity {
  const caller = context.caller;
  if (!caller?.sub) return { scopes: [] };
  const { name, email } = caller.claims as { name?: unknown; email?: unknown };
  return {
    sub: caller.sub,
    scopes: [...caller.scopes],
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
  };
}

/** Calls one subgraph with the caller's identity in a signed header and the request id. */
export class SignedSubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    // Health checks and schema loads carry no caller: they go out as anonymous, still signed.
    for (const [name, value] of Object.entries(signIdentity(identityOf(context ?? {}), this.secret))) {
      headers.set(name, value);
    }
    if (context?.requestId) headers.set('x-request-id', context.requestId);
  }
}

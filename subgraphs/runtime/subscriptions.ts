import { GraphQLError, getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import {
  connectionRequest,
  IDENTITY_HEADER,
  IdentityError,
  SIGNATURE_HEADER,
  type Identity,
  type RequestVerifier,
} from '../../src/identity/signed-identity.js';
import { serveGraphQLWs, type GraphQLWsServer } from '../../src/subscriptions/serve-ws.js';

export interface SubgraphSubscriptionsOptions {
  schema: GraphQLSchema;
  verifier: RequestVerifier;
  logger: Logger;
  /** The context of one subscription, for the identity its connection was opened with. */
  context(identity: Identity): Promise<object>;
}

/**
 * graphql-ws (`graphql-transport-ws`) for the gateway: a connection opens only with a valid signed
 * identity in `connection_init`'s payload (`x-portico-identity`, `x-portico-signature`), signed for
 * this subgraph and path, single-use; without one it is closed with 4401 and the reason. Only
 * subscriptions run over it (queries and mutations come over HTTP, signed per request).
 */
export function serveSubscriptions({ schema, verifier, logger, context }: SubgraphSubscriptionsOptions): GraphQLWsServer {
  const identities = new WeakMap<object, Identity>();
  return serveGraphQLWs(
    {
      schema,
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const value = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
        try {
          const path = (ctx.extra.request.url ?? '/').split('?', 1)[0];
          const { identity } = verifier.verifyRequest(connectionRequest(path), {
            identity: value(IDENTITY_HEADER),
            signature: value(SIGNATURE_HEADER),
          });
          identities.set(ctx, identity);
          return true;
        } catch (error) {
          if (!(error instanceof IdentityError)) throw error;
          logger.warn({ reason: error.message }, 'subscription connection refused: bad signed identity');
          ctx.extra.socket.close(4401, 'invalid or missing signed identity');
          return false;
        }
      },
      onSubscribe(_ctx, _id, payload) {
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation && operation.operation !== 'subscription') {
          return [new GraphQLError('Only subscriptions run over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_REQUEST' } })];
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx) => context(identities.get(ctx)!) as Promise<Record<string, unknown>>,
    },
    { onError: (error, where) => logger.error({ err: error, where }, 'subscription socket error') },
  );
}

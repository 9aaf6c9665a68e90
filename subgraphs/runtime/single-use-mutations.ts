import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** What the plugin reads of a request's context: whether its signature was single-use (had a nonce). */
export interface SignatureUse {
  singleUseSignature: boolean;
}

/**
 * Refuses (401 UNAUTHENTICATED) a mutation whose signature carried no nonce. The gateway signs every
 * mutation single-use, and the verifier accepts a nonce once; a mutation signed without one could be
 * replayed for the signature's whole lifetime. Decided once the operation is known, before any resolver.
 */
export function singleUseMutationsPlugin(logger: { warn(details: object, message: string): void }): ApolloServerPlugin<Partial<SignatureUse>> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation' || contextValue.singleUseSignature) return;
          logger.warn({ reason: 'mutation signed without a nonce' }, 'request refused: bad signed identity');
          throw new GraphQLError('invalid or missing signed identity', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        },
      };
    },
  };
}

// The demo's gateway config. Plain values can also live in portico.config.yaml or environment variables;
// policies for @policy are functions, so they live here. See README "Authorization".
import { defineConfig } from './src/config/index.js';

/** Minutes since the token was issued within which `recent-sign-in` holds. */
const RECENT_SIGN_IN_MINUTES = 30;

export default defineConfig({
  // REST routes over the operations in schema/operations (README "REST API").
  rest: { enabled: true },
  authorization: {
    policies: {
      // Deleting a to-do needs a token issued in the last 30 minutes (step-up for destructive actions).
      'recent-sign-in': ({ caller }) =>
        typeof caller.claims.iat === 'number' && Date.now() / 1000 - caller.claims.iat < RECENT_SIGN_IN_MINUTES * 60,
    },
  },
});

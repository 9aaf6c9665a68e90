// What the runner tells every gateway process, through its environment.

export interface GatewayEnv {
  /** The composed supergraph file. */
  supergraph: string;
  /** Portico only: verifies the bearer token the load carries. */
  jwtSecret: string;
  /** Portico only: signs the identity header to subgraphs. */
  subgraphSecret: string;
}

export function gatewayEnv(env: GatewayEnv): Record<string, string> {
  return { BENCH_SUPERGRAPH: env.supergraph, BENCH_JWT_SECRET: env.jwtSecret, BENCH_SUBGRAPH_SECRET: env.subgraphSecret };
}

export function readGatewayEnv(): GatewayEnv {
  const get = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set (the bench runner sets it)`);
    return value;
  };
  return { supergraph: get('BENCH_SUPERGRAPH'), jwtSecret: get('BENCH_JWT_SECRET'), subgraphSecret: get('BENCH_SUBGRAPH_SECRET') };
}

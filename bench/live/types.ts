// Messages between the runner and the subscriptions load process (bench/live/load-worker.ts).

export interface SubscriptionCommand {
  /** The gateway's GraphQL URL (http); subscribers connect to its ws:// twin. */
  url: string;
  /** One bearer token for every subscriber and for the mutation sender: the owner of the to-do. */
  token: string;
  subscribers: number;
  /** Mutations whose events are not yet delivered to every subscriber, at most (each sender waits for its event). */
  inFlight: number;
  warmupSeconds: number;
  durationSeconds: number;
  rounds: number;
  /** After each round, seconds of one sender (one mutation at a time); 0 skips it. */
  latencySeconds: number;
  /** The gateway's process, whose CPU time is read over each measured round (Linux only). */
  gatewayPid?: number;
}

export interface SubscriptionRound {
  /** Events received by subscribers per second over the round (deliveries, all subscribers). */
  eventsPerSecond: number;
  /** Mutations per second whose events went out. */
  mutationsPerSecond: number;
  /** From sending the mutation to one subscriber receiving its event, over every delivery of the round, ms. */
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  deliveries: number;
  mutations: number;
  seconds: number;
  /** Deliveries that did not arrive within 10 s of their mutation. */
  missed: number;
  /** The mutations' own HTTP answer time, p50, ms. */
  mutationP50: number;
  /** Mutations answered with a non-2xx or a GraphQL error. */
  mutationErrors: number;
  gatewayCpuMs?: number;
  gatewayRssMb?: number;
  /** The round's one-sender phase: mutation-to-delivery latency with one mutation at a time. */
  oneSender?: { latencyP50: number; latencyP99: number; mutations: number };
}

export interface SubscriptionResult {
  rounds: SubscriptionRound[];
  /** Subscriptions that ended (error, complete or a closed socket) while the run went on. */
  ended: number;
  /** Why, for the first few. */
  endings: string[];
}

export type SubscriptionReply = { result: SubscriptionResult } | { error: string } | { progress: string };

import { Counter, Gauge, type Registry } from 'prom-client';

/** Subscription metrics, in the gateway's registry (served at /metrics with the others). */
export function createSubscriptionMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'portico_subscription_connections', help: 'Open client WebSockets (graphql-ws)', registers }),
    upstreamConnections: new Gauge({ name: 'portico_subscription_upstream_connections', help: 'Open graphql-ws connections to subgraphs', registers }),
    active: new Gauge({ name: 'portico_subscriptions_active', help: 'Subscriptions running', registers }),
    started: new Counter({ name: 'portico_subscriptions_started_total', help: 'Subscriptions started, by outcome (ok, refused)', labelNames: ['outcome'], registers }),
    delivered: new Counter({ name: 'portico_subscription_events_delivered_total', help: 'Subscription events sent to clients', registers }),
    dropped: new Counter({
      name: 'portico_subscription_events_dropped_total',
      help: 'Subscription events not sent, by reason (slow_consumer: the socket was closed with them waiting; expired: the token had expired)',
      labelNames: ['reason'],
      registers,
    }),
  };
}

export type SubscriptionMetrics = ReturnType<typeof createSubscriptionMetrics>;

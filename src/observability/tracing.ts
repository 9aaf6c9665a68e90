import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ApolloServerPlugin } from '@apollo/server';
import type { IncomingMessage } from 'node:http';
import type { PorticoConfig } from '../config/index.js';

export const tracer = trace.getTracer('portico');

/**
 * Exports spans over OTLP/HTTP when an endpoint is configured (the standard OTEL_* variables), and
 * propagates W3C trace context. @apollo/gateway adds its own spans (plan, fetch, ...) once a provider
 * is registered. Returns a shutdown that flushes what is pending; nothing when tracing is off.
 */
export function startTracing(tracing: PorticoConfig['tracing']): (() => Promise<void>) | undefined {
  if (!tracing.endpoint) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': tracing.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracing.endpoint }), { scheduledDelayMillis: 500 })],
  });
  provider.register();
  return () => provider.shutdown();
}

/** Runs `work` in a server span for one HTTP request, continuing the caller's trace if it sent one. */
export function withRequestSpan<T>(req: IncomingMessage, work: (span: Span) => Promise<T>): Promise<T> {
  const parent: Context = propagation.extract(context.active(), req.headers);
  return tracer.startActiveSpan('portico.request', { kind: SpanKind.SERVER, attributes: { 'http.method': req.method ?? '' } }, parent, (span) =>
    work(span).finally(() => span.end()),
  );
}

/** Spans for parsing and validation, children of the request span. */
export function createTracingPlugin(): ApolloServerPlugin {
  const step = (name: string) => {
    const span = tracer.startSpan(name);
    return async (error?: unknown) => {
      if (error) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
  };
  return {
    async requestDidStart() {
      return {
        async parsingDidStart() {
          return step('portico.parse');
        },
        async validationDidStart() {
          const end = step('portico.validate');
          return async (errors?: readonly Error[]) => end(errors?.length ? errors : undefined);
        },
        async didResolveOperation({ operationName, operation }) {
          trace.getActiveSpan()?.setAttributes({ 'graphql.operation.name': operationName ?? '', 'graphql.operation.type': operation?.operation ?? '' });
        },
      };
    },
  };
}

/** Adds the active trace context to outgoing headers (W3C traceparent). */
export function injectTraceContext(set: (name: string, value: string) => void): void {
  propagation.inject(context.active(), {}, { set: (_carrier, name, value) => set(name, value) });
}

import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Supergraph } from '../gateway/supergraph.js';
import type { Operation, OperationResponse, OperationResult } from './operation.js';

/** What a plugin may ask of the rest of one operation. */
export interface OperationScope {
  /** Answers without executing (a cache hit); the first answer that is not null wins. */
  respondWith(responder: () => Promise<OperationResult | null>): void;
  /** Runs before the response leaves, also for refused operations; the last registered runs first. */
  onResponse(hook: (response: OperationResponse) => void | Promise<void>): void;
}

/**
 * One concern of Portico, as a factory `useX(options)` returns it (envelop's and Hive Gateway's shape):
 * optional hooks, called in the order of the plugin list in create-server.ts.
 */
export interface PorticoPlugin {
  name: string;
  /** A supergraph goes live: rebuild what depends on it. */
  onSupergraph?(supergraph: Supergraph, apiSchema: GraphQLSchema): void;
  /**
   * Once per operation, parsed and validated, in plugin order. It may rewrite the operation, register
   * hooks on the scope, or throw a GraphQLError to refuse it (`extensions.http` for status and headers).
   */
  onOperation?(operation: Operation, scope: OperationScope): void | Promise<void>;
}

/** One operation's way through the plugins. */
export interface PipelineRun {
  /** The error a plugin refused the operation with, if one did (the later plugins did not run). */
  refused?: unknown;
  /** A plugin's answer (a cache hit), or null: then the entry point executes the operation. */
  respond(): Promise<OperationResult | null>;
  /** The response hooks, last registered first. */
  finish(response: OperationResponse): Promise<void>;
}

/** What an entry point gives the pipeline to make an Operation of. */
export type OperationInput = Omit<Operation, 'runs' | 'rewrite' | 'analysis'> & { runs: Operation['runs'] };

/**
 * The one request pipeline: every entry point makes an Operation and runs it through here, so each
 * plugin's part runs exactly once per operation whatever the entry point and whether the cache answers.
 * It also holds the per-document analyses (one per supergraph and document, dropped with the document).
 */
export function createPipeline(plugins: readonly PorticoPlugin[]) {
  let analyses = new WeakMap<DocumentNode, Map<string, unknown>>();

  function operation(input: OperationInput): Operation {
    let runs = input.runs;
    return {
      ...input,
      get runs() {
        return runs;
      },
      rewrite(to) {
        runs = to;
      },
      analysis<T>(part: string, make: () => T): T {
        let parts = analyses.get(runs.document);
        if (!parts) analyses.set(runs.document, (parts = new Map()));
        const key = `${part}:${runs.definition.name?.value ?? ''}`;
        if (parts.has(key)) return parts.get(key) as T;
        const made = make();
        parts.set(key, made);
        return made;
      },
    };
  }

  return {
    plugins,
    operation,
    /** A new supergraph: every plugin rebuilds, every analysis of the old one is forgotten. */
    useSupergraph(supergraph: Supergraph, apiSchema: GraphQLSchema): void {
      analyses = new WeakMap();
      for (const plugin of plugins) plugin.onSupergraph?.(supergraph, apiSchema);
    },
    async start(op: Operation): Promise<PipelineRun> {
      const responders: Array<() => Promise<OperationResult | null>> = [];
      const hooks: Array<(response: OperationResponse) => void | Promise<void>> = [];
      const scope: OperationScope = {
        respondWith: (responder) => void responders.push(responder),
        onResponse: (hook) => void hooks.push(hook),
      };
      const run: PipelineRun = {
        async respond() {
          for (const responder of responders) {
            const result = await responder();
            if (result) return result;
          }
          return null;
        },
        async finish(response) {
          for (let i = hooks.length - 1; i >= 0; i--) await hooks[i](response);
        },
      };
      try {
        for (const plugin of plugins) await plugin.onOperation?.(op, scope);
      } catch (error) {
        run.refused = error;
        responders.length = 0;
      }
      return run;
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;

import type { LoadCommand, LoadReply, LoadResult } from './load-types.js';
import { startChild } from './processes.js';

export interface LoadGenerator {
  run(command: Omit<LoadCommand, 'id'>): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Starts the autocannon process; commands run one at a time. */
export async function startLoadGenerator(cpu: number | undefined): Promise<LoadGenerator> {
  const child = await startChild<true>({ script: new URL('./load-worker.ts', import.meta.url).pathname, cpu, ipc: true });
  let next = 0;
  return {
    run(command) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const onMessage = (reply: LoadReply) => {
          if (reply.id !== id) return;
          child.process.off('message', onMessage);
          if ('error' in reply) reject(new Error(reply.error));
          else resolve(reply.result);
        };
        child.process.on('message', onMessage);
        child.process.send({ ...command, id } satisfies LoadCommand);
      });
    },
    stop: child.stop,
  };
}

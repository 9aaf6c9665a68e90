// Process entry: the subscriptions load, apart from the runner and the gateway. It opens the
// subscribers (one graphql-ws socket and one `todoChanged` subscription each), then sends mutations
// over HTTP and times each event from its mutation's sending to its arrival at each subscriber.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Agent, request } from 'undici';
import { announceReady, main } from '../child.js';
import { processTreeCpuMs } from '../cpu-time.js';
import type { SubscriptionCommand, SubscriptionReply, SubscriptionResult, SubscriptionRound } from './types.js';
import { ADD_TODO, SUBSCRIPTION, titleOf, sequenceOf, UPDATE_TODO } from './workload.js';

const DELIVERY_TIMEOUT_MS = 10_000;
const CONNECT_BATCH = 50;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
const say = (progress: string) => process.send!({ progress } satisfies SubscriptionReply);

interface Pending {
  sentAt: number;
  delivered: number;
  done(): void;
  timer: NodeJS.Timeout;
}

async function run(command: SubscriptionCommand): Promise<SubscriptionResult> {
  const origin = new URL(command.url);
  const agent = new Agent({ connections: command.inFlight + 2 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${command.token}` };
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await request(command.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), dispatcher: agent });
    const body = (await response.body.json()) as { data?: Record<string, { id: string }>; errors?: unknown };
    if (response.statusCode !== 200 || body.errors) throw new Error(`HTTP ${response.statusCode}: ${JSON.stringify(body).slice(0, 300)}`);
    return body.data!;
  };

  // The owner's one to-do that every mutation renames: every subscriber (the owner, on every socket) gets each change.
  const todoId = (await post(ADD_TODO, { input: { title: titleOf(0) } })).addTodo.id;

  const pending = new Map<number, Pending>();
  let latencies: number[] = [];
  let deliveries = 0;
  let missed = 0;
  let ended = 0;
  const endings: string[] = [];
  const primed = new Set<number>();
  let onPrimed: (() => void) | undefined;
  const end = (why: string) => {
    ended++;
    if (endings.length < 5) endings.push(why);
  };

  const clients: Client[] = [];
  const subscribe = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const client = createClient({
        url: origin.href.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: headers.authorization },
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: (error) => reject(new Error(`subscriber ${index}: ${JSON.stringify(error).slice(0, 200)}`)),
        on: { connected: () => resolve() },
      });
      clients.push(client);
      client.subscribe<{ todoChanged: { todo: { title: string } | null } }>(
        { query: SUBSCRIPTION },
        {
          next: (result) => {
            const at = performance.now();
            const title = result.data?.todoChanged.todo?.title;
            if (!title) return end(`subscriber ${index}: ${JSON.stringify(result).slice(0, 200)}`);
            if (!primed.has(index)) {
              primed.add(index);
              if (primed.size === command.subscribers) onPrimed?.();
            }
            const entry = pending.get(sequenceOf(title));
            if (!entry) return;
            deliveries++;
            latencies.push(at - entry.sentAt);
            if (++entry.delivered === command.subscribers) entry.done();
          },
          error: (error) => end(`subscriber ${index} error: ${JSON.stringify(error).slice(0, 200)}`),
          complete: () => end(`subscriber ${index} completed`),
        },
      );
    });

  for (let i = 0; i < command.subscribers; i += CONNECT_BATCH) {
    await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, command.subscribers - i) }, (_, k) => subscribe(i + k)));
  }
  say(`${command.subscribers} subscribers connected`);

  let sequence = 0;
  let mutationErrors = 0;
  /** How long each mutation's HTTP answer took (the event may arrive before or after it). */
  let mutationTimes: number[] = [];
  /** One mutation, resolved once every subscriber has its event (or after the timeout, the rest counted missed). */
  const mutate = async () => {
    const seq = ++sequence;
    const sentAt = performance.now();
    const delivered = new Promise<void>((resolve) => {
      const entry: Pending = {
        sentAt,
        delivered: 0,
        done: () => {
          clearTimeout(entry.timer);
          pending.delete(seq);
          resolve();
        },
        timer: setTimeout(() => {
          missed += command.subscribers - entry.delivered;
          entry.done();
        }, DELIVERY_TIMEOUT_MS),
      };
      pending.set(seq, entry);
    });
    try {
      await post(UPDATE_TODO, { id: todoId, input: { title: titleOf(seq) } });
      mutationTimes.push(performance.now() - sentAt);
    } catch (error) {
      mutationErrors++;
      if (mutationErrors <= 3) say(`mutation failed: ${(error as Error).message}`);
      pending.get(seq)?.done();
    }
    await delivered;
  };

  // Subscriptions start asynchronously at the gateway: rename the to-do (outside the measured
  // sequence) until every subscriber has had an event.
  const allPrimed = new Promise<void>((resolve) => (onPrimed = resolve));
  const primeUntil = performance.now() + 30_000;
  while (primed.size < command.subscribers && performance.now() < primeUntil) {
    await post(UPDATE_TODO, { id: todoId, input: { title: titleOf(0) } });
    await Promise.race([allPrimed, new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  if (primed.size < command.subscribers) throw new Error(`only ${primed.size} of ${command.subscribers} subscribers received an event within 30 s`);
  say('every subscriber receives events');

  /** `senders` senders, each sending its next mutation once the previous one's event reached every subscriber. */
  const load = async (seconds: number, senders = command.inFlight) => {
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: senders }, async () => {
        while (performance.now() < until) await mutate();
      }),
    );
  };

  const rounds: SubscriptionRound[] = [];
  try {
    if (command.warmupSeconds > 0) await load(command.warmupSeconds);
    for (let round = 1; round <= command.rounds; round++) {
      latencies = [];
      deliveries = 0;
      missed = 0;
      mutationErrors = 0;
      mutationTimes = [];
      const firstSequence = sequence;
      const cpuBefore = processTreeCpuMs(command.gatewayPid);
      const started = performance.now();
      await load(command.durationSeconds);
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = processTreeCpuMs(command.gatewayPid);
      const sorted = latencies.sort((a, b) => a - b);
      const mutations = sequence - firstSequence;
      rounds.push({
        eventsPerSecond: deliveries / seconds,
        mutationsPerSecond: mutations / seconds,
        latencyP50: percentile(sorted, 50),
        latencyP99: percentile(sorted, 99),
        latencyMax: sorted.at(-1) ?? 0,
        deliveries,
        mutations,
        seconds,
        missed,
        mutationErrors,
        mutationP50: percentile(mutationTimes.sort((a, b) => a - b), 50),
        ...(cpuBefore !== undefined && cpuAfter !== undefined ? { gatewayCpuMs: cpuAfter - cpuBefore } : {}),
      });
      say(`round ${round}/${command.rounds}: ${(deliveries / seconds).toFixed(0)} events/s delivered, p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, mutation answered in ${percentile(mutationTimes, 50).toFixed(1)} ms (p50)`);
      if (command.latencySeconds > 0) {
        // One mutation at a time: what one change waits for, without the queue of the others.
        latencies = [];
        const before = sequence;
        await load(command.latencySeconds, 1);
        const alone = latencies.sort((a, b) => a - b);
        rounds.at(-1)!.oneSender = { latencyP50: percentile(alone, 50), latencyP99: percentile(alone, 99), mutations: sequence - before };
        rounds.at(-1)!.missed = missed;
        say(`round ${round}/${command.rounds}, one mutation at a time: p50 ${percentile(alone, 50).toFixed(1)} ms, p99 ${percentile(alone, 99).toFixed(1)} ms`);
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await agent.close();
  }
  return { rounds, ended, endings };
}

main(async () => {
  if (!process.send) throw new Error('the subscriptions load must be started with an IPC channel');
  process.once('message', (command: SubscriptionCommand) => {
    run(command).then(
      (result) => process.send!({ result } satisfies SubscriptionReply),
      (error: Error) => process.send!({ error: error.message } satisfies SubscriptionReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  announceReady(true);
});

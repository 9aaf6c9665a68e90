// CPU time a gateway spends, read from /proc: unlike requests per second it does not move when the
// other core is busy or the VM is slowed, so "CPU per request" is the steadier measure of its cost.
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, in ms; the command name may hold spaces, so fields count from its `)`. */
function ownCpuMs(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function children(pid: number): number[] {
  const tasks = read(`/proc/${pid}/task/${pid}/children`);
  return tasks ? tasks.trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Resident memory of one process in KB (VmRSS). */
function ownRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) : 0;
}

/** `measure` summed over a process and its live descendants (cluster workers); undefined off Linux. */
function overTree(pid: number | undefined, measure: (pid: number) => number): number | undefined {
  if (pid === undefined || read(`/proc/${pid}/stat`) === undefined) return undefined;
  let total = 0;
  const pending = [pid];
  while (pending.length) {
    const next = pending.pop()!;
    total += measure(next);
    pending.push(...children(next));
  }
  return total;
}

/** CPU ms used so far by a process and its live descendants (cluster workers); undefined off Linux. */
export const processTreeCpuMs = (pid: number | undefined) => overTree(pid, ownCpuMs);

/** Resident memory now of a process and its live descendants, in MB; undefined off Linux. */
export function processTreeRssMb(pid: number | undefined): number | undefined {
  const kb = overTree(pid, ownRssKb);
  return kb === undefined ? undefined : kb / 1024;
}

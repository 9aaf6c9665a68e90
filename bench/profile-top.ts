// `npx tsx bench/profile-top.ts <file.cpuprofile> [count]`: the functions with the most self time in a
// V8 CPU profile (as written by `npm run bench -- --profile <dir>`), as a Markdown table.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `package/file.js` for a dependency, the path under the repository otherwise. */
function where(url: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `${name} ${basename(path)}`;
  }
  const repo = path.search(/\/(src|bench|subgraphs)\//);
  return repo >= 0 ? path.slice(repo + 1) : basename(path);
}

function top(profile: Profile, count: number): string {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, number>();
  // Each sample's time is the delta to the next one; the node sampled is the one running.
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'}\t${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfMicros].filter(([key]) => key.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  const rows = [...selfMicros].filter(([key]) => !key.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, count);
  // The same self time by package (or by folder of this repository, or V8's own entries).
  const byArea = new Map<string, number>();
  for (const [key, micros] of selfMicros) {
    if (key.startsWith('(idle)')) continue;
    const [name, at] = key.split('\t');
    const area = at.includes(' ') ? at.split(' ')[0] : /^(src|bench|subgraphs)\//.test(at) ? at.split('/').slice(0, 2).join('/') : at ? 'node internals' : name;
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  }
  const share = (micros: number) => ((100 * micros) / busy).toFixed(1);
  return [
    `${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s profiled; shares are of the busy time.`,
    '',
    '| # | self % | function | where |',
    '| ---: | ---: | --- | --- |',
    ...rows.map(([key, micros], i) => {
      const [name, at] = key.split('\t');
      return `| ${i + 1} | ${share(micros)} | \`${name}\` | ${at} |`;
    }),
    '',
    '| by package or folder | self % |',
    '| --- | ---: |',
    ...[...byArea].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([area, micros]) => `| ${area} | ${share(micros)} |`),
  ].join('\n');
}

const [file, count] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/profile-top.ts <file.cpuprofile> [count]\n');
  process.exit(2);
}
process.stdout.write(`${top(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(count ?? 15))}\n`);

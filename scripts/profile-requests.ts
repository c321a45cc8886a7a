/**
 * Where a request's CPU goes: the app in this process under the V8 profiler (node:inspector) while wrk
 * drives one URL, then the top functions by self and inclusive time. Not a benchmark (the profiler
 * slows the app): it says what to cut. `tsx scripts/profile-requests.ts [report|login|status] [seconds] [out.cpuprofile]`.
 */
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/shared/config.js';
import { startRuntime } from '../src/runtime.js';
import { SESSION_COOKIE } from '../src/web/session.js';
import { HttpClient } from '../tests/helpers/http-client.js';
import { seededList } from './bench-seed.js';
import { runWrk, uploadAnsweredList } from './bench-requests.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Self and inclusive sample shares per function (name, file:line), inclusive counted once per stack. */
export function summarise(profile: Profile, top = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules\/|src\/|views\/)/, '$1')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    total++;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    }
  }
  const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  return `${total} busy samples\n\nSELF\n${list(self)}\n\nINCLUSIVE\n${list(inclusive)}`;
}

const [what = 'report', secondsArg = '10', out = join(tmpdir(), `requests-${what}.cpuprofile`)] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'profile-requests-'));
const databasePath = join(dir, 'bench.sqlite');
const runtime = await startRuntime(loadConfig({ DATABASE_PATH: databasePath, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', VT_API_KEY: '', VT_API_URL: 'http://127.0.0.1:9/api/v3' }));
try {
  const client = new HttpClient(runtime.url);
  await client.register('profile-requests@example.test');
  const listFile = join(dir, 'list.txt');
  writeFileSync(listFile, seededList(databasePath, 104));
  const reportPath = await uploadAnsweredList(runtime.url, client, listFile);
  await (await client.request(reportPath)).arrayBuffer();
  const cookie = `${SESSION_COOKIE}=${client.cookie(SESSION_COOKIE) ?? ''}`;
  const url = new URL(what === 'login' ? '/login' : what === 'status' ? `${reportPath}/status.json` : reportPath, runtime.url).href;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const figures = await runWrk(what, url, Number(secondsArg), process.pid, what === 'login' ? undefined : cookie);
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  writeFileSync(out, JSON.stringify(profile));
  console.log(JSON.stringify(figures));
  console.log(summarise(profile));
} finally {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
}

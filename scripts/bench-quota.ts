/**
 * `npm run bench:quota`: drives N uncached hash lines (default 1000; `npm run bench:quota -- --n=3000`)
 * through the real pipeline (HTTP uploads into the app started with startRuntime on a temp SQLite
 * file, the lookup engine, real HTTP calls) against the fake VirusTotal, with the "minute" shrunk to
 * `--window-ms` (default 2000 ms) on both sides. Two shared keys (VT_API_KEYS), a public-like one
 * (20 per window) and a premium-like one (60 per window): 40 calls/s at the default window. With
 * no quota in the way the whole pipeline manages about 180-270 calls/s on the 2-core development
 * machine when it is otherwise idle (nearer 100 when other work shares it), so at a 1000 ms window
 * (80 calls/s) the machine has less than 3x headroom; at 2000 ms the pool plainly sets the pace, and
 * each call's fixed milliseconds weigh half as much against the window. Prints calls per distinct file,
 * quota use while work waited, 429s caused and the small-behind-large latency, against the issue's
 * targets. Exits non-zero only on a crash, never on a missed target.
 *
 * Workload (seeded, `--seed=`): distinct files come from seeded random SHA-256s that the fake brings
 * into being (generate mode) before the run, so all three hashes of a found file are aliases. Four
 * users upload five large lists (user 1 two). Each line is a fresh file under a random hash type, an
 * alias (a file already in another user's list, under a hash type not yet used for it) or a repeat
 * (the very same hash as in another report). Small behind large: while the large lists run, three
 * more users each upload 10 fresh hashes of mixed types, 1.25, 2.5 and 3.75 windows after the first
 * call: one sample would say more about where in the window it landed than about the scheduler.
 *
 * `--db-dir=/dev/shm` puts the SQLite file on tmpfs (no fsync cost), to tell the disk from the engine.
 * BENCH_VERBOSE=1 adds where each slot's time went; BENCH_LOG_LEVEL=warn shows the app's log on stderr.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../src/shared/config.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { startVtSimulator, type KeyLimits, type VtSimulator } from './vt-simulator/simulator.js';
import { mulberry32 } from './vt-simulator/prng.js';
import { keyFingerprint } from '../src/lookups/api-key.js';

type HashType = 'md5' | 'sha1' | 'sha256';

function flag(name: string, fallback: number): number {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const N = Math.round(flag('n', 1000));
const WINDOW_MS = Math.round(flag('window-ms', 2000));
const SEED = Math.round(flag('seed', 1));
/** Where the temp SQLite file goes (default: the OS temp dir); `--db-dir=/dev/shm` takes fsync out, to tell disk from engine. */
const DB_DIR = process.argv.slice(2).find((a) => a.startsWith('--db-dir='))?.slice('--db-dir='.length) || tmpdir();
const VERBOSE = Boolean(process.env.BENCH_VERBOSE);
const MAX_IN_FLIGHT = 8;
const SMALL_LIST = 10;
/** When each small list is sent, in windows after the first call the fake saw. */
const SMALL_AT_WINDOWS = [1.25, 2.5, 3.75];
/** key:perMinute:perDay, as an operator would set VT_API_KEYS; the fake is given the same limits. */
const KEYS = [
  { name: 'public-like', secret: 'bench-public-like-key-0001', perMinute: 20 },
  { name: 'premium-like', secret: 'bench-premium-like-key-0002', perMinute: 60 },
] as const;
const PER_DAY = 10_000_000;
const VT_API_KEYS = KEYS.map((k) => `${k.secret}:${k.perMinute}:${PER_DAY}`).join(',');
const PER_WINDOW = KEYS.reduce((a, k) => a + k.perMinute, 0);

/** A browser without JavaScript, as in the tests' HttpClient: cookies, CSRF token from the page, no redirects followed. */
class Client {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  }

  private async csrf(path: string): Promise<string> {
    const html = await (await this.request(path)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path}`);
    return token;
  }

  async register(email: string): Promise<void> {
    const password = 'correct horse battery staple';
    const body = new URLSearchParams({ _csrf: await this.csrf('/register'), email, password, confirm: password });
    const response = await this.request('/register', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    await response.text();
    if (response.status !== 303) throw new Error(`register answered ${response.status}`);
  }

  /** The upload form as multipart, token first; returns the new report's id. */
  async upload(name: string, lines: string[]): Promise<string> {
    const form = new FormData();
    form.append('_csrf', await this.csrf('/reports/new'));
    form.append('file', new Blob([lines.join('\n') + '\n'], { type: 'text/plain' }), `${name}.txt`);
    form.append('name', name);
    const response = await this.request('/reports', { method: 'POST', body: form });
    await response.text();
    const id = /^\/reports\/([A-Za-z0-9_-]+)$/.exec(response.headers.get('location') ?? '')?.[1];
    if (response.status !== 303 || !id) throw new Error(`upload answered ${response.status} ${response.headers.get('location')}`);
    return id;
  }

  async json<T>(path: string): Promise<T> {
    const response = await this.request(path);
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return (await response.json()) as T;
  }
}

interface Status { status: string; counts: Record<string, number> }
interface Export { createdAt: string; completedAt: string | null; counts: Record<string, number>; items: Array<{ status: string; error: string | null }> }

/** One distinct file: its hashes by type (a file VirusTotal does not know has only the one it was asked by). */
interface BenchFile { hashes: Partial<Record<HashType, string>>; found: boolean; usedBy: Set<number>; typesUsed: Set<HashType> }

function buildWorkload(sim: VtSimulator) {
  const rand = mulberry32(SEED);
  let made = 0;
  const newFile = (): BenchFile => {
    const sha256 = createHash('sha256').update(`bench-quota:${SEED}:${made++}`).digest('hex');
    // Asks the fake to bring the file into being now, so its MD5 and SHA-1 name the same file later.
    const file = sim.fileFor(sha256);
    const a = file?.data.attributes;
    const hashes = a ? { md5: String(a['md5']), sha1: String(a['sha1']), sha256 } : { sha256 };
    return { hashes, found: file !== undefined, usedBy: new Set(), typesUsed: new Set() };
  };
  const typeOf = (f: BenchFile): HashType => {
    const types = Object.keys(f.hashes) as HashType[];
    return types[Math.floor(rand() * types.length)]!;
  };
  // Five large lists: user 1 has two, users 2-4 one each, of uneven sizes.
  const reports = [
    { user: 1, weight: 0.3 },
    { user: 1, weight: 0.1 },
    { user: 2, weight: 0.25 },
    { user: 3, weight: 0.2 },
    { user: 4, weight: 0.15 },
  ].map((r) => ({ ...r, lines: [] as string[], has: new Set<string>() }));
  const used: BenchFile[] = [];
  const placed: Array<{ hash: string; report: number }> = [];
  const kinds = { fresh: 0, alias: 0, repeat: 0 };
  for (let i = 0; i < N; i++) {
    let x = rand();
    let r = 0;
    while (r < reports.length - 1 && x >= reports[r]!.weight) x -= reports[r++]!.weight;
    const report = reports[r]!;
    const roll = rand();
    let hash: string | undefined;
    if (roll < 0.15) {
      // An alias: a found file another user listed, under a hash type nobody used for it yet.
      const candidates = used.filter((f) => f.found && f.typesUsed.size < 3 && [...f.usedBy].some((u) => u !== report.user));
      const file = candidates[Math.floor(rand() * candidates.length)];
      if (file) {
        const free = (['md5', 'sha1', 'sha256'] as const).filter((t) => !file.typesUsed.has(t));
        const type = free[Math.floor(rand() * free.length)]!;
        hash = file.hashes[type]!;
        file.typesUsed.add(type);
        file.usedBy.add(report.user);
        kinds.alias++;
      }
    } else if (roll < 0.27) {
      // A repeat: the very same hash as in another report.
      const candidates = placed.filter((p) => p.report !== r && !report.has.has(p.hash));
      const pick = candidates[Math.floor(rand() * candidates.length)];
      if (pick) {
        hash = pick.hash;
        kinds.repeat++;
      }
    }
    if (hash === undefined) {
      const file = newFile();
      const type = typeOf(file);
      hash = file.hashes[type]!;
      file.typesUsed.add(type);
      file.usedBy.add(report.user);
      used.push(file);
      kinds.fresh++;
    }
    report.lines.push(hash);
    report.has.add(hash);
    placed.push({ hash, report: r });
  }
  const smalls = SMALL_AT_WINDOWS.map(() => {
    const small: string[] = [];
    for (let i = 0; i < SMALL_LIST; i++) {
      const file = newFile();
      const type = (['md5', 'sha1', 'sha256'] as const)[i % 3]!;
      small.push(file.hashes[type] ?? file.hashes.sha256!);
    }
    return small;
  });
  return { reports, smalls, kinds };
}

/** The commit measured, and whether src/ had uncommitted changes: figures belong to a version of the code. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('--no-optional-locks', 'status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty > 0 ? ` + uncommitted changes in ${dirty} src file(s)` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const typeOfHash = (h: string): HashType => (h.length === 32 ? 'md5' : h.length === 40 ? 'sha1' : 'sha256');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 3) => n.toFixed(digits);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percentile = (xs: number[], q: number) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};
const median = (xs: number[]) => percentile(xs, 0.5);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(DB_DIR, 'bench-quota-'));
  let sim: VtSimulator | null = null;
  let runtime: Runtime | null = null;
  try {
    sim = await startVtSimulator({
      keys: Object.fromEntries(KEYS.map((k): [string, KeyLimits] => [k.secret, { perMinute: k.perMinute, perDay: PER_DAY }])),
      generate: true,
      minuteMs: WINDOW_MS,
    });
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'app.sqlite'),
      VT_API_URL: sim.url,
      VT_API_KEYS,
      LOG_LEVEL: 'silent',
    });
    const parsed = config.vt.keys.map((k) => `${k.secret}:${k.perMinute}:${k.perDay}`).join(',');
    if (parsed !== VT_API_KEYS) throw new Error(`the app read VT_API_KEYS as ${parsed}`);
    runtime = await startRuntime(config, {
      logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
      rateWindowMs: WINDOW_MS,
      maxInFlight: MAX_IN_FLIGHT,
    });
    const { reports, smalls, kinds } = buildWorkload(sim);
    const smallUsers = smalls.map((_, i) => 5 + i);

    // Everyone registers first: argon2 is CPU work that has no place inside the measurement.
    const clients = new Map<number, Client>();
    for (const user of [1, 2, 3, 4, ...smallUsers]) {
      const client = new Client(runtime.url);
      await client.register(`bench-user-${user}@example.test`);
      clients.set(user, client);
    }
    const client = (user: number) => clients.get(user)!;

    // Completion is read from the database, not by polling status.json: each status.json computes
    // an estimate, and a benchmark that polls hard enough competes with the scheduler for the one
    // main thread it measures. (Results still come back over HTTP, from export.json, at the end.)
    const { db } = runtime.database;
    const unfinished = async (ids: string[]) =>
      ids.length === 0 ? 0 : Number((await db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', ids).where('state', '!=', 'completed').executeTakeFirstOrThrow()).n);

    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const cpuBefore = process.cpuUsage();
    // Verbose only: how many lookups are in flight, sampled every millisecond.
    const inFlightSamples: number[] = [];
    const sampler = VERBOSE ? setInterval(() => inFlightSamples.push(runtime!.scheduler.inFlightCount()), 1) : null;
    const started = Date.now();
    const large: Array<{ id: string; user: number }> = [];
    for (const [i, report] of reports.entries()) {
      large.push({ id: await client(report.user).upload(`large-${i + 1}`, report.lines), user: report.user });
    }
    const uploadsDone = Date.now();
    const largeIds = large.map((r) => r.id);

    // Small lists, each once its time after the first call has come (and the one before it is done,
    // so none waits behind another small list), as long as the large lists still have work.
    const sent: Array<{ user: number; hashes: string[]; id: string; sentAt: number }> = [];
    const firstCall = async () => {
      while (sim!.calls.length === 0) await sleep(1);
      return sim!.calls[0]!.at;
    };
    const t0Seen = await firstCall();
    for (const [i, hashes] of smalls.entries()) {
      const due = t0Seen + SMALL_AT_WINDOWS[i]! * WINDOW_MS;
      while (Date.now() < due && (await unfinished(largeIds)) > 0) await sleep(Math.min(5, Math.max(1, due - Date.now())));
      if ((await unfinished(largeIds)) === 0) break;
      const user = smallUsers[i]!;
      const sentAt = Date.now();
      const id = await client(user).upload(`small-${i + 1}`, hashes);
      sent.push({ user, hashes, id, sentAt });
      while ((await unfinished([id])) > 0) await sleep(5);
    }
    while ((await unfinished(largeIds)) > 0) await sleep(100);
    for (const small of sent) {
      const status = await client(small.user).json<Status>(`/reports/${small.id}/status.json`);
      if (status.status !== 'completed') throw new Error(`status.json says small list ${small.id} is ${status.status}`);
    }

    loop.disable();
    if (sampler) clearInterval(sampler);
    const cpuUsed = process.cpuUsage(cpuBefore);

    // ---- what the app says ------------------------------------------------------------------
    const largeExports = await Promise.all(large.map((r) => client(r.user).json<Export>(`/reports/${r.id}/export.json`)));
    const smallExports = await Promise.all(sent.map((r) => client(r.user).json<Export>(`/reports/${r.id}/export.json`)));
    const exports = [...largeExports, ...smallExports];
    const finished = Math.max(...exports.map((e) => Date.parse(e.completedAt ?? '')));
    const rows = exports.flatMap((e) => e.items);
    const errors = rows.filter((r) => r.status === 'error');
    const notLookedUp = rows.filter((r) => r.status !== 'found' && r.status !== 'not_found');

    // ---- what the fake saw -------------------------------------------------------------------
    const calls = sim.calls;
    const counted = calls.filter((c) => c.status === 200 || c.status === 404);
    // Distinct files, per the fake's catalogue: every uploaded hash resolved to its file's SHA-256
    // (a hash the fake does not know is a file of its own).
    const fileOf = (h: string) => sim!.fileFor(h)?.data.id ?? h;
    const allHashes = [...reports.flatMap((r) => r.lines), ...sent.flatMap((s) => s.hashes)];
    const distinct = new Set(allHashes.map(fileOf));
    const unknownFiles = [...distinct].filter((f) => !sim!.fileFor(f)).length;
    const perFile = new Map<string, number>();
    for (const c of counted) if (c.hash) perFile.set(fileOf(c.hash), (perFile.get(fileOf(c.hash)) ?? 0) + 1);
    const twice = [...perFile.values()].filter((n) => n > 1).length;
    const uncalled = [...distinct].filter((f) => !perFile.has(f)).length;
    const strayCalls = [...perFile.keys()].filter((f) => !distinct.has(f)).length;
    const callsPerFile = counted.length / distinct.size;

    /*
     * Quota use while work waited, the headline figure: the quota is so many calls per window, so
     * count calls per window. Cut the busy time (below) into whole windows [t0 + jW, t0 + (j+1)W),
     * j < floor(D / W); each lies inside one closed window of the fake, so at most Σ perMinute calls
     * fit in it, and work waited through all of them. The app paces calls evenly after an idle
     * key's first window (so a newcomer waits an interval for a slot, not a window), and there a
     * late pipeline shows at once as calls missing from a window: no idle end of a window hides it.
     *
     * A stricter reading follows each place in the window in time. Work waits from the first call the fake saw (the first list is
     * queued before it) to the last call it saw, tEnd: the moment the last queued row was dispatched,
     * give or take the trip to the fake (nothing is called after it). Both ends are arrival times on
     * the fake's clock, the clock its quota counts by. Over that busy time D the keys allow
     *   allowed = Σ over keys of perMinute x D / W
     * The sliding window lets a whole window's allowance go at once at the start, so counting every
     * call made against that would hand the client the first burst for free (and could exceed 1).
     * What a call spends is one place in the window for W from its arrival; the share of that inside
     * the busy time is min(1, (tEnd - at) / W). So
     *   made = Σ over calls answered 200/404 of min(1, (tEnd - at) / W)
     * i.e. the time-average of how full each key's window was, over the time work waited. A perfect
     * client (every place reused the instant it frees) scores exactly 1.00 whatever D is; any delay
     * between a place freeing and the next call arriving in it (the app counting a call from its
     * answer, timers, the pump, the worker, the trip) shows up as lost quota. 429s and faults cost
     * no quota and are not made calls.
     * It charges an evenly paced client for spreading: the places the first window's burst frees
     * early in the second window are filled one interval apart through that window (about 4 % of
     * place-time over a 10-window run, while every window still carries its full count), and the
     * calls of the last, partial window count about half.
     */
    const t0 = calls.reduce((a, c) => Math.min(a, c.at), Infinity);
    const tEnd = calls.reduce((a, c) => Math.max(a, c.at), -Infinity);
    const busy = tEnd - t0;
    const made = counted.reduce((a, c) => a + Math.min(1, (tEnd - c.at) / WINDOW_MS), 0);
    const allowed = (PER_WINDOW * busy) / WINDOW_MS;
    const placeUse = allowed > 0 ? made / allowed : NaN;
    const wholeWindows = Math.floor(busy / WINDOW_MS);
    const madeInWhole = counted.filter((c) => c.at < t0 + wholeWindows * WINDOW_MS).length;
    const allowedInWhole = PER_WINDOW * wholeWindows;
    const quotaUse = allowedInWhole > 0 ? madeInWhole / allowedInWhole : NaN;

    /*
     * Where the unused quota went, per key, following each place in the window from call to call
     * (in arrival order, call i and call i + perMinute use the same place). A place is empty from t0
     * until its first call ("first fill": the pipeline sending the first window's allowance), between
     * one call's window ending and the next call arriving, and after its last call's window ends
     * ("end"). The gap between calls splits, with the app's own record of each call (vt_calls, matched
     * by order), into: the answer coming back after the call arrived (the app counts a call from its
     * answer), the limiter's +1 ms, and the place being free by the app's count until the next call
     * arrived (timer, pump, queries, worker, trip; and pacing, which spreads the freed places). The
     * parts add up to 1 - place-time use.
     */
    const lost = { fill: 0, answer: 0, rule: 0, refill: 0, end: 0 };
    for (const k of KEYS) {
      const a = counted.filter((c) => c.key === k.secret).map((c) => c.at).sort((x, y) => x - y);
      const stamps = (await db.selectFrom('vt_calls').select('at').where('key_id', '=', keyFingerprint(k.secret)).orderBy('id').execute()).map((r) => r.at);
      for (let i = 0; i < k.perMinute; i++) lost.fill += Math.min(a[i] ?? tEnd, tEnd) - t0;
      for (let i = k.perMinute; i < a.length; i++) {
        const prev = a[i - k.perMinute]!;
        const stamp = stamps[i - k.perMinute] ?? prev;
        lost.answer += stamp - prev;
        lost.rule += 1;
        lost.refill += a[i]! - (stamp + WINDOW_MS + 1);
      }
      for (let i = Math.max(0, a.length - k.perMinute); i < a.length; i++) lost.end += Math.max(0, tEnd - a[i]! - WINDOW_MS);
    }
    const placeTime = PER_WINDOW * busy;
    const lostShare = (x: number) => `${((100 * x) / placeTime).toFixed(2)} %`;

    // How long each slot took to come round again: the gap between a call and the one perMinute
    // calls later on the same key (the window, plus whatever the pipeline adds before reusing it).
    const turnaround = KEYS.map((k) => {
      const at = counted.filter((c) => c.key === k.secret).map((c) => c.at).sort((a, b) => a - b);
      const gaps = at.slice(k.perMinute).map((t, i) => t - at[i]!);
      return { ...k, calls: at.length, median: median(gaps), min: percentile(gaps, 0), max: percentile(gaps, 1) };
    });

    const rejected = sim.quotaRejections();
    const faults = calls.filter((c) => c.fault).length;
    const others = calls.filter((c) => !c.fault && !c.quotaRejected && c.status !== 200 && c.status !== 404).length;
    const slotBound = SMALL_LIST + MAX_IN_FLIGHT;
    const smallResults = sent.map((small, i) => {
      const latency = Date.parse(smallExports[i]!.completedAt ?? '') - small.sentAt;
      return { ...small, latency, slots: (latency * PER_WINDOW) / WINDOW_MS, createdAt: Date.parse(smallExports[i]!.createdAt) };
    });
    const worstSmall = smallResults.reduce<(typeof smallResults)[number] | null>((w, r) => (!w || r.latency > w.latency ? r : w), null);
    const largeLines = reports.reduce((a, r) => a + r.lines.length, 0);
    const byType = (list: string[]) => (['md5', 'sha1', 'sha256'] as const).map((t) => `${list.filter((h) => typeOfHash(h) === t).length} ${t}`).join(', ');
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(`bench:quota  N=${N}  window ${WINDOW_MS} ms  seed ${SEED}  database in ${DB_DIR}`);
    console.log(`machine: ${availableParallelism()} cores (${cpu}), node ${process.version} ${process.platform}-${process.arch}; code ${codeVersion()}`);
    console.log(`keys (VT_API_KEYS, same limits in the fake): ${KEYS.map((k) => `${k.name} ${k.perMinute}/window`).join(' + ')} = ${PER_WINDOW} calls per ${WINDOW_MS} ms; max in flight ${MAX_IN_FLIGHT}`);
    console.log(`workload: ${reports.length} large lists from 4 users, ${largeLines} lines (${byType(reports.flatMap((r) => r.lines))}): ${kinds.fresh} fresh, ${kinds.alias} aliases of files in other users' lists, ${kinds.repeat} repeats of a hash in another report`);
    console.log(`          + ${sent.length} small lists of ${SMALL_LIST} fresh hashes (${byType(sent.flatMap((s) => s.hashes))}), one per further user`);
    console.log(`distinct files (per the fake's catalogue): ${distinct.size} (${unknownFiles} unknown to VirusTotal)`);
    console.log(`wall time: ${seconds(finished - started)} (first upload sent to last report completed; the large lists were stored in ${seconds(uploadsDone - started)})`);
    console.log(`rows: ${rows.length}, ${rows.length - notLookedUp.length} answered (found / not found), ${errors.length} errors, ${notLookedUp.length - errors.length} other`);
    console.log(`calls the fake answered: ${counted.length} (${counted.filter((c) => c.status === 200).length} x 200, ${counted.filter((c) => c.status === 404).length} x 404); ` +
      `per key: ${turnaround.map((k) => `${k.name} ${k.calls}`).join(', ')}`);
    console.log(`calls per distinct file: ${fmt(callsPerFile)} (files called twice or more: ${twice}; never called: ${uncalled}; calls for files not in the lists: ${strayCalls})  target 1.00: ${met(counted.length === distinct.size && twice === 0)}`);
    console.log(`quota use while work waited: ${fmt(quotaUse)} (${madeInWhole} calls made / ${allowedInWhole} allowed in the ${wholeWindows} whole windows from the first call, all with work waiting)  target >= 0.98: ${met(quotaUse >= 0.98)}`);
    console.log(`  stricter, by place-time: ${fmt(placeUse)} (${fmt(made, 1)} calls made / ${fmt(allowed, 1)} allowed over ${seconds(busy)} of queued work; a call counts for the share of its window inside that time)`);
    console.log(`  place-time unused: ${lostShare(placeTime - made * WINDOW_MS)} = first fill ${lostShare(lost.fill)} + answer after arrival ${lostShare(lost.answer)} + limiter's +1 ms ${lostShare(lost.rule)} ` +
      `+ free by the app's count until the next call arrived (pipeline and pacing) ${lostShare(lost.refill)} + end ${lostShare(lost.end)}`);
    console.log(`  slot turnaround (gap between a call and the call perMinute later on the same key): ` +
      turnaround.map((k) => `${k.name} median ${k.median} ms (min ${k.min}, max ${k.max})`).join('; ') + ` vs window ${WINDOW_MS} ms`);
    console.log(`429s caused (key quota exceeded): ${rejected}  target 0: ${met(rejected === 0)}  (injected faults: ${faults}, other answers: ${others})`);
    console.log(`small behind large (${SMALL_LIST} hashes, sent ${smallResults.map((r) => `${fmt((r.sentAt - t0) / WINDOW_MS, 2)}`).join(' / ')} windows after the first call): ` +
      `${smallResults.map((r) => `${r.latency} ms`).join(' / ')} = ${smallResults.map((r) => fmt(r.slots, 1)).join(' / ')} call slots at ${PER_WINDOW} per ${WINDOW_MS} ms; ` +
      (worstSmall ? `worst ${fmt(worstSmall.slots, 1)} vs ${SMALL_LIST} + ${MAX_IN_FLIGHT} in flight = ${slotBound}: ${worstSmall.slots <= slotBound ? 'within' : 'over'}` : 'no sample: the large lists finished first'));
    console.log(`machine load during the run: CPU ${seconds((cpuUsed.user + cpuUsed.system) / 1000)} in this process (app, its lookup workers, fake and bench) over ${seconds(finished - started)}; ` +
      `event-loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
    if (VERBOSE) {
      // Where a slot's time goes. The app counts a call from its answer (the restamp), so a slot
      // comes back at answer + window + 1 ms; then the pump must notice, pick, lease and send.
      // Calls are matched by order: the i-th call the app recorded for a key is the i-th the fake saw.
      for (const k of KEYS) {
        const stamps = (await db.selectFrom('vt_calls').select('at').where('key_id', '=', keyFingerprint(k.secret)).orderBy('id').execute()).map((r) => r.at);
        const arrivals = counted.filter((c) => c.key === k.secret).map((c) => c.at);
        const restampLag = arrivals.map((a, i) => (stamps[i] ?? NaN) - a);
        const freed = [...stamps].sort((a, b) => a - b).map((t) => t + WINDOW_MS + 1);
        const refillLag = arrivals.slice(k.perMinute).map((a, i) => a - freed[i]!);
        console.log(`  ${k.name}: answer (restamp) after arrival: median ${median(restampLag)} ms, p90 ${percentile(restampLag, 0.9)} ms; ` +
          `slot freed -> next arrival: median ${median(refillLag)} ms, p90 ${percentile(refillLag, 0.9)} ms (${stamps.length} recorded, ${arrivals.length} arrived)`);
      }
      const types = counted.map((c) => typeOfHash(c.hash ?? ''));
      const switches = types.filter((t, i) => i > 0 && t !== types[i - 1]).length;
      const share = (f: (x: number) => boolean) => `${Math.round((100 * inFlightSamples.filter(f).length) / inFlightSamples.length)} %`;
      console.log(`  hash type changes between consecutive calls: ${switches} of ${types.length - 1}; in flight (1 ms samples): mean ${fmt(inFlightSamples.reduce((a, b) => a + b, 0) / inFlightSamples.length, 2)}, ` +
        `${[0, 1, 2, 3].map((n) => `${n}: ${share((x) => x === n)}`).join(', ')}, 4+: ${share((x) => x >= 4)}`);
      for (const r of smallResults) {
        const mine = new Set(r.hashes);
        const arrivals = counted.filter((c) => c.hash !== undefined && mine.has(c.hash)).map((c) => c.at - r.sentAt);
        console.log(`  small list at +${seconds(r.sentAt - t0)}: stored at +${r.createdAt - r.sentAt} ms; its calls arrived at +${arrivals.join(', +')} ms; completed at +${r.latency} ms`);
      }
      const perWindow = Array.from({ length: wholeWindows + 1 }, (_, j) => counted.filter((c) => c.at >= t0 + j * WINDOW_MS && c.at < t0 + (j + 1) * WINDOW_MS).length);
      console.log(`  calls per window from the first call (last one partial): ${perWindow.join(' ')}`);
      // Where in each window the calls fall: a sliding window hands slots back in the pattern the
      // previous window used them, so a burst at the start repeats window after window.
      for (let j = 0; j < Math.min(wholeWindows, 4); j++) {
        const tenths = Array.from({ length: 10 }, (_, d) => counted.filter((c) => c.at >= t0 + j * WINDOW_MS + (d * WINDOW_MS) / 10 && c.at < t0 + j * WINDOW_MS + ((d + 1) * WINDOW_MS) / 10).length);
        console.log(`  window ${j + 1}, calls per tenth of the window: ${tenths.join(' ')}`);
      }
    }
    const failures = runtime.scheduler.recentFailures();
    if (failures.length > 0) console.log(`lookup failures the scheduler recorded: ${failures.length}: ${[...new Set(failures.map((f) => `${f.kind}: ${f.reason}`))].slice(0, 5).join(' | ')}`);
  } finally {
    await runtime?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

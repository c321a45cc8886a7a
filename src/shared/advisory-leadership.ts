import pg from 'pg';
import type { Logger } from './logger.js';
import type { Leadership, WakeTopic } from './leadership.js';

/** The advisory lock's key: one dispatcher per database ("HRDP" in ASCII). */
export const DISPATCHER_LOCK_KEY = 0x48524450;
/** The LISTEN/NOTIFY channel on which followers wake the leader. */
export const WAKE_CHANNEL = 'hash_report_wake';

export interface AdvisoryLeadershipOptions {
  connectionString: string;
  logger: Logger;
  /** How often a follower tries the lock, and the leader checks its connection. Default 1 s. */
  retryMs?: number;
}

/**
 * Leadership by a session-level `pg_try_advisory_lock` held on one dedicated connection (never a
 * pooled one: the lock belongs to the session that took it). PostgreSQL frees it the moment that
 * session ends, which is when the process dies or its connection drops, so a follower, trying every
 * `retryMs`, leads within about that time plus PostgreSQL noticing the dead connection (at once
 * when the process died; TCP keepalive when the machine vanished). The leader checks its connection
 * every `retryMs` and steps down when it fails, before another can have led for long.
 * The same connection LISTENs (leader) or NOTIFYs (follower) on WAKE_CHANNEL.
 */
export function advisoryLeadership(options: AdvisoryLeadershipOptions): Leadership {
  const retryMs = options.retryMs ?? 1000;
  const log = options.logger.child({ feature: 'leadership' });
  const listeners: Array<(topic: WakeTopic) => void> = [];
  let client: pg.Client | null = null;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let onChange: (leader: boolean) => void = () => undefined;
  let busy = false;

  const setLeader = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    log.info({ leader }, value ? 'this instance now sends lookups and runs the scheduled work' : 'this instance stopped sending lookups');
    onChange(value);
  };

  const drop = (why: unknown) => {
    const old = client;
    client = null;
    if (old) {
      old.removeAllListeners('notification');
      void old.end().catch(() => undefined);
      if (!stopped) log.warn({ err: why }, 'lost the connection that holds (or waits for) the dispatcher lock');
    }
    setLeader(false);
  };

  const connect = async (): Promise<pg.Client> => {
    const fresh = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      // A query that hangs (a half-open connection) counts as a lost connection: the leader steps down.
      query_timeout: Math.max(2000, retryMs * 3),
      connectionTimeoutMillis: Math.max(2000, retryMs * 3),
      application_name: `hash-report-leadership-${process.pid}`,
    });
    fresh.on('error', (err) => {
      if (client === fresh) drop(err);
    });
    fresh.on('end', () => {
      if (client === fresh) drop(new Error('connection ended'));
    });
    fresh.on('notification', (msg) => {
      if (msg.channel !== WAKE_CHANNEL || !leader) return;
      for (const listener of listeners) listener((msg.payload ?? 'lookups') as WakeTopic);
    });
    await fresh.connect();
    return fresh;
  };

  /** One round: a follower tries the lock; the leader proves its session is still there. */
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      client ??= await connect();
      if (leader) {
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [DISPATCHER_LOCK_KEY]);
      if (rows[0]?.ok) {
        await client.query(`LISTEN ${WAKE_CHANNEL}`);
        setLeader(true);
      }
    } catch (err) {
      drop(err);
    } finally {
      busy = false;
    }
  };

  return {
    kind: 'postgres',
    isLeader: () => leader,
    async start(listener) {
      onChange = listener;
      stopped = false;
      await tick();
      timer = setInterval(() => void tick(), retryMs);
      timer.unref();
    },
    wakeLeader(topic) {
      // A follower's wake goes out on its own connection; lost wakes are caught by the leader's poll.
      client?.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, topic]).catch(() => undefined);
    },
    onWake(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      const old = client;
      client = null;
      if (old) {
        if (leader) await old.query('SELECT pg_advisory_unlock($1)', [DISPATCHER_LOCK_KEY]).catch(() => undefined);
        await old.end().catch(() => undefined);
      }
      leader = false;
    },
  };
}

import { after, before } from 'node:test';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

const started = new WeakMap<TestApp, Promise<TestApp>>();

/**
 * Resolves once the suite's app has started: for another root-level `before` of the same file
 * (browserSuite's), which Node 20 may run while the app's own is still starting it.
 */
export function suiteStarted(app: TestApp): Promise<TestApp> {
  return started.get(app) ?? Promise.resolve(app);
}

/** Options, or a function that makes them inside `before` (e.g. after starting a shared fake). */
export type SuiteOptions = TestAppOptions | (() => TestAppOptions | Promise<TestAppOptions>);

/**
 * The app for one describe block (or file): registers node:test `before` (start) and `after`
 * (stop) and returns a stand-in whose properties reach the started app. `ready` runs in the same
 * hook once the app is up (arrangement shared by the suite's tests). Inside a describe, a later
 * `before` would do as well; at a file's top level it would not: Node 20 starts root hooks without
 * waiting for the one before.
 */
export function appSuite(options: SuiteOptions = {}, ready?: (app: TestApp) => void | Promise<void>): TestApp {
  let current: TestApp | null = null;
  let settle: { resolve: (app: TestApp) => void; reject: (err: unknown) => void } | null = null;
  const startedOnce = new Promise<TestApp>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may wait for it (most suites): a failed start is reported by the hook itself.
  startedOnce.catch(() => undefined);
  const app = (): TestApp => {
    if (!current) throw new Error('the suite app was used before its before() hook started it');
    return current;
  };
  before(async () => {
    try {
      current = await startTestApp(typeof options === 'function' ? await options() : options);
      await ready?.(current);
      settle?.resolve(current);
    } catch (err) {
      settle?.reject(err);
      throw err;
    }
  });
  after(async () => {
    await current?.stop();
  });
  const handle = {
    client: () => app().client(),
    stopApp: () => app().stopApp(),
    stop: () => app().stop(),
  } as TestApp;
  started.set(handle, startedOnce);
  for (const key of ['url', 'runtime', 'sim', 'smtp', 'databasePath', 'databaseUrl', 'databaseEnv', 'db'] as const) {
    Object.defineProperty(handle, key, { get: () => app()[key], enumerable: true });
  }
  return handle;
}

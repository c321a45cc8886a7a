import type { ConnectorDeps } from '../../src/connector/connector-deps.js';
import { capturedLogger } from './log-capture.js';
import type { TestApp } from './test-app.js';

/** A connector's dependencies inside the test app, as the app wires them; its log lines go to `logLines`. */
export function connectorTestDeps(app: TestApp, logLines: string[] = []): ConnectorDeps {
  return {
    db: app.runtime.database.db,
    cacheTtlMs: 24 * 3_600_000,
    maxFileBytes: 10 * 1024 * 1024,
    maxReportRows: 1_000_000,
    mailEnabled: false,
    appUrl: app.url,
    logger: capturedLogger(logLines).logger,
    // As inside the app: a report the cache answered wakes the email sender, any other the lookups.
    onReportCreated: (completed) => app.runtime.lookups.queued(completed),
  };
}

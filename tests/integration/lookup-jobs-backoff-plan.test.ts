/**
 * The dispatcher asks when the earliest job in backoff is due every time it finds nothing to send
 * (no key, the quota spent): that question is one index search on both databases, not a scan of every
 * waiting job (half a million after a million-line upload).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledQuery, KyselyPlugin } from 'kysely';
import { pgPlanOf, type PgPlan } from '../helpers/pg-plan.js';
import { appSuite } from '../helpers/app-suite.js';
import { findEarliestBackoff } from '../../src/lookups/job.repository.js';

const nodes = (plan: PgPlan): PgPlan[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe("the dispatcher's backoff question", () => {
  const app = appSuite();

  test('when the earliest backoff is asked for, then the query is planned as a search of the lookup_jobs_backoff index', async () => {
    // Arrange: the query findEarliestBackoff runs, as compiled for this database.
    const db = app.runtime.database.db;
    let compiled: CompiledQuery | undefined;
    const recorder: KyselyPlugin = {
      transformQuery: (args) => {
        compiled ??= db.getExecutor().compileQuery(args.node, args.queryId);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    await findEarliestBackoff(db.withPlugin(recorder), Date.now());
    assert.ok(compiled);

    if (app.db.dialect === 'sqlite') {
      // Act
      const plan = (await app.db.rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${compiled.sql}`, ...(compiled.parameters as string[]))).map((r) => r.detail);

      // Assert
      assert.ok(plan.some((d) => /SEARCH lookup_jobs USING (COVERING )?INDEX lookup_jobs_backoff \(state=\? AND not_before>\?\)/.test(d)), plan.join('\n'));
    } else {
      // Act
      const plan = nodes(await pgPlanOf(db, compiled, ['seqscan']));

      // Assert
      const text = JSON.stringify(plan.map((p) => [p['Node Type'], p['Index Name'] ?? p['Relation Name'] ?? '']));
      assert.ok(plan.some((p) => p['Index Name'] === 'lookup_jobs_backoff'), text);
      assert.ok(!plan.some((p) => p['Node Type'] === 'Seq Scan'), text);
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell } from '../../src/reports/report-export.js';

test('when a cell starts like a spreadsheet formula, then it is prefixed with a quote so it is shown, not run', () => {
  for (const text of ['=HYPERLINK("http://evil.example")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd']) {
    assert.ok(csvCell(text).replace(/^"/, '').startsWith("'"), `${JSON.stringify(text)} -> ${csvCell(text)}`);
  }
});

test('when a cell holds commas, quotes or line breaks, then it is quoted with inner quotes doubled', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
});

test('when a cell is plain text, a number or empty, then it is written as is', () => {
  assert.equal(csvCell('44d88612fea8a8f36de82e1278abb02f'), '44d88612fea8a8f36de82e1278abb02f');
  assert.equal(csvCell(66), '66');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(false), 'false');
});

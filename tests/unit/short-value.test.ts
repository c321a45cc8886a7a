import { test } from 'node:test';
import assert from 'node:assert/strict';
import ejs from 'ejs';
import { shortValue } from '../../src/web/short-value.js';

test('when a value holds markup, then the shortened value shows it as text, escaped as EJS escapes it', () => {
  // Arrange
  const value = `"><script>alert('x')</script>&amp;<img src=x onerror=alert(1)>`;

  // Act
  const html = shortValue(value, `/reports/r/items/1?x="'<>`);

  // Assert: no tag or attribute of the value's own, and the text is what EJS's <%= %> would print
  assert.doesNotMatch(html, /<script|<img|onerror=alert\(1\)>/);
  const escaped = ejs.render('<%= v %>', { v: value });
  assert.ok(html.includes(`title="${escaped}"`));
  assert.ok(html.includes(`>${escaped}</a>`));
  assert.ok(html.includes(`href="${ejs.render('<%= v %>', { v: `/reports/r/items/1?x="'<>` })}"`));
});

test('when a value is longer than 22 characters, then its last six are its tail; a short one has none', () => {
  // Act
  const long = shortValue('a'.repeat(58) + 'tail&<');
  const short = shortValue('example.test');

  // Assert
  assert.match(long, /data-tail="tail&amp;&lt;"/);
  assert.match(long, /^<span class="mid" title="a{58}tail&amp;&lt;" data-tail="tail&amp;&lt;"><span>a{58}tail&amp;&lt;<\/span><\/span>$/);
  assert.equal(short, '<span class="mid" title="example.test"><span>example.test</span></span>');
});

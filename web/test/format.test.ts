// How numbers, sizes and times read on the page (src/format.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ago, bytes, clock } from '../src/format.ts';

test('sizes', () => {
  assert.equal(bytes(0), '0 B');
  assert.equal(bytes(1023), '1023 B');
  assert.equal(bytes(1536), '1.5 KB');
  assert.equal(bytes(20 * 1024 * 1024), '20 MB');
  assert.equal(bytes(5 * 1024 ** 5), '5120 TB');
});

test('times ago', () => {
  const now = Date.now() / 1000;
  assert.equal(ago(now), 'just now');
  assert.equal(ago(now + 60), 'just now'); // a clock ahead of the page's
  assert.equal(ago(now - 300), '5 min ago');
  assert.equal(ago(now - 3 * 3600), '3 h ago');
  assert.equal(ago(now - 86400), '1 day ago');
  assert.equal(ago(now - 3 * 86400), '3 days ago');
});

test('durations', () => {
  assert.equal(clock(7), '0:07');
  assert.equal(clock(754), '12:34');
  assert.equal(clock(3723), '1:02:03');
  assert.equal(clock(-5), '0:00');
});

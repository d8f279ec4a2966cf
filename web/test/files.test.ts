// The files panel's state (src/panels/files/state.ts): the root and the steps of a path, the order
// of a listing, what an empty folder and a cut preview say.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { cutNote, emptyFolder, listed, parent, rootOf, steps, within } from '../src/panels/files/state.ts';
import type { FileEntry } from '../src/types.ts';

test('the root of a path, its parent', () => {
  assert.equal(rootOf('/workspace/scripts/run-1/api_client.py')?.label, 'Scripts');
  assert.equal(rootOf('/workspace/har')?.label, 'HAR files');
  assert.equal(rootOf('/workspace/harvest')?.label, 'HAR files'); // not under a root: the first
  assert.equal(parent('/workspace/har/a.har'), '/workspace/har');
  assert.equal(parent('/a'), '/');
});

test('the steps from the root down to the folder, the last one current', () => {
  assert.deepEqual(steps('/workspace/scripts'), []);
  assert.deepEqual(steps('/workspace/scripts/run-1/sub'), [
    { name: 'run-1', path: '/workspace/scripts/run-1', current: false },
    { name: 'sub', path: '/workspace/scripts/run-1/sub', current: true },
  ]);
});

test('a path within a folder: the folder itself, or under it', () => {
  assert.ok(within('/w/scripts/run-1', '/w/scripts/run-1'));
  assert.ok(within('/w/scripts/run-1/a.py', '/w/scripts/run-1'));
  assert.ok(!within('/w/scripts/run-10/a.py', '/w/scripts/run-1'));
  assert.ok(!within('', '/w/scripts/run-1'));
});

test('folders first, then the newest first; the listing given is left as it was', () => {
  const entry = (name: string, type: 'file' | 'dir', mtime: number): FileEntry => ({ name, type, mtime, size: 1 });
  const entries = [
    entry('old.har', 'file', 1),
    entry('a', 'dir', 2),
    entry('new.har', 'file', 3),
    entry('b', 'dir', 5),
  ];
  assert.deepEqual(
    listed(entries).map((e) => e.name),
    ['b', 'a', 'new.har', 'old.har'],
  );
  assert.equal(entries[0]?.name, 'old.har');
});

test('an empty folder says what comes into it', () => {
  assert.deepEqual(emptyFolder('/workspace/har'), {
    title: 'No HAR files yet',
    detail: 'Each capture writes one here.',
  });
  assert.equal(emptyFolder('/workspace/scripts').detail, 'Each engineer run writes a folder here.');
  assert.deepEqual(emptyFolder('/workspace/scripts/run-1'), { title: 'This folder is empty' });
});

test('a cut preview says how much it shows', () => {
  assert.equal(cutNote('1.2 MB'), 'Showing the first 200 KB of 1.2 MB. Download it for the rest.');
  assert.equal(cutNote(''), 'Showing the first 200 KB. Download it for the rest.');
});

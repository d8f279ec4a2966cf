// The browser panel's state (src/panels/browser/state.ts): how status answers and the actions
// move the capture along, and what the controls and the overlay show.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  controls,
  idle,
  newBrowserState,
  normalizeUrl,
  overlay,
  replayWanted,
  restart,
  starting,
  stopping,
  tabUrl,
  takeStatus,
} from '../src/panels/browser/state.ts';
import type { BrowserStatus } from '../src/types.ts';

const running = (o: Partial<Extract<BrowserStatus, { running: true }>> = {}): BrowserStatus => ({
  running: true,
  starting: false,
  entries: 3,
  pages: 1,
  tabs: 1,
  bytes: 100,
  startedAt: 1000,
  url: 'https://example.com/',
  harPath: '/workspace/har/a.har',
  captureId: 'a',
  startUrl: 'https://example.com/',
  title: '',
  ...o,
});

test('an address gets a scheme: https, or http for a local one', () => {
  assert.equal(normalizeUrl('  '), 'about:blank');
  assert.equal(normalizeUrl('example.com'), 'https://example.com');
  assert.equal(normalizeUrl('localhost:8000/x'), 'http://localhost:8000/x');
  assert.equal(normalizeUrl('192.168.1.2'), 'http://192.168.1.2');
  assert.equal(normalizeUrl('http://example.com'), 'http://example.com');
  assert.equal(normalizeUrl('about:blank'), 'about:blank');
});

test('a running browser found on load is a capture; its display connects once it has a tab', () => {
  const s = newBrowserState();
  const waiting = takeStatus(s, running({ starting: true, tabs: 0 }));
  assert.equal(s.phase, 'recording');
  assert.equal(s.startedAt, 1000);
  assert.deepEqual(waiting, { ended: null, disconnect: false, connect: false });
  assert.equal(takeStatus(s, running()).connect, true);
  s.display = 'connecting';
  assert.equal(takeStatus(s, running()).connect, false); // already on its way
});

test('a capture that ended by itself says so, and leaves the display', () => {
  const s = newBrowserState();
  takeStatus(s, running());
  s.display = 'connected';
  const out = takeStatus(s, { running: false, error: 'Chromium crashed' });
  assert.deepEqual(out, {
    ended: { text: 'The capture ended: Chromium crashed', error: true },
    disconnect: true,
    connect: false,
  });
  assert.deepEqual([s.phase, s.display, s.startedAt], ['idle', null, 0]);
  // no capture on load: idle, without a word
  const fresh = newBrowserState();
  assert.deepEqual(takeStatus(fresh, { running: false }).ended, null);
  assert.equal(fresh.phase, 'idle');
  // while starting, a status from before the start changes nothing
  starting(fresh, 'https://example.com', 5);
  assert.equal(takeStatus(fresh, { running: false }).disconnect, false);
  assert.equal(fresh.phase, 'starting');
});

test("the tab's address, unless blank", () => {
  assert.equal(tabUrl(running()), 'https://example.com/');
  assert.equal(tabUrl(running({ url: 'about:blank' })), '');
  assert.equal(tabUrl({ running: false }), '');
});

test('the controls for each phase', () => {
  const s = newBrowserState();
  let c = controls(s, 0);
  assert.deepEqual([c.startHidden, c.startDisabled, c.stopHidden, c.urlDisabled], [false, true, true, true]);
  idle(s);
  c = controls(s, 0);
  assert.deepEqual([c.startDisabled, c.navDisabled, c.recordingHidden, c.elapsed], [false, true, true, '']);
  starting(s, 'https://example.com', 100);
  c = controls(s, 165);
  assert.deepEqual([c.startHidden, c.stopHidden, c.stopDisabled, c.navDisabled], [true, false, true, false]);
  assert.deepEqual([c.counter, c.entries, c.elapsed, c.live], ['0 requests', 0, '1:05', true]);
  assert.equal(c.promptHidden, true); // no model
  s.configured = true;
  assert.equal(controls(s, 165).promptHidden, false);
  s.phase = 'recording';
  assert.equal(controls(s, 165).stopDisabled, false);
  stopping(s);
  c = controls(s, 165);
  assert.deepEqual(
    [c.startHidden, c.stopHidden, c.stopDisabled, c.optionsDisabled, c.urlDisabled, c.live],
    [true, false, true, true, true, false],
  );
});

test('what covers the screen', () => {
  const s = newBrowserState();
  assert.equal(overlay(s), 'loading');
  s.loadError = 'Cannot ask';
  assert.equal(overlay(s), 'failed');
  restart(s);
  assert.deepEqual([overlay(s), s.loadError], ['loading', '']);
  starting(s, 'https://example.com', 1);
  assert.equal(overlay(s), 'starting');
  s.display = 'connected';
  assert.equal(overlay(s), null);
  s.display = 'lost';
  assert.equal(overlay(s), 'lost');
  restart(s); // asks again, and connects again
  assert.equal(s.display, null);
  stopping(s);
  assert.equal(overlay(s), 'stopping');
  assert.match(s.stage, /^Stopping the capture/);
});

test('the replay stays off where there is no storage', () => {
  assert.equal(replayWanted(), false);
});

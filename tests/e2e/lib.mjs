// What the web end-to-end tests (web_e2e.mjs, web_ai_e2e.mjs) share: their arguments, steps that
// print one line and leave a screenshot, polling waits, the console watch (any console error
// fails the test), the watchdog, Chromium, and the capture of the fixture site (site.py) through
// the noVNC canvas.

import { chromium } from 'playwright-core';
import { join } from 'node:path';

// ---- arguments ----

/** --key value pairs; exits 2 when one of required is missing. */
export function parseArgs(name, required) {
  const opts = {};
  for (let i = 2; i < process.argv.length; i += 2) {
    const k = process.argv[i];
    const v = process.argv[i + 1];
    if (!k?.startsWith('--') || v === undefined) {
      console.log(`FAIL ${name}: bad argument ${k ?? ''}`);
      process.exit(2);
    }
    opts[k.slice(2)] = v;
  }
  for (const k of required) {
    if (!opts[k]) {
      console.log(`FAIL ${name}: --${k} is missing`);
      process.exit(2);
    }
  }
  return opts;
}

export class Failure extends Error {}
export const check = (ok, message) => {
  if (!ok) throw new Failure(message);
};
export const testid = (id) => `[data-testid="${id}"]`;
export const pad = (n) => String(n).padStart(2, '0');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Chromium as the tests run it: Debian's, headless, quiet. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// ---- a test: steps, screenshots, waits, console errors, the watchdog, the end ----

/**
 * name: the test's name in its FAIL line; out: where screenshots go; whole: the whole test's time
 * limit (ms); step: the default wait; serverLog: named when it fails; allowed: console errors
 * that are allowed, each {text, url} regexps (and the step's name, when only there) with why (keep
 * it empty unless a message is proven to be outside the app's control).
 */
export function harness({ name, out, whole, step: stepTimeout, serverLog = '(not given)', allowed = [] }) {
  const t0 = Date.now();
  const h = { page: null, stepNo: 0, stepName: 'start', problems: [] };
  const secs = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(6);

  h.say = (line) => {
    console.log(`[${secs()}s] ${line}`);
  };

  h.shot = async (file) => {
    if (!h.page) return;
    await h.page.screenshot({ path: join(out, file), type: 'png' });
  };

  /** One step: its number, its name, then a screenshot NN-name.png once it is done. */
  h.step = async (stepName, fn) => {
    h.stepNo++;
    h.stepName = stepName;
    const started = Date.now();
    const detail = await fn();
    await h.shot(`${pad(h.stepNo)}-${stepName}.png`);
    h.say(`${pad(h.stepNo)} ${stepName}: ${detail ?? 'ok'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };

  /** Polls fn (sync or async) until it returns a truthy value; returns it. A Failure thrown by
   * fn ends the wait at once; other errors (a page still changing) are retried. */
  h.until = async (what, fn, timeout = stepTimeout, every = 200) => {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v;
        last = v;
      } catch (e) {
        if (e instanceof Failure) throw e;
        last = e;
      }
      if (Date.now() > deadline) {
        const why = last instanceof Error ? `: ${last.message.split('\n')[0]}` : '';
        throw new Failure(`timed out after ${timeout / 1000} s waiting for ${what}${why}`);
      }
      await sleep(every);
    }
  };

  h.watch = (p) => {
    h.page = p;
    p.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location()?.url ?? '';
      if (allowed.some((a) => a.text.test(m.text()) && a.url.test(where) && (!a.step || a.step === h.stepName))) return;
      h.problems.push(`console error during "${h.stepName}": ${m.text()}${where ? ` (${where})` : ''}`);
    });
    p.on('pageerror', (e) => {
      h.problems.push(`page error during "${h.stepName}": ${e.message}`);
    });
  };
  h.noProblems = () => check(h.problems.length === 0, h.problems.join('; '));

  /** Runs main(), then says PASS-or-FAIL's line and exits 1 on failure; the watchdog ends a test
   * that runs past `whole` (with a screenshot). cleanup() closes the browser. */
  h.run = async (main, cleanup, passed) => {
    const watchdog = setTimeout(() => {
      const end = () => {
        console.log(`FAIL ${name}: the test took more than ${whole / 1000} s (at step ${pad(h.stepNo)} ${h.stepName}); server log: ${serverLog}`);
        process.exit(1); // Playwright kills its Chromium on exit
      };
      const late = setTimeout(end, 5000);
      void h.shot(`${pad(h.stepNo)}-FAIL-${h.stepName}.png`).catch(() => undefined).finally(() => {
        clearTimeout(late);
        end();
      });
    }, whole);
    let failure = null;
    try {
      await main();
      // errors that came late (a closing socket, a last poll)
      await sleep(500);
      h.noProblems();
    } catch (e) {
      failure = e;
    }
    try {
      if (failure && h.page) await h.shot(`${pad(h.stepNo)}-FAIL-${h.stepName}.png`).catch(() => undefined);
    } finally {
      await cleanup().catch(() => undefined);
      clearTimeout(watchdog);
    }
    if (failure) {
      const why = failure instanceof Failure ? failure.message : (failure.stack ?? String(failure)).split('\n').slice(0, 3).join(' | ');
      if (h.problems.length && !(failure instanceof Failure && failure.message.includes('console error'))) {
        h.say(`also: ${h.problems.join('; ')}`);
      }
      h.say(`server log: ${serverLog}; screenshots in ${out}`);
      console.log(`FAIL ${name}: at step ${pad(h.stepNo)} ${h.stepName}: ${why}`);
      process.exit(1);
    }
    h.say(passed());
  };
  return h;
}

// ---- the fixture site (site.py) through the noVNC canvas ----

// The remote display (Xvnc in the sprite, rae capture's Chromium window) and the fixture page.
export const REMOTE = { width: 1280, height: 800 };
export const BUTTON = { width: 400, height: 240, color: [0xff, 0x00, 0xcc] }; // #go in site.py

export const canvasOf = (page) => page.locator(`${testid('vnc-container')} canvas`).first();

/** Where the fixture's button is on the remote screen (remote pixels), or why it is not yet. */
export async function findButton(page) {
  return canvasOf(page).evaluate((c, b) => {
    if (c.width === 0 || c.height === 0) return { why: 'the canvas is empty' };
    const ctx = c.getContext('2d');
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let x0 = c.width, y0 = c.height, x1 = -1, y1 = -1, n = 0;
    // every other pixel is enough to find a 400x240 block
    for (let y = 0; y < c.height; y += 2) {
      for (let x = 0; x < c.width; x += 2) {
        const i = (y * c.width + x) * 4;
        if (Math.abs(data[i] - b.color[0]) < 40 && Math.abs(data[i + 1] - b.color[1]) < 40 && Math.abs(data[i + 2] - b.color[2]) < 40) {
          n++;
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    const size = { canvas: [c.width, c.height] };
    if (!n) return { why: 'no button colour on the screen yet', ...size };
    const w = x1 - x0 + 2, h = y1 - y0 + 2;
    // the whole button, and nothing else of its colour: the page has drawn
    if (Math.abs(w - b.width) > 6 || Math.abs(h - b.height) > 6 || n < 0.9 * (b.width / 2) * (b.height / 2)) {
      return { why: `a ${w}x${h} patch of the button's colour, not yet the button`, ...size };
    }
    return { x: x0, y: y0, width: w, height: h, ...size };
  }, BUTTON);
}

/** A remote screen point (remote pixels) as a point of our page: the canvas is the remote
 * display scaled to fit, so scale by its bounding box. */
export async function toPage(page, rx, ry) {
  const box = await canvasOf(page).boundingBox();
  check(box, 'the noVNC canvas has no bounding box');
  return { x: box.x + (rx * box.width) / REMOTE.width, y: box.y + (ry * box.height) / REMOTE.height };
}

/** Fails at once when the browser view says something went wrong (the browser did not start,
 * the capture ended by itself). */
export async function noBrowserError(page) {
  const m = page.locator('.browser .browser-message.is-error');
  if (await m.isVisible()) throw new Failure(`the browser view says: ${(await m.textContent())?.trim()}`);
}

export const recordedCount = async (page) => Number(await page.locator(testid('recording-counter')).getAttribute('data-count'));

/** The fixture site's own account of what happened: {posts, gets, items, names}. */
export async function siteState(site) {
  const r = await fetch(`${site}/_test/state`);
  return r.json();
}

/** Waits until the fixture page shows in the noVNC canvas (within display ms); returns where its
 * button is on the remote screen. */
export async function waitForSitePage(h, page, display) {
  const deadline = Date.now() + display;
  await h.until('the noVNC canvas', async () => {
    await noBrowserError(page);
    return (await canvasOf(page).count()) > 0;
  }, display);
  const button = await h.until('the fixture page in the noVNC canvas', async () => {
    await noBrowserError(page);
    const b = await findButton(page);
    return b.why ? null : b;
  }, Math.max(1000, deadline - Date.now()), 300).catch(async (e) => {
    const b = await findButton(page).catch((x) => ({ why: String(x) }));
    throw new Failure(`${e.message} (last look: ${b.why ?? JSON.stringify(b)})`);
  });
  check(button.canvas[0] === REMOTE.width && button.canvas[1] === REMOTE.height, `the remote display is ${button.canvas.join('x')}, not ${REMOTE.width}x${REMOTE.height}`);
  await h.until('no overlay over the display', async () => !(await page.locator('.browser .overlay').isVisible()));
  return button;
}

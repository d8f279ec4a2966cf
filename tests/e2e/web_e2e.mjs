// The web app end to end in a real Chromium (Playwright, Debian's /usr/bin/chromium), against a
// running `rae serve` and the fixture site (site.py). web_e2e.sh starts both and runs this:
//
//   node web_e2e.mjs --server URL --site URL --out DIR --user NAME --password-file FILE
//                    [--server-log FILE]
//
// Every step prints one line and leaves DIR/NN-step.png. On failure: `FAIL web_e2e: why`, a
// screenshot (DIR/NN-FAIL-step.png) and the server log's path; exit status 1. Success prints
// `browser steps passed` (web_e2e.sh prints the final PASS once the server stopped cleanly).
//
// Any console error or uncaught page error fails the test, except those listed in ALLOWED below.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
  canvasOf,
  check,
  Failure,
  harness,
  launch,
  noBrowserError as browserError,
  parseArgs,
  recordedCount as countOf,
  siteState as stateOf,
  testid,
  toPage as pagePoint,
  waitForSitePage,
} from './lib.mjs';

// ---- arguments ----

const opts = parseArgs('web_e2e', ['server', 'site', 'out', 'user', 'password-file']);
const SERVER = opts.server.replace(/\/$/, '');
const SITE = opts.site.replace(/\/$/, '');
const OUT = opts.out;
const USER = opts.user;
const PASSWORD = readFileSync(opts['password-file'], 'utf8');
const SERVER_LOG = opts['server-log'] ?? '(not given)';

// Where things are on the fixture page (site.py), from its button's corner on the remote screen.
const INPUT_FROM_BUTTON = { x: -100, y: -90 }; // #note's middle (340, 110) from #go's corner (440, 200)
const OUTPUT_FROM_BUTTON = { x: -400, y: 270, width: 700, height: 30 }; // #out (40, 470)
const METER = { x: -400, y: -44, color: [0x00, 0xcc, 0xff], perChar: 8 }; // #meter's middle row (40, 156)

// Generous limits for the ASan build on a busy two-core machine; every wait polls a condition.
const T = {
  step: 30_000, // an ordinary UI step
  display: 120_000, // Start capture until the page shows in the canvas (sprite, Xvnc, Chromium)
  requests: 60_000, // a click until its requests are recorded
  run: 150_000, // Stop & generate until the run (and its replay) is complete
  whole: 240_000, // the whole test: fail with a message (and stop everything) before ctest's 300 s
};

// ---- steps, screenshots, failure ----

// Console errors that are allowed, each with why it cannot be avoided. Keep this empty unless a
// message is proven to be outside the app's control; match it precisely.
const ALLOWED = [];

const h = harness({ name: 'web_e2e', out: OUT, whole: T.whole, step: T.step, serverLog: SERVER_LOG, allowed: ALLOWED });
const { step, until } = h;
let page = null;

// ---- the fixture site and the noVNC canvas (lib.mjs) ----

const siteState = () => stateOf(SITE);
const canvas = () => canvasOf(page);
const toPage = (rx, ry) => pagePoint(page, rx, ry);
const noBrowserError = () => browserError(page);
const recordedCount = () => countOf(page);

/** How many characters the remote input holds: #meter's width on the screen, 8 px each. */
async function meterChars() {
  const px = await canvas().evaluate((c, m) => {
    const d = c.getContext('2d').getImageData(m.x, m.y, c.width - m.x, 1).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - m.color[0]) < 40 && Math.abs(d[i + 1] - m.color[1]) < 40 && Math.abs(d[i + 2] - m.color[2]) < 40) n++;
    }
    return n;
  }, { x: button.x + METER.x, y: button.y + METER.y, color: METER.color });
  return Math.round(px / METER.perChar);
}

/** A hash of a region of the remote screen, to see it change. */
async function regionHash(r) {
  return canvas().evaluate((c, r) => {
    const d = c.getContext('2d').getImageData(r.x, r.y, r.width, r.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) | 0;
    return h;
  }, r);
}

// ---- zip: a tiny reader of the central directory ----

function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  check(eocd >= 0, 'the download is not a zip (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let k = 0; k < count; k++) {
    check(buf.readUInt32LE(at) === 0x02014b50, `zip: bad central directory entry ${k}`);
    const method = buf.readUInt16LE(at + 10);
    const csize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nlen = buf.readUInt16LE(at + 28);
    const xlen = buf.readUInt16LE(at + 30);
    const clen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nlen);
    entries.push({
      name,
      size,
      data() {
        check(buf.readUInt32LE(local) === 0x04034b50, `zip: bad local header of ${name}`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(start, start + csize);
        if (method === 0) return raw;
        check(method === 8, `zip: ${name} uses method ${method}`);
        return inflateRawSync(raw);
      },
    });
    at += 46 + nlen + xlen + clen;
  }
  return entries;
}

// ---- the test ----

let browser = null;
let spriteId = '';
let button = null; // the fixture's button on the remote screen

async function main() {
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  // the paste test writes the clipboard of this page
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SERVER });
  page = await context.newPage();
  page.setDefaultTimeout(T.step);
  h.watch(page);

  await step('signin', async () => {
    await page.goto(`${SERVER}/`);
    await page.waitForURL(/\/login(\?|$)/);
    await page.locator(testid('login-username')).fill(USER);
    await page.locator(testid('login-password')).fill(PASSWORD);
    return `${new URL(page.url()).pathname} asks to sign in`;
  });

  await step('dashboard', async () => {
    await page.locator(testid('login-submit')).click();
    await page.waitForURL(`${SERVER}/`);
    await page.locator(testid('user-name')).filter({ hasText: USER }).waitFor();
    // a fresh data dir: no sprite yet
    await page.locator(`${testid('new-sprite')}, ${testid('open-sprite')}`).first().waitFor();
    await page.locator(testid('history')).locator('.state, table').first().waitFor();
    return `signed in as ${USER}; ${(await page.locator(testid('new-sprite')).count()) ? 'no sprite yet: New sprite' : 'a sprite: Open'}`;
  });

  await step('sprite', async () => {
    if (await page.locator(testid('new-sprite')).count()) await page.locator(testid('new-sprite')).click();
    else await page.locator(testid('open-sprite')).click();
    await page.waitForURL(/\/sprite\/[^/]+$/);
    spriteId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await page.locator(testid('start-capture')).waitFor();
    await until('the browser view to say no browser runs', () => page.locator('.browser .overlay').filter({ hasText: 'No browser running' }).isVisible());
    await page.locator(testid('sprite-state')).first().waitFor();
    return `sprite ${spriteId}, ${await page.locator(testid('sprite-state')).first().textContent()}`;
  });

  await step('capture-start', async () => {
    await page.locator(testid('url-input')).fill(`${SITE}/`);
    await page.locator(testid('start-capture')).click();
    await page.locator(testid('recording-indicator')).waitFor();
    await page.locator(testid('stop-generate')).waitFor();
    // no model configured (rae serve without --llm-provider): no box for a prompt
    check(!(await page.locator(testid('capture-prompt')).isVisible()), 'a prompt box shows without a model');
    return `recording ${SITE}/`;
  });

  await step('capture-page', async () => {
    button = await waitForSitePage(h, page, T.display);
    const n = await until('the page load in the recorded-requests counter', async () => (await recordedCount()) || null, T.requests);
    return `the page's button at (${button.x}, ${button.y}) of the remote screen; ${n} requests recorded`;
  });

  const stamp = Date.now().toString(36);
  const typed = 'typed ';
  const pasted = `pasted-${stamp}`;
  await step('remote-keyboard', async () => {
    // the remote page's input: click it through the canvas, type, then paste from our clipboard;
    // the page's meter shows how many characters the input holds
    check((await meterChars()) === 0, 'the remote input is not empty');
    const at = await toPage(button.x + INPUT_FROM_BUTTON.x, button.y + INPUT_FROM_BUTTON.y);
    await page.mouse.click(at.x, at.y);
    await page.keyboard.type(typed, { delay: 30 });
    await until(`${typed.length} typed characters in the remote input`, async () => (await meterChars()) === typed.length, T.requests);
    await page.evaluate((t) => navigator.clipboard.writeText(t), pasted);
    await page.keyboard.press('Control+V');
    const want = typed.length + pasted.length;
    await until(`${want} characters (typed and pasted) in the remote input`, async () => (await meterChars()) === want, T.requests)
      .catch(async (e) => {
        throw new Failure(`${e.message}: it holds ${await meterChars()} (the paste did not arrive?)`);
      });
    return `clicked the remote input at (${at.x.toFixed(0)}, ${at.y.toFixed(0)}), typed "${typed}", pasted "${pasted}": ${want} characters`;
  });

  await step('remote-click', async () => {
    const counted = await recordedCount();
    const site0 = await siteState();
    const out = { x: button.x + OUTPUT_FROM_BUTTON.x, y: button.y + OUTPUT_FROM_BUTTON.y, width: OUTPUT_FROM_BUTTON.width, height: OUTPUT_FROM_BUTTON.height };
    const outBefore = await regionHash(out);
    const at = await toPage(button.x + button.width / 2, button.y + button.height / 2);
    await page.mouse.click(at.x, at.y);
    const site = await until('the fixture site to get the POST, the list and the item', async () => {
      const s = await siteState();
      return s.posts > site0.posts && s.gets >= site0.gets + 2 ? s : null;
    }, T.requests);
    const name = site.names[site.names.length - 1];
    check(name === `${typed}${pasted}`, `the remote input held "${name}", not "${typed}${pasted}": keyboard or paste did not reach the remote page`);
    const now = await until('the recorded-requests counter to rise by 3', async () => {
      await noBrowserError();
      const n = await recordedCount();
      return n >= counted + 3 ? n : null;
    }, T.requests);
    await until('the remote page to show the result', async () => (await regionHash(out)) !== outBefore);
    return `clicked (${at.x.toFixed(0)}, ${at.y.toFixed(0)}); the site made item "${name}"; requests recorded ${counted} -> ${now}`;
  });

  let runId = '';
  let replayOn = false;
  await step('stop-generate', async () => {
    const replay = page.locator(testid('replay-toggle'));
    if (await replay.count()) {
      await replay.check();
      replayOn = true;
    }
    await page.locator(testid('stop-generate')).click();
    await page.waitForURL(/\/sprite\/[^/]+\/run\/[^/]+$/, { timeout: T.run });
    runId = decodeURIComponent(new URL(page.url()).pathname.split('/')[4]);
    await page.locator(testid('engineer-progress')).waitFor();
    await until('the run\'s progress stages', () => page.locator(`${testid('engineer-progress')} li[data-stage]`).count(), T.run);
    return `run ${runId}${replayOn ? ', replay on' : ', no replay toggle'}`;
  });

  await step('engineer-result', async () => {
    const status = page.locator(testid('run-status'));
    await until('the run to end', async () => ['complete', 'error'].includes((await status.textContent()) ?? ''), T.run);
    if ((await status.textContent()) !== 'complete') {
      const why = await page.locator(testid('run-error')).textContent().catch(() => '');
      throw new Failure(`the run ended in error: ${why}`);
    }
    const stages = await page.locator(`${testid('engineer-progress')} li[data-stage]`).evaluateAll((els) => els.map((e) => e.dataset.stage));
    for (const s of ['reading', 'endpoints']) check(stages.includes(s), `no "${s}" stage in the progress (${stages.join(', ')})`);
    // api_client.py, selected, in Monaco
    await page.locator(`${testid('file-tab')}[data-path="api_client.py"][aria-selected="true"]`).waitFor();
    const lines = page.locator(`${testid('monaco')} .monaco-editor .view-lines`);
    await until('api_client.py in Monaco', async () => /import|class|def /.test((await lines.textContent()) ?? ''));
    check((await page.locator(`${testid('monaco')} .monaco-editor .mtk1, ${testid('monaco')} .monaco-editor [class*="mtk"]`).count()) > 0, 'Monaco shows no tokens');
    // the endpoints table, with the fixture's three
    const table = page.locator(testid('endpoints-table'));
    await table.waitFor();
    const rows = await table.locator(testid('endpoint-row')).evaluateAll((trs) =>
      trs.map((tr) => `${tr.querySelector('.method')?.textContent ?? ''} ${tr.querySelector('.path')?.textContent ?? ''}`));
    for (const want of [/^POST \/api\/items$/, /^GET \/api\/items$/, /^GET \/api\/items\/\{[^}]+\}$/]) {
      check(rows.some((r) => want.test(r)), `the endpoints table lacks ${want.source} (has: ${rows.join(', ')})`);
    }
    let replay = 'not asked';
    if (replayOn) {
      const line = page.locator(testid('replay-result'));
      await until('the replay result', () => line.isVisible(), T.run);
      replay = ((await line.textContent()) ?? '').replace(/^Replay:\s*/, '');
      const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(replay);
      check(m, `the replay result says "${replay}"`);
      check(Number(m[2]) === 0 && Number(m[3]) === 0 && Number(m[1]) >= 3, `the replay: ${replay}`);
      const site = await siteState();
      check(site.names.filter((n) => n === `${typed}${pasted}`).length >= 2, `the replay did not POST the captured item again (site: ${JSON.stringify(site)})`);
    }
    return `complete; stages ${stages.join(', ')}; endpoints: ${rows.join(', ')}; replay: ${replay}`;
  });

  await step('download-zip', async () => {
    const link = page.locator(testid('download-zip'));
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = join(OUT, `${runId}.zip`);
    await download.saveAs(file);
    const entries = zipEntries(readFileSync(file));
    const names = entries.map((e) => e.name);
    const client = entries.find((e) => e.name === 'api_client.py' || e.name.endsWith('/api_client.py'));
    check(client, `the zip has no api_client.py (has: ${names.join(', ')})`);
    const text = client.data().toString('utf8');
    check(text.length === client.size && /class ApiClient/.test(text), 'api_client.py in the zip is not the client');
    return `${download.suggestedFilename()}: ${names.join(', ')}`;
  });

  await step('run-reloaded', async () => {
    // the run's URL is a bookmark: a fresh load shows the finished run again
    const url = page.url();
    await page.reload();
    check(page.url() === url, `the reload went to ${page.url()}`);
    await until('the run to load as complete', async () => (await page.locator(testid('run-status')).textContent()) === 'complete');
    await page.locator(`${testid('file-tab')}[data-path="api_client.py"][aria-selected="true"]`).waitFor();
    await until('api_client.py in Monaco', async () => /import|class|def /.test((await page.locator(`${testid('monaco')} .view-lines`).textContent()) ?? ''));
    const rows = await page.locator(`${testid('endpoints-table')} ${testid('endpoint-row')}`).count();
    check(rows === 3, `the endpoints table has ${rows} rows after a reload`);
    // no model configured: the panel says how to have one (GET /api/llm's how), and no box
    const how = page.locator(testid('llm-how'));
    await how.waitFor();
    const said = ((await how.textContent()) ?? '').trim();
    check(/--llm-provider|KEY/.test(said), `the engineer panel's note on the model: "${said}"`);
    check(!(await page.locator(testid('composer')).isVisible()), 'a message box shows without a model');
    let replay = 'not asked';
    if (replayOn) {
      replay = ((await page.locator(testid('replay-result')).textContent()) ?? '').replace(/^Replay:\s*/, '');
      check(/^\d+ passed, 0 failed, 0 skipped$/.test(replay), `the replay result after a reload: "${replay}"`);
      // and the run's record says the same
      const res = await page.context().request.get(`${SERVER}/api/sprite/${encodeURIComponent(spriteId)}/engineer/run/${encodeURIComponent(runId)}`);
      const rec = (await res.json()).run?.replay;
      check(rec && `${rec.passed} passed, ${rec.failed} failed, ${rec.skipped} skipped` === replay, `the run record's replay is ${JSON.stringify(rec)}, the page says "${replay}"`);
    }
    return `${new URL(url).pathname}: complete, ${rows} endpoints, replay ${replay}; "${said}"`;
  });

  const comment = `e2e checkpoint ${stamp}`;
  await step('checkpoint-create', async () => {
    await page.locator(testid('tab-checkpoints')).click();
    await page.locator(testid('checkpoint-comment')).fill(comment);
    await page.locator(testid('checkpoint-create')).click();
    await page.locator(testid('checkpoint-row')).filter({ hasText: comment }).waitFor({ timeout: T.requests });
    return `"${comment}"`;
  });

  let harName = '';
  await step('file-delete-confirm', async () => {
    await page.locator(testid('tab-files')).click();
    await page.locator(testid('files-root-har')).click();
    const row = page.locator(`${testid('file-row')}[data-name$=".har"]`).first();
    await row.waitFor();
    harName = (await row.getAttribute('data-name')) ?? '';
    await row.locator(testid('file-delete')).click();
    await page.locator('dialog[open]').filter({ hasText: `Delete ${harName}?` }).waitFor();
    return `asks to delete ${harName}`;
  });

  await step('file-deleted', async () => {
    await page.locator(testid('confirm-ok')).click();
    await page.locator('dialog').waitFor({ state: 'detached' });
    await page.locator(`${testid('file-row')}[data-name="${harName}"]`).waitFor({ state: 'detached' });
    await page.locator('.files .form-message').filter({ hasText: `Deleted ${harName}` }).waitFor();
    return `${harName} is gone`;
  });

  await step('restore-confirm', async () => {
    await page.locator(testid('tab-checkpoints')).click();
    await page.locator(testid('checkpoint-row')).filter({ hasText: comment }).locator(testid('checkpoint-restore')).click();
    await page.locator('dialog[open]').filter({ hasText: 'Restore this checkpoint?' }).waitFor();
    return 'asks to restore, saying what is lost';
  });

  await step('restored', async () => {
    await page.locator(testid('confirm-ok')).click();
    await page.locator('dialog').waitFor({ state: 'detached' });
    await page.locator('.checkpoints .form-message').filter({ hasText: 'Restored' }).waitFor({ timeout: T.requests });
    await page.locator(testid('tab-files')).click();
    await page.locator(`${testid('file-row')}[data-name="${harName}"]`).waitFor({ timeout: T.requests });
    return `${harName} is back`;
  });

  await step('signed-out', async () => {
    await page.locator(testid('sign-out')).click();
    await page.waitForURL(/\/login(\?|$)/);
    await page.locator(testid('login-username')).waitFor();
    return 'at the sign-in page';
  });

  await step('sprite-asks-signin', async () => {
    await page.goto(`${SERVER}/sprite/${encodeURIComponent(spriteId)}`);
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === `/sprite/${spriteId}`);
    await page.locator(testid('login-username')).waitFor();
    // with this browser's cookies (none left), from outside the page: no console noise
    const r = (await page.context().request.get(`${SERVER}/api/sprite/${encodeURIComponent(spriteId)}`)).status();
    check(r === 401, `GET /api/sprite/${spriteId} answers ${r} after signing out`);
    return `/sprite/${spriteId} -> ${new URL(page.url()).pathname}${new URL(page.url()).search}`;
  });
  h.noProblems();
}

await h.run(main, async () => browser?.close(), () => `browser steps passed (sprite ${spriteId})`);

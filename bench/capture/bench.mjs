// bench/capture/bench.mjs: page-load time with no recorder, with `rae capture`, and with
// Playwright's recordHar, on the same Chromium and the same local pages; and the time from the
// start of each to the first paint. Run through bench/capture/run.sh (see README.md).
//
//   node bench/capture/bench.mjs RAE_BINARY OUT_DIR
//
// Environment: RUNS (default 7), CHROMIUM (default /usr/bin/chromium), TIMEOUT (s per run, 60).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [rae, out] = process.argv.slice(2);
const RUNS = Number(process.env.RUNS || 7);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.TIMEOUT || 60) * 1000;
const TARGET_OVERHEAD = 0.1; // rae's load time at most 10 % over no recorder
const TARGET_PAINT = 1000; // ms from `rae capture` start to the first paint, headless
const MODES = ['none', 'rae', 'playwright'];

// --- processes ----------------------------------------------------------------------------------

function exited(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) ok(child.exitCode ?? child.signalCode);
    else child.once('exit', (code, sig) => ok(code ?? sig));
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, no) => (timer = setTimeout(() => no(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)));
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// The local site: its stdout carries the pages' reports, one JSON line each.
async function startSite() {
  const child = spawn(process.execPath, [path.join(HERE, 'site.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiting = new Map();
  const lines = readline.createInterface({ input: child.stdout });
  const base = await withTimeout(new Promise((ok, no) => {
    child.once('exit', () => no(new Error('site.mjs exited')));
    lines.on('line', (line) => {
      const m = /^listening (\S+) \((.*)\)/.exec(line);
      if (m) {
        console.log(`site: ${m[1]} (${m[2]})`);
        return ok(m[1]);
      }
      const r = JSON.parse(line);
      waiting.get(r.run)?.(r);
      waiting.delete(r.run);
    });
  }), 30000, 'site.mjs start');
  const report = (run) => new Promise((ok) => waiting.set(run, ok));
  return { child, base, report };
}

// Chromium as rae starts it (src/capture/chromium.c): its flags, and the first tab opened over the
// DevTools pipe once the browser is up. Nothing else is sent: no domain is enabled, no recorder.
function chromiumArgs(profile) {
  const a = ['--remote-debugging-pipe', `--user-data-dir=${profile}`, '--no-first-run',
    '--no-default-browser-check', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-dev-shm-usage', '--password-store=basic', '--hide-crash-restore-bubble',
    '--disable-blink-features=AutomationControlled', '--window-size=1280,800', '--headless=new',
    '--disable-gpu', '--no-startup-window'];
  if (process.getuid?.() === 0) a.push('--no-sandbox');
  return a;
}

// Opens the first tab the way rae does (about:blank, attached, then navigated), so that the page
// starts loading at the same point of the browser's start-up; nothing is enabled in the session.
function bareChromium(url, profile, log) {
  const child = spawn(CHROMIUM, chromiumArgs(profile), { stdio: ['ignore', log, log, 'pipe', 'pipe'], detached: true });
  const out = child.stdio[3];
  let next = 1, pending = '';
  const replies = new Map();
  const send = (method, params, sessionId) => {
    const id = next++;
    out.write(JSON.stringify({ id, method, params, ...(sessionId && { sessionId }) }) + '\0');
    return new Promise((ok) => replies.set(id, ok));
  };
  child.stdio[4].on('data', (d) => {
    const parts = (pending + d.toString()).split('\0');
    pending = parts.pop();
    for (const text of parts) {
      const m = JSON.parse(text);
      if (m.id && replies.has(m.id)) replies.get(m.id)(m.result || {}), replies.delete(m.id);
    }
  });
  out.on('error', () => {});
  (async () => {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    await send('Page.navigate', { url }, sessionId);
  })().catch(() => {});
  return { child, close: () => send('Browser.close', {}) };
}

function harStats(file) {
  try {
    const st = fs.statSync(file);
    const entries = JSON.parse(fs.readFileSync(file, 'utf8')).log.entries;
    const bodies = entries.filter((e) => e.response?.content?.text).length;
    return { entries: entries.length, bodies, harMB: st.size / 1e6 };
  } catch (e) {
    return { error: `${file}: ${e.message}` };
  }
}

// One run: start the recorder (or the bare browser) on URL, wait for the page's report, stop,
// wait for the HAR. Returns the page's timings and what it took to stop.
async function runOnce(mode, url, run, dir, report) {
  const har = path.join(dir, `${run}.har`);
  const log = fs.openSync(path.join(dir, `${run}.log`), 'w');
  const got = report(run);
  const t0 = Date.now();
  let child, stop;
  if (mode === 'none') {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rae-bench-profile-'));
    const bare = bareChromium(url, profile, log);
    child = bare.child;
    stop = async () => {
      bare.close();
      await exited(child);
      fs.rmSync(profile, { recursive: true, force: true });
    };
  } else if (mode === 'rae') {
    child = spawn(rae, ['capture', url, '--headless', '--har', har, '--chromium', CHROMIUM, '--json-stream'],
      { stdio: ['ignore', 'pipe', log] });
    child.stdout.pipe(fs.createWriteStream(path.join(dir, `${run}.ndjson`)));
    stop = async () => {
      child.kill('SIGINT');
      const code = await exited(child);
      if (code !== 0) throw new Error(`rae capture exited ${code}; see ${dir}/${run}.log`);
    };
  } else {
    child = spawn(process.execPath, [path.join(HERE, 'peer.mjs'), url, har, CHROMIUM],
      { stdio: ['pipe', 'ignore', log] });
    stop = async () => {
      child.stdin.end('stop\n');
      const code = await exited(child);
      if (code !== 0) throw new Error(`peer.mjs exited ${code}; see ${dir}/${run}.log`);
    };
  }
  const died = exited(child).then((c) => { throw new Error(`${mode} exited ${c} before the page reported; see ${dir}/${run}.log`); });
  let r;
  try {
    r = await withTimeout(Promise.race([got, died]), TIMEOUT, `${mode} ${url}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  died.catch(() => {});
  const s0 = Date.now();
  await withTimeout(stop(), TIMEOUT, `stopping ${mode}`);
  const res = { mode, page: r.page, run, load: r.load, done: r.done, fcp: r.fcp, resources: r.resources,
    startToPaint: r.timeOrigin + r.fcp - t0, stopMs: Date.now() - s0, webdriver: r.webdriver };
  if (mode !== 'none') Object.assign(res, harStats(har));
  fs.closeSync(log);
  return res;
}

// --- summary ------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function table(rows, head) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
}

function summarize(results) {
  const pick = (mode, page) => results.filter((r) => r.mode === mode && r.page === page);
  const med = {};
  const rows = [];
  for (const page of ['/heavy', '/light'])
    for (const mode of MODES) {
      const rs = pick(mode, page);
      if (!rs.length) continue;
      const m = (k) => median(rs.map((r) => r[k]));
      const mm = (k) => `${Math.round(Math.min(...rs.map((r) => r[k])))}-${Math.round(Math.max(...rs.map((r) => r[k])))}`;
      med[`${mode}${page}`] = { load: m('load'), done: m('done'), paint: m('startToPaint') };
      rows.push([page, mode, rs.length, Math.round(m('load')), mm('load'), Math.round(m('done')),
        Math.round(m('startToPaint')), Math.round(m('stopMs')), Math.round(m('resources')),
        mode === 'none' ? '-' : `${m('entries')}/${m('bodies')}`, mode === 'none' ? '-' : m('harMB').toFixed(1)]);
    }
  console.log();
  table(rows, ['page', 'recorder', 'runs', 'load ms', 'min-max', 'done ms', 'start→paint ms', 'stop ms',
    'resources', 'HAR entries/bodies', 'HAR MB']);
  console.log('(medians; load = the page\'s loadEventEnd, done = load and its fetch() calls finished,');
  console.log(' both from navigation start; start→paint = from spawning the recorder (or the bare browser)');
  console.log(' to the first contentful paint; stop = from the stop signal to the HAR written and exit)');
  console.log();
  const verdicts = [];
  const none = med['none/heavy'], raeM = med['rae/heavy'], pw = med['playwright/heavy'];
  if (none && raeM) {
    const over = raeM.load / none.load - 1;
    verdicts.push(`heavy page load: rae/none = ${(raeM.load / none.load).toFixed(3)} (overhead ${(over * 100).toFixed(1)} %; ` +
      `target <= ${TARGET_OVERHEAD * 100} %: ${over <= TARGET_OVERHEAD ? 'met' : 'NOT met'})`);
  }
  if (none && pw) verdicts.push(`heavy page load: playwright/none = ${(pw.load / none.load).toFixed(3)} ` +
    `(overhead ${((pw.load / none.load - 1) * 100).toFixed(1)} %)`);
  if (raeM && pw) verdicts.push(`heavy page load: playwright/rae = ${(pw.load / raeM.load).toFixed(3)} ` +
    `(target rae below playwright: ${raeM.load < pw.load ? 'met' : 'NOT met'})`);
  if (none && raeM) verdicts.push(`heavy page done: rae/none = ${(raeM.done / none.done).toFixed(3)}` +
    (pw ? `, playwright/none = ${(pw.done / none.done).toFixed(3)}` : ''));
  const light = med['rae/light'];
  if (light) verdicts.push(`start→first paint, light page: rae ${Math.round(light.paint)} ms` +
    (med['none/light'] ? `, bare chromium ${Math.round(med['none/light'].paint)} ms` : '') +
    (med['playwright/light'] ? `, playwright ${Math.round(med['playwright/light'].paint)} ms` : '') +
    ` (target rae <= ${TARGET_PAINT} ms: ${light.paint <= TARGET_PAINT ? 'met' : 'NOT met'})`);
  for (const v of verdicts) console.log(v);
}

// --- main ---------------------------------------------------------------------------------------

if (!rae || !out) {
  console.error('usage: node bench/capture/bench.mjs RAE_BINARY OUT_DIR');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const site = await startSite();
console.log(`${RUNS} rounds; each round loads /heavy then /light with every recorder, the order rotating`);
console.log(`chromium: ${CHROMIUM}; ${os.cpus().length} cores; loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const results = [];
let failed = 0;
try {
  for (let round = 0; round < RUNS; round++) {
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]);
    process.stdout.write(`round ${round + 1}: `);
    for (const page of ['heavy', 'light'])
      for (const mode of order) {
        const run = `${page}-${mode}-${round + 1}`;
        try {
          results.push(await runOnce(mode, `${site.base}/${page}?run=${run}`, run, out, site.report));
          process.stdout.write(`${mode[0]}`);
        } catch (e) {
          failed++;
          process.stdout.write(`\n  run ${run} failed: ${e.message}\n`);
        }
      }
    process.stdout.write('\n');
  }
} finally {
  site.child.kill('SIGTERM');
}
fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 1));
summarize(results);
console.log(`\nraw results: ${path.join(out, 'results.json')}${failed ? `; ${failed} runs failed` : ''}`);
process.exit(results.length ? 0 : 1);

// The AI engineer in the web app, end to end in a real Chromium (Playwright, Debian's
// /usr/bin/chromium), against a running `rae serve --llm-provider anthropic` whose gateway
// reaches the fixture model server (tests/fixtures/model_server), which checks every request and
// plays the model's turns scripted here. web_ai_e2e.sh starts everything and runs this:
//
//   node web_ai_e2e.mjs --print-script SITE_URL --key KEY     the model's turns (JSON), first
//   node web_ai_e2e.mjs --server URL --site URL --model URL --out DIR --user NAME
//                       --password-file FILE --rae RAE --data-dir DATA --key-file FILE
//                       [--server-log FILE]
//
// A conversation: record the fixture site, ask for a CSV export beside Stop & generate, see the
// answer stream in, the tool calls, the script in Monaco and the run's cost; a follow-up; Stop in
// the middle of a command; "start from this run" (a new run from the first one's scripts, which
// also looks for the key everywhere a command can); /api/usage equal to the fixture's tokens at
// the price table's prices; a run over budget ends with its error; usage on the dashboard; the
// settings page stores and deletes a key of the user's own. Every step prints one line and
// leaves DIR/NN-step.png; any console error fails the test. The fixture's report must have no
// deviation and no turn left.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, Failure, harness, launch, parseArgs, recordedCount, siteState, testid, toPage, waitForSitePage } from './lib.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---- the scenario: what the person asks, what the model answers ----

const P1 = 'Export every item as CSV, with its id and name';
const P2 = 'Add a last line with the number of items';
const P3 = 'Now keep watching the site for new items';
const P4 = 'Write the items as JSON instead';
const P5 = 'One more thing: sort them by name';
const P6 = 'And by id too';
const P7 = 'How do I get one item?';
const ANSWER1 = 'I will list the items with the generated client and write them to `out/items.csv`, one row each.';
const SUMMARY1 = '`scripts/export.py` writes out/items.csv: a header, then one row per item.';
const ITEMS = 3; // the capture clicks the site's button this often: items 1..3

const HEAD = `import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api_client import ApiClient  # noqa: E402

os.makedirs("out", exist_ok=True)
with ApiClient() as api, open("out/items.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "name"])
    print("id,name")
    items = api.list_items()["items"]
    for item in items:
        w.writerow([item["id"], item["name"]])
        print("%s,%s" % (item["id"], item["name"]))
`;
const EXPORT_V1 = HEAD;
const EXPORT_V2 = `${HEAD}    w.writerow(["total", len(items)])
    print("%d items in total" % len(items))
`;
const EXPORT_JSON = `import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api_client import ApiClient  # noqa: E402

os.makedirs("out", exist_ok=True)
with ApiClient() as api:
    items = api.list_items()["items"]
with open("out/items.json", "w") as f:
    json.dump(items, f, indent=2)
print("wrote %d items" % len(items))
`;

/** A look for the key everywhere a command of the run can: its environment, every process's
 * environment and command line in /proc, the files of the workspace and /tmp. The key's halves
 * are joined inside Python: no command line (this one, in the transcript and in the request the
 * model server sees) ever holds the whole key. */
function probe(key) {
  const half = Math.floor(key.length / 2);
  const py = [
    'import glob, os, sys',
    'k = (sys.argv[1] + sys.argv[2]).encode()',
    'def has(path):',
    '    try:',
    '        with open(path, \'rb\') as f:',
    '            return k in f.read()',
    '    except OSError:',
    '        return False',
    'print(\'environment\', sum(k in v.encode() for v in os.environ.values()))',
    'print(\'proc\', sum(has(p) for p in glob.glob(\'/proc/[0-9]*/environ\') + glob.glob(\'/proc/[0-9]*/cmdline\')))',
    'found = [os.path.join(d, n) for top in (\'/workspace\', \'/tmp\') for d, _, names in os.walk(top) for n in names if has(os.path.join(d, n))]',
    'print(\'files\', \' \'.join(found) or \'none\')',
  ].join('\n');
  return `python3 -c "${py}" ${key.slice(0, half)} ${key.slice(half)}`;
}
const PROBE_SAYS = 'environment 0\nproc 0\nfiles none';

// each answer's tokens, distinct, so that the sums say which answers were counted
const usage = (n) => ({ input_tokens: 1000 + 100 * n, output_tokens: 40 + 7 * n, cache_read_input_tokens: n > 1 ? 300 * n : 0, cache_creation_input_tokens: n === 1 ? 800 : 0 });
const call = (id, name, input) => ({ id, name, input });

/** The model's turns, in the order the conversation asks for them. */
function turns(key) {
  const t = [
    // run A, asked beside Stop & generate; its answer streams slowly enough to be seen growing
    { expect: { last_user_contains: [P1], tools: ['search_har', 'get_entry', 'read_file', 'write_file', 'run', 'finish'] },
      reply: { text: ANSWER1, tool_calls: [call('a1', 'write_file', { path: 'scripts/export.py', content: EXPORT_V1 })] },
      wire: { pause_ms: 120 } },
    { expect: { tool_result_for: 'a1', last_user_contains: ['wrote scripts/export.py'] },
      reply: { tool_calls: [call('a2', 'run', { command: 'python3 scripts/export.py' })] } },
    { expect: { tool_result_for: 'a2', last_user_contains: ['exit status 0', `${ITEMS},item ${ITEMS}`] },
      reply: { text: `It works: ${ITEMS} items exported.`, tool_calls: [call('a3', 'finish', { summary: SUMMARY1 })] } },
    // A's follow-up
    { expect: { last_user_contains: [P2] },
      reply: { text: 'Adding the count as the last line.', tool_calls: [call('a4', 'write_file', { path: 'scripts/export.py', content: EXPORT_V2 })] } },
    { expect: { tool_result_for: 'a4' }, reply: { tool_calls: [call('a5', 'run', { command: 'python3 scripts/export.py' })] } },
    { expect: { tool_result_for: 'a5', last_user_contains: [`${ITEMS} items in total`] },
      reply: { tool_calls: [call('a6', 'finish', { summary: `The CSV ends with the number of items (${ITEMS}).` })] } },
    // A's second follow-up, stopped while its command runs (no turn answers it)
    { expect: { last_user_contains: [P3] }, reply: { text: 'Watching the site.', tool_calls: [call('a7', 'run', { command: 'sleep 120' })] } },
    // run B, from run A's scripts: it reads A's export.py as the follow-up left it
    { expect: { last_user_contains: [P4] },
      reply: { text: 'Starting from the CSV export.', tool_calls: [call('b1', 'read_file', { path: 'scripts/export.py' })] } },
    { expect: { tool_result_for: 'b1', last_user_contains: ['items in total'] },
      reply: { tool_calls: [call('b2', 'write_file', { path: 'scripts/export_json.py', content: EXPORT_JSON })] } },
    { expect: { tool_result_for: 'b2' }, reply: { tool_calls: [call('b3', 'run', { command: `python3 scripts/export_json.py && ${probe(key)}` })] } },
    { expect: { tool_result_for: 'b3', last_user_contains: [`wrote ${ITEMS} items`] },
      reply: { text: 'Done: `out/items.json`.', tool_calls: [call('b4', 'finish', { summary: '`scripts/export_json.py` writes out/items.json.' })] } },
    // B's follow-up, with what is left of the budget less than this answer: the gateway refuses
    // the request that would answer the command's result
    { expect: { last_user_contains: [P5] }, reply: { text: 'Sorting them.', tool_calls: [call('b5', 'run', { command: 'true' })] } },
    // run C, from the engineer panel's own form (a capture and a prompt), once the budget is back
    { expect: { last_user_contains: [P7] }, reply: { text: 'Nothing to write: the client has it.', tool_calls: [call('c1', 'finish', { summary: 'Use `api.get_item(item_id=...)`.' })] } },
  ];
  return t.map((turn, i) => ({ ...turn, reply: { ...turn.reply, usage: usage(i + 1) } }));
}

const TURNS_A1 = [1, 2, 3];
const TURNS_A = [1, 2, 3, 4, 5, 6, 7];
const TURNS_B = [8, 9, 10, 11, 12];

if (process.argv[2] === '--print-script') {
  const opts = parseArgs('web_ai_e2e', ['print-script', 'key']);
  process.stdout.write(JSON.stringify({ provider: 'anthropic', api_key: opts.key, turns: turns(opts.key) }, null, 1));
  process.exit(0);
}

// ---- arguments ----

const opts = parseArgs('web_ai_e2e', ['server', 'site', 'model', 'out', 'user', 'password-file', 'rae', 'data-dir', 'key-file']);
const SERVER = opts.server.replace(/\/$/, '');
const SITE = opts.site.replace(/\/$/, '');
const MODEL = opts.model.replace(/\/$/, '');
const OUT = opts.out;
const USER = opts.user;
const PASSWORD = readFileSync(opts['password-file'], 'utf8');
const KEY = readFileSync(opts['key-file'], 'utf8').trim();

// Generous limits for the ASan build on a busy two-core machine; every wait polls a condition.
const T = {
  step: 30_000, // an ordinary UI step
  display: 120_000, // Start capture until the page shows in the canvas
  requests: 60_000, // a click until its requests are recorded
  run: 120_000, // a question until its answer is complete
  whole: 280_000, // the whole test, before ctest's limit
};

// Console errors that are allowed, each with why it cannot be avoided.
const ALLOWED = [
  // a message over the budget is refused with 402 (docs/api.md), which the page shows; Chromium
  // logs every 4xx answer to a fetch as a console error, whatever the page does with it
  {
    step: 'over-budget',
    text: /^Failed to load resource: the server responded with a status of 402 \(Payment Required\)$/,
    url: /\/api\/sprite\/[^/]+\/engineer\/run\/[^/]+\/messages$/,
  },
];

const h = harness({ name: 'web_ai_e2e', out: OUT, whole: T.whole, step: T.step, serverLog: opts['server-log'] ?? '(not given)', allowed: ALLOWED });
const { say, step, until } = h;
let page = null;
let browser = null;

// ---- what the answers cost, as the fixture's tokens at the price table's prices ----

const PRICES = JSON.parse(readFileSync(join(ROOT, 'src/ai/prices.json'), 'utf8'));

function tokensOf(ns) {
  const all = turns(KEY);
  const sum = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const n of ns) {
    const u = all[n - 1].reply.usage;
    sum.input += u.input_tokens;
    sum.output += u.output_tokens;
    sum.cacheRead += u.cache_read_input_tokens;
    sum.cacheWrite += u.cache_creation_input_tokens;
  }
  return sum;
}

function costOf(ns, model) {
  const p = PRICES.models[model];
  check(p, `no price for ${model} in src/ai/prices.json`);
  const t = tokensOf(ns);
  return (t.input * p.input + t.output * p.output + t.cacheRead * p.cache_read + t.cacheWrite * p.cache_write) / 1e6;
}

const totalOf = (t) => t.input + t.output + t.cacheRead + t.cacheWrite;
const near = (a, b) => Math.abs(a - b) < 1e-9;

async function modelReport() {
  const r = await fetch(`${MODEL}/_fixture/report`);
  return r.json();
}

function rae(...args) {
  return execFileSync(opts.rae, [...args, '--data-dir', opts['data-dir']], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// ---- the page ----

const api = async (path) => {
  const r = await page.context().request.get(`${SERVER}${path}`);
  check(r.ok(), `GET ${path} answered ${r.status()}`);
  return r.json();
};
const status = () => page.locator(testid('run-status')).textContent();
const runIdOf = (url) => decodeURIComponent(new URL(url).pathname.split('/')[4] ?? '');
const toolLine = (tool, nth = 0) => page.locator(`${testid('chat-tool')}[data-tool="${tool}"]`).nth(nth);
const lineText = async (l) => ((await l.locator('summary').textContent()) ?? '').replace(/\s+/g, ' ').trim();
// (Monaco draws spaces as no-break spaces)
const monacoText = async () => ((await page.locator(`${testid('monaco')} .view-lines`).textContent()) ?? '').replaceAll('\u00a0', ' ');

/** Waits for the run's answer to end as complete; fails at once with the error it shows. */
async function answered(what, dones) {
  await until(what, async () => {
    const err = page.locator(testid('chat-error'));
    if (await err.count()) throw new Failure(`the run shows an error: ${(await err.last().textContent())?.trim()}`);
    return (await status()) === 'complete' && (await page.locator(testid('chat-done')).count()) >= dones;
  }, T.run);
}

/** The message events of the model's answers that came over the run's streams, as they came. */
const pieces = [];
function watchStreams(p) {
  p.on('websocket', (ws) => {
    if (!ws.url().includes('/engineer/stream')) return;
    ws.on('framereceived', (f) => {
      try {
        const e = JSON.parse(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'));
        if (e.type === 'message' && !e.role) pieces.push({ url: ws.url(), text: e.text });
      } catch {
        // not an event
      }
    });
  });
}

async function meter() {
  const m = page.locator(testid('run-meter'));
  return { tokens: Number(await m.getAttribute('data-tokens')), cost: Number(await m.getAttribute('data-cost')), text: ((await m.textContent()) ?? '').trim() };
}

async function main() {
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(T.step);
  h.watch(page);
  watchStreams(page);
  let llm = null;

  await step('signin', async () => {
    await page.goto(`${SERVER}/`);
    await page.waitForURL(/\/login(\?|$)/);
    await page.locator(testid('login-username')).fill(USER);
    await page.locator(testid('login-password')).fill(PASSWORD);
    await page.locator(testid('login-submit')).click();
    await page.waitForURL(`${SERVER}/`);
    await page.locator(testid('user-name')).filter({ hasText: USER }).waitFor();
    llm = await api('/api/llm');
    check(llm.configured && llm.provider === 'anthropic' && llm.source === 'server', `GET /api/llm: ${JSON.stringify(llm)}`);
    return `signed in as ${USER}; the model: ${llm.model} (${llm.provider}, the server's key)`;
  });

  await step('settings-ready', async () => {
    await page.locator(testid('settings-link')).click();
    await page.waitForURL(`${SERVER}/settings`);
    await page.locator(testid('settings-model')).filter({ hasText: 'The AI engineer is ready' }).waitFor();
    await page.locator(testid('settings-model')).filter({ hasText: llm.model }).waitFor();
    const limit = (await page.locator(testid('settings-budget-limit')).textContent())?.trim();
    check(limit === '$5.00', `the budget reads "${limit}", not $5.00`);
    await page.locator(testid('settings-key-state')).filter({ hasText: 'No key of your own' }).waitFor();
    return `ready with ${llm.model}; budget ${limit}`;
  });

  let spriteId = '';
  await step('sprite', async () => {
    await page.goto(`${SERVER}/`);
    await page.locator(testid('new-sprite')).click();
    await page.waitForURL(/\/sprite\/[^/]+$/);
    spriteId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await until('the browser view to say no browser runs', () => page.locator('.browser .overlay').filter({ hasText: 'No browser running' }).isVisible());
    return `sprite ${spriteId}`;
  });

  await step('capture', async () => {
    await page.locator(testid('url-input')).fill(`${SITE}/`);
    await page.locator(testid('start-capture')).click();
    const button = await waitForSitePage(h, page, T.display);
    const site0 = await siteState(SITE);
    const at = await toPage(page, button.x + button.width / 2, button.y + button.height / 2);
    for (let i = 0; i < ITEMS; i++) {
      const want = site0.posts + i + 1;
      await page.mouse.click(at.x, at.y);
      await until(`the site to get POST ${i + 1}`, async () => (await siteState(SITE)).posts >= want, T.requests);
    }
    const n = await until('the requests in the recorded-requests counter', async () => {
      const c = await recordedCount(page);
      return c >= 1 + 3 * ITEMS ? c : null;
    }, T.requests);
    return `clicked the site's button ${ITEMS} times: ${n} requests recorded`;
  });

  let runA = '';
  await step('ask', async () => {
    const prompt = page.locator(testid('capture-prompt'));
    await prompt.waitFor();
    await prompt.fill(P1);
    await page.locator(testid('stop-generate')).click();
    await page.waitForURL(/\/sprite\/[^/]+\/run\/[^/]+$/, { timeout: T.run });
    runA = runIdOf(page.url());
    await page.locator(testid('widen')).click(); // the chat beside the files
    await page.locator(testid('chat-user')).filter({ hasText: P1 }).waitFor({ timeout: T.run });
    return `run ${runA}: "${P1}"`;
  });

  await step('streamed-text', async () => {
    // the answer grows as its pieces come (the fixture pauses between them)
    const bubble = page.locator(testid('chat-answer')).first();
    const seen = new Set();
    await until('the answer in full', async () => {
      if (await bubble.count()) seen.add(((await bubble.textContent()) ?? '').trim());
      return seen.has(ANSWER1.replaceAll('`', ''));
    }, T.run, 20);
    const mine = pieces.filter((p) => p.url.includes(encodeURIComponent(runA)));
    const joined = mine.map((p) => p.text).join('');
    check(joined.startsWith(ANSWER1), `the stream's message pieces join to "${joined.slice(0, 120)}"`);
    check(mine.length >= 2, `the answer came in ${mine.length} piece(s)`);
    const partial = [...seen].filter((t) => t && t.length < ANSWER1.length - 4).length;
    return `the answer came in ${mine.length} pieces over the stream; the page showed ${seen.size} states of it (${partial} partial)`;
  });

  await step('tool-calls', async () => {
    const write = toolLine('write_file');
    await until('the write_file call to succeed', async () => (await write.getAttribute('data-state')) === 'ok', T.run);
    const run = toolLine('run');
    await until('the run call to succeed', async () => (await run.getAttribute('data-state')) === 'ok', T.run);
    const text = await lineText(run);
    const want = `run python3 scripts/export.py → exit 0, ${ITEMS + 1} lines`;
    check(text === want, `the run line reads "${text}", not "${want}"`);
    await run.locator('summary').click();
    const out = (await run.locator('.tool-text').last().textContent()) ?? '';
    check(out.includes(`${ITEMS},item ${ITEMS}`), `the run's output: ${out}`);
    return `"${await lineText(write)}"; "${text}", opened: ${out.trim().split('\n').length} lines of output`;
  });

  await step('file-in-monaco', async () => {
    await page.locator(`${testid('file-tab')}[data-path="scripts/export.py"][aria-selected="true"]`).waitFor({ timeout: T.run });
    await until('scripts/export.py in Monaco', async () => /csv\.writer/.test((await monacoText()) ?? ''));
    const tabs = await page.locator(testid('file-tab')).evaluateAll((b) => b.map((x) => x.dataset.path));
    check(tabs.includes('api_client.py'), `no api_client.py tab: ${tabs.join(', ')}`);
    return `tabs: ${tabs.join(', ')}; scripts/export.py shown`;
  });

  await step('answer-cost', async () => {
    await answered('the first answer to complete', 1);
    await page.locator(testid('chat-done')).filter({ hasText: 'writes out/items.csv' }).waitFor();
    const want = tokensOf(TURNS_A1);
    const cost = costOf(TURNS_A1, llm.model);
    const m = await until('the meter to count the first answer', async () => {
      const x = await meter();
      return x.tokens === totalOf(want) ? x : null;
    });
    check(near(m.cost, cost), `the meter's cost is ${m.cost}, the fixture's tokens cost ${cost}`);
    check(m.text.includes(`$${cost.toFixed(4)}`), `the meter reads "${m.text}", not $${cost.toFixed(4)}`);
    return `complete; the meter: "${m.text}" (${m.tokens} tokens, $${m.cost})`;
  });

  await step('follow-up', async () => {
    const input = page.locator(testid('composer-input'));
    await input.fill(P2);
    await input.press('Enter');
    await page.locator(testid('chat-user')).filter({ hasText: P2 }).waitFor({ timeout: T.run });
    await answered('the follow-up to complete', 2);
    const run = toolLine('run', 1);
    const text = await lineText(run);
    const want = `run python3 scripts/export.py → exit 0, ${ITEMS + 2} lines`;
    check(text === want, `the second run line reads "${text}", not "${want}"`);
    await until('the new scripts/export.py in Monaco', async () => /items in total/.test((await monacoText()) ?? ''));
    check((await input.inputValue()) === '', 'the box still holds the message it sent');
    const m = await until('the meter to count both answers', async () => {
      const x = await meter();
      return x.tokens === totalOf(tokensOf([1, 2, 3, 4, 5, 6])) ? x : null;
    });
    return `"${P2}": "${text}"; Monaco shows the new script; the meter: "${m.text}"`;
  });
  await h.shot('chat.png');

  await step('stop', async () => {
    const input = page.locator(testid('composer-input'));
    await input.fill(P3);
    await input.press('Enter');
    const sleeping = toolLine('run', 2);
    await until('the sleep to run', async () => (await sleeping.getAttribute('data-state')) === 'running', T.run);
    await page.locator(testid('run-stop')).click();
    await until('the run to be cancelled', async () => (await status()) === 'cancelled', T.step);
    await page.locator(`${testid('chat-error')}[data-kind="cancelled"]`).waitFor();
    const state = await sleeping.getAttribute('data-state');
    check(state !== 'running', 'the stopped command still shows as running');
    const rec = (await api(`/api/sprite/${encodeURIComponent(spriteId)}/engineer/run/${encodeURIComponent(runA)}`)).run;
    check(rec.status === 'cancelled', `the run's record says ${rec.status}`);
    return `"${P3}": stopped during "${await lineText(sleeping)}"; the record says cancelled`;
  });

  let runB = '';
  await step('start-from-run', async () => {
    await page.locator(testid('run-from')).click();
    await page.locator(testid('composer')).filter({ hasText: 'A new run on the same capture' }).waitFor();
    const input = page.locator(testid('composer-input'));
    await input.fill(P4);
    await input.press('Enter');
    await page.waitForURL((u) => /\/run\/[^/]+$/.test(u.pathname) && runIdOf(u.href) !== runA, { timeout: T.run });
    runB = runIdOf(page.url());
    await page.locator('.run-head').filter({ hasText: `from ${runA}` }).waitFor();
    await page.locator(testid('chat-user')).filter({ hasText: P4 }).waitFor({ timeout: T.run });
    await answered('the new run to complete', 1);
    const read = await lineText(toolLine('read_file'));
    check(read.startsWith('read scripts/export.py →'), `the read line: "${read}"`);
    await page.locator(`${testid('file-tab')}[data-path="scripts/export_json.py"]`).waitFor();
    return `run ${runB} from ${runA}: "${read}"; scripts/export_json.py written`;
  });

  await step('key-nowhere', async () => {
    const run = toolLine('run');
    check((await run.getAttribute('data-state')) === 'ok', `the probe: ${await lineText(run)}`);
    await run.locator('summary').click();
    const out = ((await run.locator('.tool-text').last().textContent()) ?? '').trim();
    check(out === `wrote ${ITEMS} items\n${PROBE_SAYS}`, `the probe printed: ${JSON.stringify(out)}`);
    check(!(await page.content()).includes(KEY), 'the key is on the page');
    return 'the key is in no environment, no /proc/*/environ or cmdline, no file of /workspace or /tmp';
  });

  await step('over-budget', async () => {
    // a budget a little above what is spent: the follow-up starts, its first answer passes it
    const spent = (await api('/api/llm')).budget.spentUsd;
    rae('user', 'budget', USER, (spent + 0.00001).toFixed(8));
    const before = (await modelReport()).requests;
    const input = page.locator(testid('composer-input'));
    await input.fill(P5);
    await input.press('Enter');
    await page.locator(testid('chat-user')).filter({ hasText: P5 }).waitFor({ timeout: T.run });
    const err = page.locator(testid('chat-error')).last();
    await until('the run to end in an error', async () => (await status()) === 'error' && (await err.count()) > 0, T.run);
    const said = ((await err.textContent()) ?? '').trim();
    check(said.startsWith('Over budget') && /budget/i.test(said.slice(11)), `the run's error: ${said}`);
    const requests = (await modelReport()).requests - before;
    check(requests === 1, `the model got ${requests} request(s) for the follow-up, not 1 (its answer, then the budget)`);
    // spent: the next message is refused when it is sent, and says why
    await input.fill(P6);
    await input.press('Enter');
    const refused = await until('the refusal', async () => ((await page.locator(testid('composer-error')).textContent()) ?? '').trim());
    check(/budget/i.test(refused), `the refusal does not name the budget: ${refused}`);
    check((await input.inputValue()) === P6, 'the refused message is no longer in the box');
    check((await modelReport()).requests - before === 1, 'the model got a request over the budget');
    return `the run ended: "${said}" (${await err.getAttribute('data-kind')}); the next message refused: "${refused}"`;
  });
  await h.shot('over-budget.png');

  await step('usage-api', async () => {
    const u = await api('/api/usage');
    const want = tokensOf([...TURNS_A, ...TURNS_B]);
    const got = u.total;
    const same = got.inputTokens === want.input && got.outputTokens === want.output && got.cacheReadTokens === want.cacheRead && got.cacheWriteTokens === want.cacheWrite;
    check(same, `/api/usage's total is ${JSON.stringify(got)}; the fixture's tokens: ${JSON.stringify(want)}`);
    const cost = costOf([...TURNS_A, ...TURNS_B], llm.model);
    check(near(got.costUsd, cost), `/api/usage's cost is ${got.costUsd}, the fixture's tokens cost ${cost}`);
    check(got.answers === TURNS_A.length + TURNS_B.length, `${got.answers} answers counted`);
    const a = u.runs.find((r) => r.run === runA);
    const b = u.runs.find((r) => r.run === runB);
    check(a && near(a.costUsd, costOf(TURNS_A, llm.model)) && b && near(b.costUsd, costOf(TURNS_B, llm.model)), `by run: ${JSON.stringify(u.runs)}`);
    return `${got.answers} answers, ${totalOf(want)} tokens, $${got.costUsd.toFixed(6)}: the fixture's counts exactly`;
  });

  await step('dashboard-usage', async () => {
    await page.goto(`${SERVER}/`);
    const cost = costOf([...TURNS_A, ...TURNS_B], llm.model);
    await page.locator(testid('usage-cost')).filter({ hasText: `$${cost.toFixed(4)}` }).waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const bar = page.locator(`${testid('usage-chart')} g[data-day="${today}"] rect.bar`);
    check(Number(await bar.getAttribute('height')) > 0, `no bar for ${today}`);
    const runs = await page.locator(testid('usage-run')).evaluateAll((trs) => trs.map((t) => t.dataset.run));
    check(runs.includes(runA) && runs.includes(runB), `the costliest runs: ${runs.join(', ')}`);
    await page.locator(testid('usage-all')).click();
    await until('every user\'s usage', async () => (await page.locator(testid('usage')).getAttribute('data-all')) === 'true');
    await page.locator(testid('usage-cost')).filter({ hasText: `$${cost.toFixed(4)}` }).waitFor();
    await page.locator(`${testid('usage-user')}[data-user="${USER}"]`).filter({ hasText: `$${cost.toFixed(4)}` }).waitFor();
    return `$${cost.toFixed(4)} this month, a bar for ${today}, runs ${runs.join(', ')}; all users: the same, by user: ${USER}`;
  });

  await step('settings-key', async () => {
    rae('user', 'budget', USER, '5');
    const own = `sk-ant-own-${Date.now().toString(36)}-e2e`;
    await page.goto(`${SERVER}/settings`);
    await page.locator(testid('settings-spent')).waitFor();
    const spent = Number(await page.locator(testid('settings-spent')).getAttribute('data-usd'));
    check(near(spent, costOf([...TURNS_A, ...TURNS_B], llm.model)), `the settings page says $${spent} spent`);
    const input = page.locator(testid('settings-key-input'));
    check((await input.getAttribute('type')) === 'password', 'the key field is not a password field');
    await input.fill(own);
    await page.locator(testid('settings-key-save')).click();
    await page.locator(testid('settings-key-state')).filter({ hasText: 'stored' }).waitFor();
    check((await input.inputValue()) === '', 'the key stays in its field');
    const state = await api('/api/llm');
    check(state.ownKey.set && state.source === 'own' && !JSON.stringify(state).includes(own), `GET /api/llm after storing: ${JSON.stringify(state)}`);
    check(!(await page.content()).includes(own), 'the key is on the page');
    await h.shot('settings.png');
    await page.locator(testid('settings-key-delete')).click();
    await page.locator(testid('confirm-ok')).click();
    await page.locator(testid('settings-key-state')).filter({ hasText: 'No key of your own' }).waitFor();
    const gone = await api('/api/llm');
    check(!gone.ownKey.set && gone.source === 'server', `GET /api/llm after deleting: ${JSON.stringify(gone)}`);
    return `stored (never shown again), then deleted; spent $${spent.toFixed(4)}`;
  });

  await step('new-run', async () => {
    await page.goto(`${SERVER}/sprite/${encodeURIComponent(spriteId)}`);
    const form = page.locator(testid('new-run-form'));
    await form.waitFor();
    const hars = await page.locator(`${testid('new-run-har')} option`).evaluateAll((o) => o.map((x) => x.value));
    check(hars.length === 1 && hars[0].startsWith('/workspace/har/'), `the form offers ${JSON.stringify(hars)}`);
    const input = form.locator(testid('new-run-input'));
    await input.fill(P7);
    await input.press('Enter');
    await page.waitForURL(/\/run\/[^/]+$/, { timeout: T.run });
    const runC = runIdOf(page.url());
    await page.locator(testid('chat-user')).filter({ hasText: P7 }).waitFor({ timeout: T.run });
    await answered('run C to complete', 1);
    await page.locator(testid('chat-done')).filter({ hasText: 'api.get_item' }).waitFor();
    return `run ${runC} on ${hars[0]}: "${P7}" answered`;
  });

  await step('fixture-report', async () => {
    const r = await modelReport();
    check(r.deviations.length === 0, `the model server saw requests off the reference: ${JSON.stringify(r.deviations).slice(0, 800)}`);
    check(r.turns_left === 0, `${r.turns_left} scripted turn(s) not played`);
    return `${r.requests} requests, all as the provider's reference says; every turn played`;
  });
  h.noProblems();
  say(`runs ${runA} and ${runB}`);
}

await h.run(main, async () => browser?.close(), () => 'browser steps passed');

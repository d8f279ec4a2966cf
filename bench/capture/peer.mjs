// bench/capture/peer.mjs: the peer recorder, Playwright's own recordHar, on the same Chromium.
//
//   node bench/capture/peer.mjs URL OUT.har [CHROMIUM]
//
// Launches Chromium headless through playwright-core with a context that records a HAR the way
// the issue names it (mode "full", content "embed"), opens URL, and waits for a line on stdin;
// then closes the context (which writes OUT.har) and the browser, and exits 0. This is how a
// person would record a HAR with Playwright; bench.mjs measures the page's own timings.
import { createRequire } from 'node:module';
import readline from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [url, har, exe = process.env.RAE_CHROMIUM || '/usr/bin/chromium'] = process.argv.slice(2);
if (!url || !har) {
  process.stderr.write('usage: node bench/capture/peer.mjs URL OUT.har [CHROMIUM]\n');
  process.exit(2);
}
// playwright-core is a devDependency of the repository root (package.json), installed by deps.sh.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = createRequire(path.join(root, 'package.json'))('playwright-core');

const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({
  viewport: { width: 1280, height: 800 },
  recordHar: { path: har, mode: 'full', content: 'embed' },
});
const page = await context.newPage();
await page.goto(url, { waitUntil: 'commit' });
process.stdout.write('opened\n');
const rl = readline.createInterface({ input: process.stdin });
await new Promise((ok) => rl.once('line', ok).once('close', ok));
rl.close();
await context.close();
await browser.close();

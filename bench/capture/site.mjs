// bench/capture/site.mjs: the heavy local page that bench/capture loads, and the light one.
//
//   node bench/capture/site.mjs [PORT]      (0 or nothing: any free port on 127.0.0.1)
//
// Prints "listening http://127.0.0.1:PORT" on stdout, then one JSON line per report a page sends
// to POST /report (its own timings: navigation-timing load, first contentful paint, resources).
//
//   /heavy?run=ID   a page of 315 resources (see PAGE below), ~16 MB in all, some of them large;
//                   reports when the load event has ended and its fetch() calls are done
//   /light?run=ID   a page of one heading; reports its first contentful paint
//
// Every body is made once at start from a fixed seed (the same bytes in every run), served from
// memory with Content-Length, no compression and `Cache-Control: no-store`. Each run of the bench
// uses a fresh browser profile anyway.
import http from 'node:http';
import zlib from 'node:zlib';

const PAGE = {
  css: 8, // small stylesheets in <head>, 4 KB each
  bigCss: 1 << 20, // one 1 MB stylesheet
  js: 40, // deferred scripts, 8-24 KB each
  bigJs: 3 << 20, // one 3 MB deferred script (a large string literal)
  img: 240, // 64x64 RGB PNG of noise (~12 KB each: noise does not compress)
  bigImg: 2, // 1024x768 RGB PNG of noise (~2.4 MB each)
  fetches: 20, // small JSON API calls made at DOMContentLoaded
  bigJson: 4 << 20, // one 4 MB JSON fetched at DOMContentLoaded
};

// A small deterministic PRNG (xorshift32): the same bodies in every run and every process.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function noise(n, seed) {
  const next = rng(seed);
  const b = Buffer.alloc((n + 3) & ~3);
  for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(next(), i);
  return b.subarray(0, n);
}

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(buf) {
  let c = -1;
  for (const byte of buf) c = CRC[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// An RGB PNG of w x h noisy pixels.
function png(w, h, seed) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter method, no interlace
  const px = noise(h * (w * 3 + 1), seed);
  for (let y = 0; y < h; y++) px[y * (w * 3 + 1)] = 0; // filter type "none" on every row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(px, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function hex(n, seed) {
  return noise(Math.ceil(n / 2), seed).toString('hex').slice(0, n);
}

function makeBodies() {
  const res = new Map(); // path -> [content type, body]
  const put = (path, type, body) => res.set(path, [type, Buffer.from(body)]);
  for (let i = 0; i < PAGE.css; i++)
    put(`/s/${i}.css`, 'text/css', `.c${i}{color:#${hex(6, 100 + i)}}\n/*${hex(4000, 200 + i)}*/\n`);
  let big = '';
  for (let i = 0; big.length < PAGE.bigCss; i++) big += `.b${i}{margin:${i % 9}px;background:#${hex(6, i + 1)}}\n`;
  put('/s/big.css', 'text/css', big);
  for (let i = 0; i < PAGE.js; i++) {
    const n = 8192 + ((i * 4099) % 16384);
    put(`/j/${i}.js`, 'text/javascript', `window.__js=(window.__js||0)+1;var s${i}="${hex(n, 300 + i)}";\n`);
  }
  put('/j/big.js', 'text/javascript', `window.__big="${hex(PAGE.bigJs, 7)}".length;\n`);
  for (let i = 0; i < PAGE.img; i++) put(`/i/${i}.png`, 'image/png', png(64, 64, 1000 + i));
  for (let i = 0; i < PAGE.bigImg; i++) put(`/i/big${i}.png`, 'image/png', png(1024, 768, 5000 + i));
  for (let i = 0; i < PAGE.fetches; i++)
    put(`/api/items/${i}`, 'application/json', JSON.stringify({ id: i, name: `item ${i}`, data: hex(2000, 600 + i) }));
  const rows = [];
  for (let i = 0, len = 0; len < PAGE.bigJson; i++) {
    const row = JSON.stringify({ id: i, value: hex(100, 9000 + (i % 5000)) });
    rows.push(row);
    len += row.length + 1;
  }
  put('/api/big', 'application/json', `[${rows.join(',')}]`);
  put('/favicon.ico', 'image/png', png(16, 16, 3));
  return res;
}

// Runs in the page: sends its timings to /report once the load event has ended and (on the
// heavy page) every fetch is done.
const REPORT = `
<script>
(function () {
  var run = new URLSearchParams(location.search).get('run') || '';
  var fetches = window.__fetches || Promise.resolve(0);
  function fcp() {
    var p = performance.getEntriesByName('first-contentful-paint')[0];
    return p ? p.startTime : -1;
  }
  function send(done, bytes) {
    var nav = performance.getEntriesByType('navigation')[0];
    var body = JSON.stringify({
      run: run, page: location.pathname, timeOrigin: performance.timeOrigin,
      load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd, fcp: fcp(), done: done,
      resources: performance.getEntriesByType('resource').length, fetched: bytes,
      scripts: window.__js || 0, webdriver: navigator.webdriver
    });
    fetch('/report?run=' + encodeURIComponent(run), { method: 'POST', body: body, keepalive: true });
  }
  function whenPainted(f) {
    if (fcp() >= 0) return f();
    new PerformanceObserver(function (l, o) { o.disconnect(); f(); }).observe({ type: 'paint', buffered: true });
  }
  window.addEventListener('load', function () {
    setTimeout(function () {
      fetches.then(function (bytes) { whenPainted(function () { send(performance.now(), bytes); }); });
    }, 0);
  });
})();
</script>`;

function heavyPage() {
  const h = ['<!doctype html><html><head><meta charset="utf-8"><title>rae bench: heavy page</title>',
    '<script>performance.setResourceTimingBufferSize(2000)</script>'];
  for (let i = 0; i < PAGE.css; i++) h.push(`<link rel="stylesheet" href="/s/${i}.css">`);
  h.push('<link rel="stylesheet" href="/s/big.css">');
  for (let i = 0; i < PAGE.js; i++) h.push(`<script defer src="/j/${i}.js"></script>`);
  h.push('<script defer src="/j/big.js"></script>');
  h.push('<style>img{width:32px;height:32px}.big{width:256px;height:192px}</style></head><body>');
  h.push('<h1>rae bench: a heavy page</h1>');
  for (let i = 0; i < PAGE.bigImg; i++) h.push(`<img class="big" src="/i/big${i}.png">`);
  for (let i = 0; i < PAGE.img; i++) h.push(`<img src="/i/${i}.png">`);
  const urls = [...Array(PAGE.fetches).keys()].map((i) => `/api/items/${i}`).concat(['/api/big']);
  h.push(`<script>
window.__fetches = new Promise(function (ok) {
  document.addEventListener('DOMContentLoaded', function () {
    Promise.all(${JSON.stringify(urls)}.map(function (u) {
      return fetch(u).then(function (r) { return r.text(); }).then(function (t) { return t.length; });
    })).then(function (n) { ok(n.reduce(function (a, b) { return a + b; }, 0)); });
  });
});
</script>`);
  h.push(REPORT, '</body></html>');
  return h.join('\n');
}

const lightPage = `<!doctype html><html><head><meta charset="utf-8"><title>rae bench: light page</title></head>
<body><h1>rae bench: first paint</h1>${REPORT}</body></html>`;

const bodies = makeBodies();
bodies.set('/heavy', ['text/html; charset=utf-8', Buffer.from(heavyPage())]);
bodies.set('/light', ['text/html; charset=utf-8', Buffer.from(lightPage)]);

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/report') {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString();
      try {
        process.stdout.write(JSON.stringify({ ...JSON.parse(text), at: Date.now() }) + '\n');
      } catch {
        process.stderr.write(`site: bad report: ${text.slice(0, 200)}\n`);
      }
      res.writeHead(204).end();
    });
    return;
  }
  const hit = bodies.get(url.pathname);
  if (!hit) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': hit[0], 'Content-Length': hit[1].length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : hit[1]);
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  let total = 0;
  for (const [, b] of bodies.values()) total += b.length;
  process.stdout.write(`listening http://127.0.0.1:${server.address().port} ` +
    `(${bodies.size} paths, ${(total / 1e6).toFixed(1)} MB)\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

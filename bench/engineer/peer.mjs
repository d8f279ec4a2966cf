// The peer side of bench/engineer: HAR -> OpenAPI with the npm package har-to-openapi.
//
//   node bench/engineer/peer.mjs CAPTURE.har OUT_OPENAPI.json [EXTRA_CONFIG_JSON]
//
// Reads the HAR, runs har-to-openapi's generateSpec, writes the spec (JSON) to OUT_OPENAPI.json
// so the work cannot be skipped, and prints "paths=N operations=M" on stdout. The timed work is
// the whole process (node start, JSON.parse, conversion, YAML + JSON serialisation), the same
// scope as `rae engineer`, which also reads, parses and writes its outputs.
//
// Options (chosen to give har-to-openapi its best shot at a real, comparable spec):
//   relaxedMethods             keep non-standard methods (the corpus file has one)
//   attemptToParameterizeUrl   /users/123 -> /users/{id}, as rae does (off by default in the peer)
//   minLengthForNumericPath 1  parameterise short numeric ids too (default 3 leaves /users/7 alone)
//   forceAllRequestsInSameSpec one document for every host, so all entries are converted and
//                              written, not only the first host's (generateSpec returns one spec)
// EXTRA_CONFIG_JSON (optional) is merged over these, e.g. '{"mimeTypes":["application/json"]}'.
import { readFile, writeFile } from 'node:fs/promises';
import { generateSpec } from 'har-to-openapi';

const [harPath, outPath, extra] = process.argv.slice(2);
if (!harPath || !outPath) {
  console.error('usage: node peer.mjs CAPTURE.har OUT_OPENAPI.json [EXTRA_CONFIG_JSON]');
  process.exit(2);
}

const config = {
  relaxedMethods: true,
  attemptToParameterizeUrl: true,
  minLengthForNumericPath: 1,
  forceAllRequestsInSameSpec: true,
  ...(extra ? JSON.parse(extra) : {}),
};

const har = JSON.parse(await readFile(harPath, 'utf8'));
const { spec } = await generateSpec(har, config);
await writeFile(outPath, JSON.stringify(spec, null, 2));

const paths = Object.keys(spec.paths ?? {});
let operations = 0;
for (const p of paths) {
  for (const m of Object.keys(spec.paths[p])) {
    if (m !== 'parameters' && m !== 'servers' && m !== 'summary' && m !== 'description') operations++;
  }
}
console.log(`paths=${paths.length} operations=${operations}`);

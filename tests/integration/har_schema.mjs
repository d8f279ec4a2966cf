// Checks a HAR against the HAR 1.2 JSON schema of the npm package har-validator.
//   node har_schema.mjs FILE.har   ->  exit 0 and "valid" or exit 1 and each error
import fs from 'node:fs';
import validator from 'har-validator';

const file = process.argv[2];
if (!file) {
  console.error('usage: node har_schema.mjs FILE.har');
  process.exit(2);
}
try {
  await validator.har(JSON.parse(fs.readFileSync(file, 'utf8')));
  console.log(`${file}: valid HAR 1.2 (har-validator)`);
} catch (err) {
  console.error(`${file}: not valid HAR 1.2 (har-validator):`);
  for (const e of err.errors || [err]) console.error(`  ${e.dataPath || e.instancePath || ''} ${e.message}`);
  process.exit(1);
}

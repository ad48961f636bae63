// Validate a STIX 2.1 bundle against the OASIS JSON schemas (draft 2020-12)
// with ajv and ajv-formats: node validate_stix.js SCHEMAS_DIR BUNDLE.json
// Exit 0 when valid, 1 with every error printed otherwise.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;
const [dir, file] = process.argv.slice(2);
// The OASIS schemas' patterns escape '-' outside classes ("\-"), which is
// an error under the u flag: read them as the schemas' authors meant,
// without it. strict: false because they use annotations ajv does not know.
const ajv = new Ajv2020({strict: false, unicodeRegExp: false, allErrors: true});
addFormats(ajv);
for (const sub of ['common', 'sdos', 'sros', 'observables'])
  for (const f of fs.readdirSync(path.join(dir, sub)).sort())
    if (f.endsWith('.json')) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, sub, f), 'utf8')));
const bundleId = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/bundle.json';
const validate = ajv.getSchema(bundleId);
const data = JSON.parse(fs.readFileSync(file, 'utf8'));
let bad = 0;
if (!validate(data)) {
  bad++;
  console.log('bundle:', JSON.stringify(validate.errors.slice(0, 20), null, 1));
}
// and each object against its own type's schema, for errors that name it
const byType = {};
for (const sub of ['sdos', 'sros', 'observables'])
  for (const f of fs.readdirSync(path.join(dir, sub)))
    byType[f.replace(/\.json$/, '')] = ajv.getSchema(JSON.parse(fs.readFileSync(path.join(dir, sub, f), 'utf8')).$id);
for (const o of data.objects || []) {
  const v = byType[o.type];
  if (!v) { bad++; console.log('no schema for type', o.type); continue; }
  if (!v(o)) { bad++; console.log(o.id, JSON.stringify(v.errors, null, 1)); }
}
console.log(bad ? `INVALID: ${bad} error group(s)` : `valid: ${(data.objects || []).length} objects`);
process.exit(bad ? 1 : 0);

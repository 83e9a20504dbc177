// check_geojson.js -- validates GeoJSON files with an independent checker
// (@placemarkio/check-geojson: RFC 7946 structure, positions, rings, members
// forbidden on a FeatureCollection). Prints "OK FILE" or each issue, exits 1
// on any error.  node check_geojson.js FILE...
'use strict';
const fs = require('fs');
const { check } = require('@placemarkio/check-geojson');
let bad = 0;
for (const file of process.argv.slice(2)) {
  try {
    check(fs.readFileSync(file, 'utf8'));
    console.log(`OK ${file}`);
  } catch (e) {
    bad++;
    const issues = e.issues || [{ message: e.message }];
    for (const i of issues.slice(0, 10)) console.log(`${file}: ${i.severity || 'error'}: ${i.message}`);
  }
}
process.exit(bad ? 1 : 0);

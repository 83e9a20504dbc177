/* ui_test.js -- drives the system Chromium (headless, puppeteer-core) through
 * verwijsd's web UI the way people use it, and compares what the page shows
 * with what the CLI answered for the same queries (tests/integration/test_ui.sh
 * prepares those in the expectations file).
 *
 *   node ui_test.js BASE_URL EXPECT.json OUT_DIR
 *
 * Prints "ok - ..." / "not ok - ..." lines and a summary, saves screenshots
 * (desktop and phone widths) and the downloads in OUT_DIR, and exits 1 when
 * any check failed. No timing assertions: the first-view time is printed for
 * bench/RESULTS.md only. */
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const [base, expectFile, out] = process.argv.slice(2);
const X = JSON.parse(fs.readFileSync(expectFile, 'utf8'));
fs.mkdirSync(out, { recursive: true });
let pass = 0, fail = 0;
function check(what, cond, detail) {
  if (cond) { pass++; console.log('ok - ' + what); }
  else { fail++; console.log('not ok - ' + what + (detail !== undefined ? ': ' + JSON.stringify(detail).slice(0, 600) : '')); }
}
const shots = [];
async function shot(page, name) {
  const p = path.join(out, name + '.png');
  await page.screenshot({ path: p, fullPage: true });
  shots.push(p);
}

async function waitMsg(page, id) {
  await page.waitForFunction((i) => {
    const m = document.getElementById(i);
    return m && /\b(ok|warn|err)\b/.test(m.className);
  }, { timeout: 20000 }, id);
  return page.$eval('#' + id, (m) => ({ text: m.textContent, cls: m.className }));
}

async function search(page, near, opts) {
  const o = { discipline: 'fysiotherapeut', expertise: 'oncologie', within: '15', mode: 'car', limit: '10', ...opts };
  await page.evaluate(() => { document.getElementById('s-msg').className = 'msg'; });
  await page.$eval('#s-near', (e) => { e.value = ''; });
  await page.focus('#s-near');
  await page.keyboard.type(near);
  await page.select('#s-discipline', o.discipline);
  await page.select('#s-expertise', o.expertise);
  await page.select('#s-mode', o.mode);
  await page.$eval('#s-within', (e, v) => { e.value = v; }, o.within);
  await page.$eval('#s-limit', (e, v) => { e.value = v; }, o.limit);
  await page.focus('#s-near');
  await page.keyboard.press('Enter'); /* submit from the keyboard */
  return waitMsg(page, 's-msg');
}

(async () => {
  const profile = fs.mkdtempSync(path.join(out, 'profile-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    /* (the 400/404 answers the checks provoke -- unknown postcode, not a
     * postcode -- are logged by Chromium as failed loads: expected) */
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[04]/.test(m.text()))
        problems.push('console: ' + m.text());
    });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: out, eventsEnabled: true });
    await page.setViewport({ width: 1366, height: 900 });

    /* first view */
    const resp = await page.goto(base + '/ui/', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
    const h = resp.headers();
    check('page is text/html', /^text\/html/.test(h['content-type']), h['content-type']);
    check('CSP: only the own origin', /default-src 'none'/.test(h['content-security-policy'] || '') &&
      /script-src 'self';/.test(h['content-security-policy']) && !/unsafe/.test(h['content-security-policy']),
      h['content-security-policy']);
    const perf = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const r = performance.getEntriesByName('verwijs-ready')[0];
      return { load: n.loadEventEnd, dcl: n.domContentLoadedEventEnd, ready: r ? r.startTime : null };
    });
    console.log('# first view: DOMContentLoaded ' + perf.dcl.toFixed(0) + ' ms, load ' + perf.load.toFixed(0) +
      ' ms, regions drawn (verwijs-ready) ' + (perf.ready === null ? '?' : perf.ready.toFixed(0)) + ' ms');
    fs.writeFileSync(path.join(out, 'perf.json'), JSON.stringify(perf) + '\n');
    check('the 7 regions are offered', (await page.$$eval('#c-region option', (o) => o.length)) === 8);
    check('Dutch labels first', (await page.$eval('#tab-zoeken', (e) => e.textContent)) === 'Zoeken');

    /* search == verwijs match */
    let m = await search(page, X.match.near);
    check('search answers', m.cls.includes('ok'), m);
    const ids = await page.$$eval('#s-results li.result', (l) => l.map((e) => e.dataset.id));
    check('listed providers == verwijs match (same order)', JSON.stringify(ids) === JSON.stringify(X.match.ids), { ids, want: X.match.ids });
    const minutes = await page.$$eval('#s-results li.result .min', (l) => l.map((e) => e.textContent));
    check('each result shows its minutes', minutes.length === ids.length && minutes.every((s) => /\d+ min/.test(s)), minutes);
    const pins = await page.$$eval('#s-map .leaflet-marker-icon.pin', (l) => l.map((e) => e.textContent));
    check('the same results are numbered on the map', JSON.stringify(pins) === JSON.stringify(ids.map((x, i) => String(i + 1))), pins);
    await shot(page, 'search-desktop');

    /* provider detail, by keyboard */
    await page.focus('#s-results li.result button.name');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#d-name', { timeout: 10000 });
    check('detail opens with the provider name', (await page.$eval('#d-name', (e) => e.textContent)) === X.match.first_name);

    /* unknown postcode, nothing in reach */
    m = await search(page, X.unknown_postcode);
    check('unknown postcode: clear message', m.cls.includes('err') && m.text.includes(X.unknown_postcode) && /onbekend/.test(m.text), m);
    check('unknown postcode: no results left', (await page.$$('#s-results li')).length === 0);
    m = await search(page, X.far.near, { within: X.far.within });
    check('nothing within reach: says so', m.cls.includes('warn') && /Niets gevonden/.test(m.text), m);
    m = await search(page, '12x');
    check('not a postcode: says how to write one', m.cls.includes('err') && /4 cijfers/.test(m.text), m);

    /* a hostile provider name stays text */
    m = await search(page, X.hostile.near, { within: '30', limit: '50' });
    const hostile = await page.evaluate((id) => {
      const li = document.querySelector('#s-results li.result[data-id="' + id + '"]');
      return li && { name: li.querySelector('.name').textContent, addr: (li.querySelector('.addr') || {}).textContent,
        imgs: document.querySelectorAll('#s-results img, #s-results script, #s-results svg').length };
    }, X.hostile.id);
    check('hostile provider listed', hostile !== null, hostile);
    check('hostile name rendered as text', hostile && hostile.name === X.hostile.name, hostile);
    check('hostile markup did not become elements', hostile && hostile.imgs === 0, hostile);
    await page.evaluate((id) => document.querySelector('#s-results li.result[data-id="' + id + '"] button.name').click(), X.hostile.id);
    await page.waitForFunction((n) => { const d = document.getElementById('d-name'); return d && d.textContent === n; }, { timeout: 10000 }, X.hostile.name);
    const detailLinks = await page.$$eval('#s-detail a', (l) => l.map((a) => a.getAttribute('href')));
    check('hostile website is not a link', !detailLinks.some((h) => /^javascript:/i.test(h || '')), detailLinks);
    check('no hostile script ran', (await page.evaluate(() => window.__pwned)) === undefined);
    await shot(page, 'search-hostile');

    /* a referrer's filter: wheelchair == verwijs match --wheelchair; each result its time source */
    const W = X.wheelchair;
    await page.focus('#s-more summary');
    await page.keyboard.press('Enter'); /* "more filters" opens from the keyboard */
    check('more filters open by keyboard', await page.$eval('#s-more', (d) => d.open));
    await page.focus('#s-wheelchair');
    await page.keyboard.press('Space');
    m = await search(page, W.near, { expertise: '', within: W.within, limit: W.limit });
    const wids = await page.$$eval('#s-results li.result', (l) => l.map((e) => e.dataset.id));
    check('wheelchair filter == verwijs match --wheelchair', m.cls.includes('ok') && JSON.stringify(wids) === JSON.stringify(W.ids), { wids, want: W.ids });
    const wattrs = await page.$$eval('#s-results li.result', (l) => l.map((e) => [(e.querySelector('.src') || {}).textContent, !!e.querySelector('.wheel')]));
    check('each result shows its time source and wheelchair access', wattrs.length > 0 && wattrs.every(([src, wh]) => /Reistijd: (schatting|reistijdentabel)/.test(src || '') && wh), wattrs);
    check('the filter is in the link', /wheelchair=true/.test(await page.evaluate(() => location.hash)));
    await page.focus('#s-results li.result button.name');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#d-name', { timeout: 10000 });
    const dts = await page.$$eval('#s-detail dt', (l) => l.map((e) => e.textContent));
    check('detail shows hours, languages, wheelchair, direct access, waiting time',
      ['Openingstijden', 'Talen', 'Rolstoel', 'Direct toegankelijk', 'Wachttijd'].every((k) => dts.includes(k)), dts);
    await shot(page, 'search-filters-desktop');
    await page.$eval('#s-wheelchair', (e) => { e.checked = false; });
    const modes = await page.$$eval('#s-mode option', (l) => l.map((o) => o.value));
    check('travel modes from the vocabulary (transit only with its matrix)', JSON.stringify(modes) === JSON.stringify(['car', 'bike', 'walk']), modes);

    /* English toggle */
    await page.click('#lang');
    check('English toggle', (await page.$eval('#tab-zoeken', (e) => e.textContent)) === 'Search');
    m = await search(page, X.unknown_postcode);
    check('unknown postcode in English', /unknown/.test(m.text), m);
    await page.click('#lang');

    /* matched care */
    await page.goto(base + '/ui/#zorg', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    await page.$eval('#r-near', (e, v) => { e.value = v; }, X.refer.near);
    for (const p of X.refer.problems) await page.click('#r-problems input[value="' + p + '"]');
    await page.$eval('#r-score', (e, v) => { e.value = v; }, String(X.refer.score));
    await page.click('#f-refer button[type=submit]');
    m = await waitMsg(page, 'r-msg');
    check('refer answers', m.cls.includes('ok'), m);
    const plan = await page.$eval('#r-plan-box', (e) => e.textContent).catch(() => '');
    check('the plan names the network of verwijs refer', X.refer.network_name === null ? /Geen netwerk/.test(plan) : plan.includes(X.refer.network_name), { plan, want: X.refer.network_name });
    const needs = await page.$$eval('#r-plan .need h4', (l) => l.map((e) => e.textContent));
    check('one card per need', JSON.stringify(needs) === JSON.stringify(X.refer.labels), { needs, want: X.refer.labels });
    await shot(page, 'refer-desktop');

    /* coverage == verwijs coverage */
    const c = X.coverage;
    await page.goto(base + '/ui/#dekking', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    await page.select('#c-region', c.region);
    await page.select('#c-discipline', c.discipline);
    await page.select('#c-expertise', c.expertise);
    await page.$eval('#c-within', (e, v) => { e.value = v; }, String(c.within));
    await page.click('#f-coverage button[type=submit]');
    m = await waitMsg(page, 'c-msg');
    check('coverage answers', m.cls.includes('ok'), m);
    const ws = await page.$eval('#c-ws-total', (e) => e.textContent).catch(() => null);
    check('white-spot count == verwijs coverage', ws === String(c.white_spots_total), { ws, want: c.white_spots_total });
    const rows = await page.$$eval('#c-summary .tblwrap:first-child tbody tr', (l) => l.map((r) => [...r.children].map((x) => x.textContent)));
    check('the region table has the CLI rows (region + total)', rows.length === c.table_rows && rows[0][0] === c.region, rows);
    await shot(page, 'coverage-desktop');

    /* downloads: CSV (page) == verwijs coverage --format csv; GeoJSON and SVG
     * and PNG (server, the same drawing code) == the CLI's */
    const dl = async (sel, name) => {
      const f = path.join(out, name);
      try { fs.unlinkSync(f); } catch (e) { /* none yet */ }
      await page.click(sel);
      for (let i = 0; i < 200 && !fs.existsSync(f); i++) await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 50 && fs.existsSync(f + '.crdownload'); i++) await new Promise((r) => setTimeout(r, 100));
      return fs.existsSync(f) ? fs.readFileSync(f) : null;
    };
    const csv = await dl('#c-csv', 'coverage.csv');
    check('CSV download == verwijs coverage --format csv', csv && csv.toString() === fs.readFileSync(c.csv_file, 'utf8'),
      csv ? csv.toString().slice(0, 300) : null);
    const gj = await dl('#c-geojson', 'coverage.geojson');
    let gjOk = false;
    try { gjOk = JSON.stringify(JSON.parse(gj)) === JSON.stringify(JSON.parse(fs.readFileSync(c.geojson_file, 'utf8'))); } catch (e) { gjOk = false; }
    check('GeoJSON download == verwijs coverage --format geojson', gjOk);
    const svg = await dl('#c-svg', 'coverage.svg');
    check('SVG download == verwijs coverage --format svg', svg && svg.toString() === fs.readFileSync(c.svg_file, 'utf8'));
    const png = await dl('#c-png', 'coverage.png');
    check('PNG download is a PNG of the map', png && png.length > 5000 && png.slice(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
      png ? png.length : null);
    check('PNG download == verwijs coverage --format png', png && png.equals(fs.readFileSync(c.png_file)));

    /* networks: the national map by kind == verwijs networks map */
    const N = X.netmap;
    await page.goto(base + '/ui/#netwerken', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    m = await waitMsg(page, 'n-msg');
    check('networks view answers', m.cls.includes('ok'), m);
    const markers = await page.$$eval('#n-map .leaflet-marker-icon.netpt', (l) => l.length);
    check('one marker per network of verwijs networks map', markers === N.markers, { markers, want: N.markers });
    const nrows = await page.$$eval('#n-table tbody tr', (l) => l.map((r) => [...r.children].map((x) => x.textContent)));
    check('counts per region and kind: 7 regions + the country', nrows.length === 8 &&
      N.kinds.every((k, i) => nrows[7][i + 1].replace(/\D/g, '') === String(N.counts[k])), nrows);
    const leg = await page.$$eval('#n-legend .item', (l) => l.map((e) => e.textContent));
    check('a legend item per kind (+ not active)', leg.length === N.kinds.length + 1 && N.kinds.every((k, i) => leg[i].startsWith(k)), leg);
    const colours = await page.$$eval('#n-map .leaflet-marker-icon.netpt', (l) => {
      const by = {};
      for (const e of l) if (!e.classList.contains('off')) (by[e.dataset.kind] = by[e.dataset.kind] || new Set()).add(e.style.backgroundColor);
      return Object.values(by).map((x) => [...x]);
    });
    check('one colour per kind', colours.length > 0 && colours.every((c) => c.length === 1) && new Set(colours.map((c) => c[0])).size === colours.length, colours);
    await shot(page, 'networks-desktop');
    const ngj = await dl('#n-geojson', 'networks.geojson');
    let ngjOk = false, fcCount = null;
    try {
      const fc = JSON.parse(ngj);
      const props = fc.networks_map || fc.properties; /* the top-level member, under either name */
      fcCount = fc.features.filter((f) => f.properties.kind === 'network').length;
      ngjOk = JSON.stringify(fc) === JSON.stringify(JSON.parse(fs.readFileSync(N.geojson_file, 'utf8'))) &&
        JSON.stringify(props.counts) === JSON.stringify(N.counts);
    } catch (e) { ngjOk = false; }
    check('networks GeoJSON download == verwijs networks map --format geojson', ngjOk, fcCount);
    const nsvg = await dl('#n-svg', 'networks.svg');
    check('networks SVG download == verwijs networks map --format svg', nsvg && nsvg.toString() === fs.readFileSync(N.svg_file, 'utf8'));
    const npng = await dl('#n-png', 'networks.png');
    check('networks PNG download == verwijs networks map --format png', npng && npng.equals(fs.readFileSync(N.png_file)), npng ? npng.length : null);
    const ncsv = await dl('#n-csv', 'networks.csv');
    check('networks CSV: a row per network', ncsv && ncsv.toString().trim().split('\n').length === N.count + 1,
      ncsv ? ncsv.toString().slice(0, 200) : null);
    await page.evaluate(() => { document.getElementById('n-msg').className = 'msg'; });
    await page.select('#n-kind', 'palliatief');
    await page.focus('#n-kind');
    await page.click('#f-networks button[type=submit]');
    m = await waitMsg(page, 'n-msg');
    const pmarkers = await page.$$eval('#n-map .leaflet-marker-icon.netpt', (l) => l.map((e) => e.dataset.kind));
    check('kind filter: the palliative networks of verwijs networks map --kind palliatief',
      pmarkers.length === N.palliatief_markers && pmarkers.every((k) => k === 'palliatief'), { n: pmarkers.length, want: N.palliatief_markers });
    await page.click('#lang');
    check('networks view in English', (await page.$eval('#f-networks h2', (e) => e.textContent)) === 'Networks in the Netherlands');
    await page.click('#lang');

    /* phone width */
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    await page.goto(base + '/ui/', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    m = await search(page, X.match.near);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('phone: no sideways scrolling', overflow <= 1, overflow);
    await shot(page, 'search-phone');
    await page.goto(base + '/ui/#dekking?' + c.query, { waitUntil: 'load' });
    await page.waitForSelector('#c-ws-total', { timeout: 20000 });
    await shot(page, 'coverage-phone');
    await page.goto(base + '/ui/#netwerken', { waitUntil: 'load' });
    await page.waitForSelector('#n-map .leaflet-marker-icon.netpt', { timeout: 20000 });
    check('phone: networks view without sideways scrolling', (await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1);
    await shot(page, 'networks-phone');
    await page.goto(base + '/ui/#zoeken?near=' + X.wheelchair.near + '&discipline=fysiotherapeut&within=30&mode=car&limit=20&wheelchair=true', { waitUntil: 'load' });
    await page.waitForSelector('#s-results li.result', { timeout: 20000 });
    check('phone: a link with a filter opens "more filters" ticked', await page.evaluate(() =>
      document.getElementById('s-more').open && document.getElementById('s-wheelchair').checked));
    await shot(page, 'search-filters-phone');

    check('no script errors or CSP violations in the page', problems.length === 0, problems);
  } catch (e) {
    check('the browser run completed', false, String(e && e.stack || e));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  for (const s of shots) console.log('# screenshot: ' + s);
  console.log('# ' + pass + ' passed, ' + fail + ' failed');
  process.exit(fail ? 1 : 0);
})();

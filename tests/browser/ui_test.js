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

    /* networks */
    await page.goto(base + '/ui/#netwerken', { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    m = await waitMsg(page, 'n-msg');
    check('networks view answers', m.cls.includes('ok'), m);
    const nrows = await page.$$eval('#n-table tbody tr', (l) => l.length);
    check('networks per region: 7 rows', nrows === 7, nrows);
    await shot(page, 'networks-desktop');

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

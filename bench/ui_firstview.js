/* ui_firstview.js -- the web UI's first view, timed by the browser itself
 * (Navigation Timing + the page's `verwijs-ready` mark, set once the regions
 * are drawn and the form is filled), in headless Chromium with a fresh
 * profile per run (a cold cache: every file fetched).
 *
 *   NODE_PATH=build/browser-node/node_modules node bench/ui_firstview.js URL [RUNS]
 *
 * URL: a running verwijsd's http://HOST:PORT (with --ui). Prints each run
 * and the median. Not a test: nothing is asserted (bench/RESULTS.md). */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const [base, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

(async () => {
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vw-firstview-'));
    const b = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, userDataDir: profile,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const p = await b.newPage();
    await p.setViewport({ width: 1366, height: 900 });
    await p.goto(base + '/ui/', { waitUntil: 'load' });
    await p.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
    const t = await p.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const bytes = performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, n.transferSize);
      return { ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
        ready: performance.getEntriesByName('verwijs-ready')[0].startTime, bytes };
    });
    /* the national coverage map (the heaviest view): request to drawn, and
     * the longest task the main thread ran meanwhile (a freeze would show) */
    await p.evaluate(() => {
      window.__long = 0;
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long = Math.max(window.__long, e.duration); })
        .observe({ type: 'longtask' });
    });
    await p.goto(base + '/ui/#dekking?region=all&view=providers&discipline=fysiotherapeut&expertise=oncologie&within=15&mode=car');
    await p.waitForFunction(() => performance.getEntriesByName('coverage').length > 0, { timeout: 30000 });
    const cov = await p.evaluate(() => ({ ms: performance.getEntriesByName('coverage')[0].duration, long: window.__long }));
    t.coverage = cov.ms;
    t.longest = cov.long;
    await b.close();
    fs.rmSync(profile, { recursive: true, force: true });
    rows.push(t);
    console.log(`run ${i + 1}: first byte ${t.ttfb.toFixed(0)} ms, DOMContentLoaded ${t.dcl.toFixed(0)} ms, ` +
      `load ${t.load.toFixed(0)} ms, first view ready ${t.ready.toFixed(0)} ms, ${(t.bytes / 1024).toFixed(0)} KiB; ` +
      `national coverage map ${t.coverage.toFixed(0)} ms (longest task ${t.longest.toFixed(0)} ms)`);
  }
  console.log(`median of ${runs}: DOMContentLoaded ${median(rows.map((r) => r.dcl)).toFixed(0)} ms, ` +
    `load ${median(rows.map((r) => r.load)).toFixed(0)} ms, first view ready ${median(rows.map((r) => r.ready)).toFixed(0)} ms, ` +
    `national coverage map ${median(rows.map((r) => r.coverage)).toFixed(0)} ms (longest task ${median(rows.map((r) => r.longest)).toFixed(0)} ms)`);
})().catch((e) => { console.error(e); process.exit(1); });

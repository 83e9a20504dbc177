/* app.js -- the Verwijs web UI: the Verwijsgids search (/v1/match), matched
 * care (/v1/refer), the coordinators' coverage map (/v1/coverage) and the
 * national map of all networks by kind (/v1/networks/map, with the flagged
 * ones of /v1/networks/audit), on Leaflet from libjs-leaflet.
 *
 * Safety: every value of an answer reaches the page as text (textContent,
 * createTextNode, Leaflet content given as DOM nodes), never as HTML; links
 * only for http(s) URLs. Only the public /v1 query routes and the /ui/
 * exports are called. No framework, no build step. */
'use strict';

/* ---- texts (Dutch first, English toggle) ---------------------------------------- */

const T = {
  nl: {
    title: 'Verwijsgids', subtitle: 'Nazorg bij kanker: zorgverleners en netwerken dichtbij',
    tabSearch: 'Zoeken', tabCare: 'Zorg op maat', tabCoverage: 'Dekking', tabNetworks: 'Netwerken',
    searchHead: 'Zorgverlener zoeken', near: 'Postcode', discipline: 'Soort zorg',
    expertise: 'Deskundigheid', mode: 'Vervoer', within: 'Minuten', region: 'Regio',
    limit: 'Aantal', acceptingOnly: 'Alleen met plek voor nieuwe patiënten',
    includeOnline: 'Ook online hulp', searchBtn: 'Zoeken', referHead: 'Zorg op maat (Lastmeter)',
    score: 'Lastmeter-score (0-10)', problems: 'Problemen', referBtn: 'Plan maken',
    coverageHead: 'Dekking en witte vlekken', view: 'Maatstaf', coverageBtn: 'Dekking tonen',
    download: 'Downloaden:', networksHead: 'Netwerken in Nederland',
    networksNote: "Alle netwerken per soort, op het midden van hun leden, over de 7 IZA-regio's. Een open stip: certificering niet (meer) geldig.",
    kind: 'Soort netwerk', networksBtn: 'Kaart tonen', allKinds: '(alle soorten)', country: 'Nederland',
    inactive: 'niet actief (open stip)', netmapTotal: '{0} netwerken op {1}; {2} zonder locatie (geen leden).',
    colKind: 'soort', colStatus: 'status', colMembers: 'leden', auditHead: 'Gemarkeerd bij de NVPO-audit',
    moreFilters: 'Meer filters', language: 'Spreekt de taal', openDay: 'Open op', openTime: 'Om (tijd)',
    openNow: 'Nu open', wheelchairOnly: 'Rolstoeltoegankelijk', directOnly: 'Direct toegankelijk (zonder verwijzing van de huisarts)',
    maxWait: 'Wachttijd hoogstens (weken)', anyDay: '(elke dag)', transit: 'ov',
    mo: 'maandag', tu: 'dinsdag', we: 'woensdag', th: 'donderdag', fr: 'vrijdag', sa: 'zaterdag', su: 'zondag',
    hours: 'Openingstijden', languages: 'Talen', wheelchair: 'Rolstoel', directAccess: 'Direct toegankelijk',
    wait: 'Wachttijd', waitWeeks: '{0} weken (bevestigd {1})', yes: 'ja', no: 'nee', unknown: 'onbekend',
    agb: 'AGB-code', big: 'BIG-nummer', timeSource: 'Reistijd', matrix: 'reistijdentabel', model: 'schatting (model)',
    wheelchairShort: 'rolstoel ✓', directShort: 'direct toegankelijk', waitShort: 'wacht {0} wk',
    footer: "Gegevens: adresboek van de server; kaart: IZA-regio's",
    any: '(alle)', none: '(geen)', allRegions: 'Heel Nederland', car: 'auto', bike: 'fiets', walk: 'lopen',
    viewProviders: 'zorgverleners', viewNetworks: 'gecertificeerde netwerken (NVPO-kern)',
    searching: 'Zoeken…', loading: 'Laden…',
    needNear: 'Vul een postcode in (bijvoorbeeld 3511 of 3511AB).',
    unknownPostcode: 'Postcode {0} is onbekend. Controleer de postcode.',
    badPostcode: 'Dit is geen postcode: gebruik 4 cijfers, eventueel met 2 letters (3511 of 3511AB).',
    nothing: 'Niets gevonden binnen {0} minuten {1} van {2}. Probeer meer minuten of minder filters.',
    found: '{0} zorgverleners bij {1} ({2}), dichtstbijzijnde eerst.', found1: '1 zorgverlener bij {1} ({2}).',
    min: 'min', km: 'km', newPatients: 'Nieuwe patiënten', accepting: 'neemt patiënten aan', full: 'wachtlijst / vol',
    online: 'online', networks: 'Netwerken', noNetworks: 'geen netwerk', detail: 'Details',
    close: 'Sluiten', phone: 'Telefoon', email: 'E-mail', website: 'Website',
    registrations: 'Registraties', address: 'Adres', origin: 'Uw postcode',
    pickProblem: 'Kies ten minste één probleem.',
    step: 'Stap', stepSelf: 'zelfzorg', stepProfessional: 'professionele hulp', stepSpecialist: 'gespecialiseerde hulp',
    psyAdded: 'Psychosociale hulp toegevoegd vanwege de hoge score.',
    needsHead: 'Per probleem', recommended: 'Aanbevolen', noneInReach: 'niemand binnen bereik',
    planHead: 'Plan', planNetwork: 'Netwerk {0} dekt {1} van {2} behoeften.',
    planAll: 'Dit netwerk dekt alle behoeften.', planOutside: 'Buiten het netwerk:', noNetwork: 'Geen netwerk binnen bereik.',
    networksRanked: 'Netwerken', covered: 'gedekt',
    coverageOf: '{0}: {1}% van de inwoners en {2}% van de PC4-gebieden gedekt; {3} witte vlekken.',
    whiteSpots: 'Witte vlekken', whiteSpotsTotal: 'witte vlekken (PC4-gebieden zonder match binnen de tijd)',
    colRegion: 'regio', colPopulation: 'inwoners', colCovered: 'gedekt', colShare: 'aandeel',
    colPc4: 'pc4', colCov: 'gedekt', colProviders: 'zorgverleners', colPlace: 'plaats', colNearest: 'dichtstbij',
    more: '… nog {0} (CSV bevat ze allemaal)', total: 'totaal',
    legendCovered: 'gedekt', legendWhite: 'witte vlek', legendProvider: 'zorgverlener',
    certified: 'gecertificeerd', forming: 'in oprichting', flagged: 'gemarkeerd',
   
    reasons: 'redenen', error: 'Fout: {0}', noPolygons: 'Geen regiokaarten geladen (verwijs import regions).',
  },
  en: {
    title: 'Referral guide', subtitle: 'Cancer aftercare: providers and networks nearby',
    tabSearch: 'Search', tabCare: 'Matched care', tabCoverage: 'Coverage', tabNetworks: 'Networks',
    searchHead: 'Find a provider', near: 'Postcode', discipline: 'Kind of care',
    expertise: 'Expertise', mode: 'Travel by', within: 'Minutes', region: 'Region',
    limit: 'Results', acceptingOnly: 'Only those accepting new patients',
    includeOnline: 'Include online help', searchBtn: 'Search', referHead: 'Matched care (distress thermometer)',
    score: 'Distress score (0-10)', problems: 'Problems', referBtn: 'Make a plan',
    coverageHead: 'Coverage and white spots', view: 'Measure', coverageBtn: 'Show coverage',
    download: 'Download:', networksHead: 'Networks in the Netherlands',
    networksNote: 'Every network by kind, at the centre of its members, over the 7 IZA regions. A hollow dot: certification not (or no longer) valid.',
    kind: 'Kind of network', networksBtn: 'Show map', allKinds: '(all kinds)', country: 'Netherlands',
    inactive: 'not active (hollow dot)', netmapTotal: '{0} networks on {1}; {2} without a location (no members).',
    colKind: 'kind', colStatus: 'status', colMembers: 'members', auditHead: 'Flagged by the NVPO audit',
    moreFilters: 'More filters', language: 'Speaks the language', openDay: 'Open on', openTime: 'At (time)',
    openNow: 'Open now', wheelchairOnly: 'Wheelchair accessible', directOnly: 'Direct access (no GP referral needed)',
    maxWait: 'Waiting time at most (weeks)', anyDay: '(any day)', transit: 'public transport',
    mo: 'Monday', tu: 'Tuesday', we: 'Wednesday', th: 'Thursday', fr: 'Friday', sa: 'Saturday', su: 'Sunday',
    hours: 'Opening hours', languages: 'Languages', wheelchair: 'Wheelchair', directAccess: 'Direct access',
    wait: 'Waiting time', waitWeeks: '{0} weeks (confirmed {1})', yes: 'yes', no: 'no', unknown: 'unknown',
    agb: 'AGB code', big: 'BIG number', timeSource: 'Travel time', matrix: 'travel-time table', model: 'estimate (model)',
    wheelchairShort: 'wheelchair ✓', directShort: 'direct access', waitShort: 'wait {0} wk',
    footer: "Data: the server's directory; map: IZA regions",
    any: '(any)', none: '(none)', allRegions: 'All of the Netherlands', car: 'car', bike: 'bike', walk: 'walk',
    viewProviders: 'providers', viewNetworks: 'certified networks (NVPO core)',
    searching: 'Searching…', loading: 'Loading…',
    needNear: 'Enter a postcode (for example 3511 or 3511AB).',
    unknownPostcode: 'Postcode {0} is unknown. Please check it.',
    badPostcode: 'That is not a postcode: use 4 digits, optionally with 2 letters (3511 or 3511AB).',
    nothing: 'Nothing found within {0} minutes {1} of {2}. Try more minutes or fewer filters.',
    found: '{0} providers near {1} ({2}), nearest first.', found1: '1 provider near {1} ({2}).',
    min: 'min', km: 'km', newPatients: 'New patients', accepting: 'accepting patients', full: 'waiting list / full',
    online: 'online', networks: 'Networks', noNetworks: 'no network', detail: 'Details',
    close: 'Close', phone: 'Phone', email: 'E-mail', website: 'Website',
    registrations: 'Registrations', address: 'Address', origin: 'Your postcode',
    pickProblem: 'Choose at least one problem.',
    step: 'Step', stepSelf: 'self-care', stepProfessional: 'professional help', stepSpecialist: 'specialist help',
    psyAdded: 'Psychosocial help added because of the high score.',
    needsHead: 'Per problem', recommended: 'Recommended', noneInReach: 'nobody within reach',
    planHead: 'Plan', planNetwork: 'Network {0} covers {1} of {2} needs.',
    planAll: 'This network covers every need.', planOutside: 'Outside the network:', noNetwork: 'No network within reach.',
    networksRanked: 'Networks', covered: 'covered',
    coverageOf: '{0}: {1}% of people and {2}% of PC4 areas covered; {3} white spots.',
    whiteSpots: 'White spots', whiteSpotsTotal: 'white spots (PC4 areas without a match in time)',
    colRegion: 'region', colPopulation: 'population', colCovered: 'covered', colShare: 'share',
    colPc4: 'pc4', colCov: 'cov', colProviders: 'providers', colPlace: 'place', colNearest: 'nearest',
    more: '… {0} more (the CSV lists them all)', total: 'total',
    legendCovered: 'covered', legendWhite: 'white spot', legendProvider: 'provider',
    certified: 'certified', forming: 'forming', flagged: 'flagged',
   
    reasons: 'reasons', error: 'Error: {0}', noPolygons: 'No region polygons loaded (verwijs import regions).',
  },
};

let lang = 'nl';
try { lang = localStorage.getItem('verwijs-lang') === 'en' ? 'en' : 'nl'; } catch (e) { /* private mode */ }

function t(key, ...args) {
  const s = (T[lang] && T[lang][key]) || T.nl[key] || key;
  return s.replace(/\{(\d)\}/g, (m, i) => String(args[Number(i)] === undefined ? '' : args[Number(i)]));
}

/* ---- DOM helpers: text only ------------------------------------------------------ */

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    e.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
  }
  return e;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function $(id) { return document.getElementById(id); }
function fmt(x, d) { return Number(x).toLocaleString(lang === 'nl' ? 'nl-NL' : 'en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }); }
function pct(x) { return fmt(100 * (x || 0), 1); }
function safeUrl(u) { return typeof u === 'string' && /^https?:\/\//i.test(u) ? u : null; }

function setMsg(id, text, kind) {
  const m = $(id);
  m.textContent = text || '';
  m.className = 'msg' + (kind ? ' ' + kind : '');
}

/* ---- the API ------------------------------------------------------------------------ */

class ApiError extends Error {
  constructor(code, message, status) { super(message); this.code = code; this.status = status; }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one === true ? 'true' : String(one));
  }
  return q.toString();
}

async function api(path, params) {
  const qs = params ? query(params) : '';
  const r = await fetch('/v1/' + path + (qs ? '?' + qs : ''), { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) {
    const e = (body && body.error) || {};
    throw new ApiError(e.code || 'http_' + r.status, e.message || r.statusText, r.status);
  }
  return body;
}

/* ---- state shared by the views -------------------------------------------------------- */

const S = { config: null, regions: null, vocab: null, stats: null, maps: {}, base: {} };

/* the languages the form offers (ISO 639-1, as the server takes them), each in its own name */
const LANGS = [['nl', 'Nederlands'], ['en', 'English'], ['de', 'Deutsch'], ['fr', 'Français'], ['tr', 'Türkçe'],
  ['ar', 'العربية'], ['pl', 'Polski'], ['es', 'Español'], ['pt', 'Português'], ['pap', 'Papiamentu'],
  ['zh', '中文'], ['uk', 'Українська'], ['ru', 'Русский'], ['fa', 'فارسی'], ['so', 'Soomaali'], ['ti', 'ትግርኛ']]
  .filter(([c]) => c.length === 2);
const DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];

/* the travel modes of the vocabulary op; transit only when the server has its matrix (stats) */
function modes() {
  const all = (S.vocab && S.vocab.modes) || ['car', 'bike', 'walk'];
  const tt = (S.stats && S.stats.snapshot && S.stats.snapshot.traveltimes) || {};
  return all.filter((m) => m !== 'transit' || tt.transit);
}

function modeName(m) { return t(m); }

function fillSelect(sel, items, withAny) {
  const keep = sel.value;
  clear(sel);
  if (withAny) sel.appendChild(el('option', { value: '' }, withAny));
  for (const it of items) {
    const [value, label] = Array.isArray(it) ? it : [it, it];
    sel.appendChild(el('option', { value }, label));
  }
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

function fillChoices() {
  const c = S.config;
  const disc = c.disciplines.map((d) => [d, d.replace(/_/g, ' ')]);
  for (const id of ['s-discipline', 'c-discipline']) fillSelect($(id), disc);
  for (const id of ['s-expertise', 'c-expertise']) fillSelect($(id), c.expertise, t('any'));
  for (const id of ['s-mode', 'r-mode', 'c-mode']) fillSelect($(id), modes().map((m) => [m, t(m)]));
  fillSelect($('s-language'), LANGS.map(([c, n]) => [c, c + ' — ' + n]), t('any'));
  fillSelect($('s-openday'), DAYS.map((d) => [d, t(d)]), t('anyDay'));
  fillSelect($('n-kind'), ((S.vocab && S.vocab.network_kinds) || []).map((k) => [k, k]), t('allKinds'));
  const regs = (S.regions ? S.regions.regions : []).map((r) => [r.code, r.name]);
  fillSelect($('s-region'), regs, t('any'));
  fillSelect($('c-region'), [['all', t('allRegions')], ...regs]);
  fillSelect($('c-view'), [['providers', t('viewProviders')], ['networks', t('viewNetworks')]]);
  if (!$('s-discipline').dataset.init) {
    $('s-discipline').value = 'fysiotherapeut'; $('s-expertise').value = 'oncologie';
    $('c-discipline').value = 'fysiotherapeut'; $('c-expertise').value = 'oncologie';
    $('s-discipline').dataset.init = '1';
  }
  const box = $('r-problems');
  if (!box.dataset.init) {
    const byCat = new Map();
    for (const p of c.problems) {
      if (!byCat.has(p.category)) byCat.set(p.category, []);
      byCat.get(p.category).push(p);
    }
    for (const [cat, list] of byCat) {
      const g = el('div', { class: 'pgroup' }, el('h3', {}, cat));
      for (const p of list)
        g.appendChild(el('label', { class: 'check' },
          el('input', { type: 'checkbox', name: 'problem', value: p.code }), ' ', p.label));
      box.appendChild(g);
    }
    box.dataset.init = '1';
  }
}

function applyTexts() {
  document.documentElement.lang = lang;
  for (const n of document.querySelectorAll('[data-t]')) n.textContent = t(n.dataset.t);
  $('lang').textContent = lang === 'nl' ? 'EN' : 'NL';
  document.title = t('title');
  if (S.config) fillChoices();
}

/* ---- maps --------------------------------------------------------------------------- */

const NL_BOUNDS = [[50.75, 3.35], [53.55, 7.23]];

function makeMap(id) {
  if (S.maps[id]) { S.maps[id].invalidateSize(); return S.maps[id]; }
  const m = L.map(id, { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
  m.attributionControl.setPrefix(false);
  m.fitBounds(NL_BOUNDS);
  if (S.config && S.config.tiles)
    L.tileLayer(S.config.tiles, { maxZoom: 19, attribution: new URL(S.config.tiles).host }).addTo(m);
  /* the outlines whenever /v1/regions embedded them; otherwise the views draw
   * those of their own answers (coverage, networks map) */
  if (S.regions && S.regions.regions.some((r) => r.geometry)) {
    S.base[id] = L.geoJSON(regionsFC(), {
      style: { color: '#6b7a8f', weight: 1, fillColor: '#eef2f6', fillOpacity: S.config.tiles ? 0.15 : 1 },
      onEachFeature: (f, layer) => layer.bindTooltip(el('span', {}, f.properties.name), { sticky: true }),
    }).addTo(m);
  }
  S.maps[id] = m;
  return m;
}

function regionsFC() {
  return {
    type: 'FeatureCollection',
    features: S.regions.regions.filter((r) => r.geometry).map((r) => ({
      type: 'Feature', properties: { code: r.code, name: r.name }, geometry: r.geometry })),
  };
}

function overlay(map, key) {
  if (map['_vw_' + key]) map.removeLayer(map['_vw_' + key]);
  const g = L.featureGroup().addTo(map);
  map['_vw_' + key] = g;
  return g;
}

/* ---- view: search (match) -------------------------------------------------------------- */

function nearMessage(e, near) {
  if (e.code === 'not_found' && /postcode/i.test(e.message)) return t('unknownPostcode', near);
  if (e.code === 'bad_request' && /'near'/.test(e.message)) return t('badPostcode');
  return t('error', e.message);
}

function providerItem(p, onOpen) {
  const li = el('li', { class: 'result', dataset: { id: p.id } });
  const name = el('button', { type: 'button', class: 'name', on: { click: () => onOpen(p.id) } }, p.name);
  const facts = el('div', { class: 'facts' });
  if (!p.online) {
    facts.appendChild(el('span', { class: 'min' }, fmt(p.minutes, 0) + ' ' + t('min')));
    facts.appendChild(el('span', { class: 'km' }, fmt(p.km, 1) + ' ' + t('km')));
  } else {
    facts.appendChild(el('span', { class: 'min' }, t('online')));
  }
  facts.appendChild(el('span', { class: 'badge ' + (p.accepting ? 'ok' : 'no') }, p.accepting ? t('accepting') : t('full')));
  li.appendChild(el('div', { class: 'head' }, name, facts));
  /* the referrer's attributes (issue 16) and where the minutes come from */
  const attrs = [];
  if (p.time_source) attrs.push(el('span', { class: 'src src-' + p.time_source, title: t('timeSource') }, t('timeSource') + ': ' + t(p.time_source)));
  if (p.languages && p.languages.length) attrs.push(el('span', { class: 'langs' }, p.languages.join(' ')));
  if (p.wheelchair === true) attrs.push(el('span', { class: 'wheel' }, t('wheelchairShort')));
  if (p.direct_access === true) attrs.push(el('span', { class: 'direct' }, t('directShort')));
  if (p.wait_weeks !== null && p.wait_weeks !== undefined) attrs.push(el('span', { class: 'waitw' }, t('waitShort', p.wait_weeks)));
  if (attrs.length) li.appendChild(el('div', { class: 'attrs' }, ...attrs));
  li.appendChild(el('div', { class: 'sub' }, p.discipline.replace(/_/g, ' '),
    p.expertise && p.expertise.length ? ' · ' + p.expertise.join(', ') : ''));
  if (p.address || p.city)
    li.appendChild(el('div', { class: 'addr' }, [p.address, [p.postcode, p.city].filter(Boolean).join(' ')].filter(Boolean).join(', ')));
  const nets = (p.networks || []).map((n) => n.name + (n.status === 'certified' ? ' ✓' : ''));
  li.appendChild(el('div', { class: 'nets' }, t('networks') + ': ', nets.length ? nets.join('; ') : t('noNetworks')));
  return li;
}

async function openProvider(id) {
  const box = $('s-detail');
  box.hidden = false;
  clear(box).appendChild(el('p', {}, t('loading')));
  try {
    const p = await api('providers/' + encodeURIComponent(id));
    clear(box);
    box.appendChild(el('button', { type: 'button', class: 'close', on: { click: () => { box.hidden = true; } } }, t('close')));
    box.appendChild(el('h2', { id: 'd-name' }, p.name));
    box.appendChild(el('p', { class: 'sub' }, p.discipline.replace(/_/g, ' '), p.expertise.length ? ' · ' + p.expertise.join(', ') : ''));
    const dl = el('dl');
    const row = (k, v) => { if (v) { dl.appendChild(el('dt', {}, k)); dl.appendChild(el('dd', {}, v)); } };
    row(t('address'), [p.address, [p.postcode, p.city].filter(Boolean).join(' ')].filter(Boolean).join(', '));
    row(t('phone'), p.phone ? el('a', { href: 'tel:' + p.phone.replace(/[^0-9+]/g, '') }, p.phone) : null);
    row(t('email'), p.email ? el('a', { href: 'mailto:' + encodeURIComponent(p.email).replace('%40', '@') }, p.email) : null);
    const w = safeUrl(p.website);
    row(t('website'), w ? el('a', { href: w, rel: 'noopener noreferrer', target: '_blank' }, p.website) : p.website);
    row(t('newPatients'), p.accepting ? t('accepting') : t('full'));
    const tri = (v) => (v === true ? t('yes') : v === false ? t('no') : t('unknown'));
    if (p.hours && p.hours.length) {
      const ul = el('ul', { class: 'hours', id: 'd-hours' });
      for (const h of p.hours) ul.appendChild(el('li', {}, t(h.day) + ' ' + h.open + '–' + h.close));
      row(t('hours'), ul);
    } else {
      row(t('hours'), t('unknown'));
    }
    row(t('languages'), (p.languages || []).join(', ') || t('unknown'));
    row(t('wheelchair'), tri(p.wheelchair));
    row(t('directAccess'), tri(p.direct_access));
    row(t('wait'), p.wait_weeks !== null && p.wait_weeks !== undefined ? t('waitWeeks', p.wait_weeks, p.wait_confirmed || '?') : t('unknown'));
    row(t('agb'), p.agb);
    row(t('big'), p.big);
    row(t('networks'), (p.networks || []).map((n) => n.name + ' (' + t(n.status) + ')').join('; ') || t('noNetworks'));
    row(t('registrations'), (p.registrations || []).map((r) => [r.register || r.kind, r.number || r.id, r.valid_until].filter(Boolean).join(' ')).join('; '));
    box.appendChild(dl);
    box.focus();
  } catch (e) {
    clear(box).appendChild(el('p', { class: 'msg err' }, t('error', e.message)));
  }
}

/* The filters of "more filters" as match arguments; "open now" is the
 * browser's weekday and time (the server's clock is the same country's). */
function searchFilters() {
  let openOn = '';
  if ($('s-opennow').checked) {
    const d = new Date();
    openOn = DAYS[(d.getDay() + 6) % 7] + '@' + String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  } else if ($('s-openday').value) {
    openOn = $('s-openday').value + ($('s-opentime').value ? '@' + $('s-opentime').value.slice(0, 5) : '');
  }
  return {
    language: $('s-language').value, open_on: openOn, wheelchair: $('s-wheelchair').checked,
    direct_access: $('s-direct').checked, max_wait_weeks: $('s-wait').value,
  };
}

async function runSearch(ev) {
  if (ev) ev.preventDefault();
  const near = $('s-near').value.trim().replace(/\s+/g, '');
  const list = clear($('s-results'));
  $('s-detail').hidden = true;
  const map = makeMap('s-map');
  const g = overlay(map, 'results');
  if (!near) { setMsg('s-msg', t('needNear'), 'err'); return; }
  setMsg('s-msg', t('searching'));
  const params = {
    near, discipline: $('s-discipline').value, expertise: $('s-expertise').value,
    within: $('s-within').value, mode: $('s-mode').value, limit: $('s-limit').value,
    region: $('s-region').value, accepting_only: $('s-accepting').checked,
    include_online: $('s-online').checked,
    ...searchFilters(),
  };
  history.replaceState(null, '', '#zoeken?' + query(params));
  let r;
  try { r = await api('match', params); } catch (e) { setMsg('s-msg', nearMessage(e, near), 'err'); return; }
  const o = r.origin;
  const where = [o.postcode, o.place].filter(Boolean).join(' ');
  if (!r.providers.length) {
    setMsg('s-msg', t('nothing', params.within || '-', t(r.mode), where), 'warn');
  } else {
    setMsg('s-msg', t(r.count === 1 ? 'found1' : 'found', r.count, where, t(r.mode)), 'ok');
  }
  const home = L.circleMarker([o.lat, o.lon], { radius: 8, color: '#b3261e', weight: 3, fillColor: '#fff', fillOpacity: 1 })
    .bindTooltip(el('span', {}, t('origin') + ' ' + where)).addTo(g);
  const pts = [home.getLatLng()];
  r.providers.forEach((p, i) => {
    list.appendChild(providerItem(p, openProvider));
    if (p.online) return;
    /* numbered like the list; the number is put in as text */
    const mk = L.marker([p.lat, p.lon], { icon: L.divIcon({ className: 'pin' + (p.accepting ? '' : ' off'), html: '', iconSize: [24, 24] }),
      title: p.name, alt: String(i + 1), riseOnHover: true })
      .bindTooltip(el('span', {}, String(i + 1) + '. ' + p.name)).addTo(g);
    mk.getElement().textContent = String(i + 1);
    mk.on('click', () => openProvider(p.id));
    pts.push(mk.getLatLng());
  });
  map.fitBounds(L.latLngBounds(pts).pad(0.2), { maxZoom: 13 });
}

/* ---- view: matched care (refer) ---------------------------------------------------------- */

async function runRefer(ev) {
  if (ev) ev.preventDefault();
  const out = clear($('r-plan'));
  const near = $('r-near').value.trim().replace(/\s+/g, '');
  const problems = [...document.querySelectorAll('#r-problems input:checked')].map((i) => i.value);
  if (!near) { setMsg('r-msg', t('needNear'), 'err'); return; }
  if (!problems.length) { setMsg('r-msg', t('pickProblem'), 'err'); return; }
  setMsg('r-msg', t('searching'));
  let r;
  try {
    r = await api('refer', { near, problem: problems, score: $('r-score').value, mode: $('r-mode').value, within: $('r-within').value });
  } catch (e) { setMsg('r-msg', nearMessage(e, near), 'err'); return; }
  const stepName = { self_care: t('stepSelf'), professional: t('stepProfessional'), specialist: t('stepSpecialist') }[r.step] || r.step;
  setMsg('r-msg', t('step') + ': ' + stepName + (r.psychosocial_added ? ' — ' + t('psyAdded') : ''), 'ok');

  const plan = el('section', { class: 'plan', id: 'r-plan-box' }, el('h3', {}, t('planHead')));
  if (r.plan && r.plan.network) {
    const net = r.networks.find((n) => n.id === r.plan.network);
    plan.appendChild(el('p', { class: 'planline' }, t('planNetwork', net ? net.name : r.plan.network, net ? net.covered : '?', net ? net.needs : '?')));
    if (r.plan.covers_all) plan.appendChild(el('p', {}, t('planAll')));
    if (net) {
      const ul = el('ul', { class: 'members' });
      for (const m of net.members || []) if (m) ul.appendChild(el('li', {}, m.need + ': ' + m.name + ' (' + m.discipline + ', ' + fmt(m.minutes, 0) + ' ' + t('min') + ')'));
      plan.appendChild(ul);
    }
    if (r.plan.outside && r.plan.outside.length) {
      plan.appendChild(el('p', {}, t('planOutside')));
      const ul = el('ul', { class: 'members' });
      for (const o of r.plan.outside) {
        const p = o.providers && o.providers[0];
        ul.appendChild(el('li', {}, o.need + ': ' + (p ? p.name + ' (' + p.discipline + ', ' + fmt(p.minutes, 0) + ' ' + t('min') + ')' : t('noneInReach'))));
      }
      plan.appendChild(ul);
    }
  } else {
    plan.appendChild(el('p', {}, t('noNetwork')));
  }
  out.appendChild(plan);

  const needs = el('section', { class: 'needs' }, el('h3', {}, t('needsHead')));
  for (const n of r.needs) {
    const card = el('div', { class: 'need' }, el('h4', {}, n.label));
    card.appendChild(el('p', { class: 'sub' }, t('recommended') + ': ',
      (n.recommended || []).map((x) => x.discipline + (x.expertise ? ' + ' + x.expertise : '')).join(' · ')));
    const ol = el('ol', { class: 'list' });
    for (const p of n.providers || []) ol.appendChild(providerItem(p, (id) => { location.hash = '#zoeken'; openProvider(id); }));
    if (!(n.providers || []).length) ol.appendChild(el('li', {}, t('noneInReach')));
    card.appendChild(ol);
    needs.appendChild(card);
  }
  out.appendChild(needs);
  if (r.networks && r.networks.length) {
    const tb = table([t('networksRanked'), t('colRegion'), t('covered'), t('min')],
      r.networks.map((n) => [n.name, n.region || '', n.covered + '/' + n.needs, fmt(n.total_minutes, 0)]), [2, 3]);
    out.appendChild(el('section', {}, el('h3', {}, t('networksRanked')), tb));
  }
}

/* ---- tables ------------------------------------------------------------------------------- */

/* numeric: the indexes of right-aligned columns (default: all but the first) */
function table(head, rows, numeric) {
  const isNum = (i) => (numeric ? numeric.includes(i) : i > 0);
  const tb = el('table', { class: 'tbl' });
  const tr = el('tr');
  head.forEach((h, i) => tr.appendChild(el('th', { scope: 'col', class: isNum(i) ? 'num' : null }, h)));
  tb.appendChild(el('thead', {}, tr));
  const body = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c, i) => row.appendChild(el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: isNum(i) ? 'num' : null }, c)));
    body.appendChild(row);
  }
  tb.appendChild(body);
  return el('div', { class: 'tblwrap' }, tb);
}

/* ---- view: coverage ------------------------------------------------------------------------ */

function coverageParams() {
  const view = $('c-view').value;
  return {
    region: $('c-region').value || 'all', view,
    discipline: view === 'networks' ? '' : $('c-discipline').value,
    expertise: view === 'networks' ? '' : $('c-expertise').value,
    within: $('c-within').value, mode: $('c-mode').value, accepting_only: $('c-accepting').checked,
  };
}

function shareColor(s) {
  /* 0.8 .. 1.0 share of people: pale to deep green */
  const x = Math.max(0, Math.min(1, (s - 0.8) / 0.2));
  const lerp = (a, b) => Math.round(a + (b - a) * x);
  return 'rgb(' + lerp(237, 90) + ',' + lerp(248, 174) + ',' + lerp(233, 97) + ')';
}

function coverageCsv(r) {
  /* the columns of `verwijs coverage --format csv` */
  const nets = r.need.view === 'networks';
  const q = (s) => (/[,"\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  const lines = ['pc4,place,region,population,lat,lon,nearest_' + (nets ? 'network' : 'provider') + ',nearest_name,minutes,km'];
  for (const w of r.white_spots) {
    const n = w.nearest;
    let line = w.pc4 + ',' + q(w.place || '') + ',' + (w.region || '') + ',' + w.population.toFixed(0) + ',' + w.lat.toFixed(5) + ',' + w.lon.toFixed(5) + ',';
    line += n ? q(String((nets ? n.network : n.id) || '')) + ',' + q(n.name || '') + ',' + n.minutes.toFixed(1) + ',' + n.km.toFixed(2) : ',,,';
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

function download(name, blob) {
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

async function runCoverage(ev) {
  if (ev) ev.preventDefault();
  performance.mark('coverage-start'); /* bench/ui_firstview.js reads the measure */
  const p = coverageParams();
  const sum = clear($('c-summary'));
  $('c-downloads').hidden = true;
  setMsg('c-msg', t('loading'));
  history.replaceState(null, '', '#dekking?' + query(p));
  const map = makeMap('c-map');
  let r;
  try { r = await api('coverage', { ...p, geometry: true, white_spots_limit: 10000 }); } catch (e) { setMsg('c-msg', t('error', e.message), 'err'); return; }
  const scopeName = r.scope === 'all' ? t('allRegions') : (r.regions[0] ? r.regions[0].name : r.scope);
  setMsg('c-msg', t('coverageOf', scopeName, pct(r.total.share_population), pct(r.total.share_pc4), fmt(r.white_spots_total, 0)), 'ok');

  const g = overlay(map, 'coverage');
  const regions = r.regions.filter((x) => x.geometry);
  for (const x of regions) {
    L.geoJSON(x.geometry, { style: { color: '#38495e', weight: 1.5, fillColor: shareColor(x.share_population), fillOpacity: 0.85 } })
      .bindTooltip(el('span', {}, x.name + ': ' + pct(x.share_population) + '%'), { sticky: true }).addTo(g);
  }
  for (const w of r.white_spots) {
    if (!w.cell) continue;
    L.geoJSON(w.cell, { style: { color: '#8f1d10', weight: 0.6, fillColor: '#d7301f', fillOpacity: 0.75 } })
      .bindTooltip(el('span', {}, w.pc4 + ' ' + (w.place || '') + ' · ' + fmt(w.population, 0) + ' ' + t('colPopulation')), { sticky: true }).addTo(g);
  }
  for (const pr of r.providers || []) L.circleMarker([pr[0], pr[1]], { radius: 1.4, stroke: false, fillColor: '#08519c', fillOpacity: 0.8 }).addTo(g);
  /* outlines, cells or providers: whatever was drawn (the regions may come without polygons) */
  if (g.getLayers().length) map.fitBounds(g.getBounds().pad(0.02));
  legend('c-legend', [[shareColor(1), t('legendCovered')], ['#d7301f', t('legendWhite')], ['#08519c', t('legendProvider')]]);

  /* the table of `verwijs coverage` */
  const row = (m, code) => [code, fmt(m.population, 0), fmt(m.covered_population, 0), pct(m.share_population) + '%', fmt(m.pc4, 0), fmt(m.covered_pc4, 0), pct(m.share_pc4) + '%'];
  sum.appendChild(table([t('colRegion'), t('colPopulation'), t('colCovered'), t('colShare'), t('colPc4'), t('colCov'), t('colShare')],
    [...r.regions.map((x) => row(x, x.code)), row(r.total, t('total'))]));
  sum.appendChild(el('p', { class: 'wstotal' }, el('strong', { id: 'c-ws-total' }, String(r.white_spots_total)), ' ', t('whiteSpotsTotal')));
  const top = r.white_spots.slice(0, 25).map((w) => [w.pc4, w.place || '', w.region || '', fmt(w.population, 0),
    w.nearest ? fmt(w.nearest.minutes, 1) + ' ' + t('min') + '  ' + w.nearest.name : '—']);
  if (top.length) sum.appendChild(table([t('colPc4'), t('colPlace'), t('colRegion'), t('colPopulation'), t('colNearest')], top, [3]));
  if (r.white_spots.length > 25) sum.appendChild(el('p', { class: 'note' }, t('more', r.white_spots.length - 25)));

  /* the map's labels in the page's language, as `verwijs coverage --lang` */
  const exportQs = query({ ...p, geometry: true, white_spots_limit: 10000, lang });
  $('c-geojson').href = '/ui/export/coverage.geojson?' + exportQs;
  $('c-svg').href = '/ui/export/coverage.svg?' + exportQs;
  $('c-csv').onclick = () => download('coverage.csv', new Blob([coverageCsv(r)], { type: 'text/csv' }));
  $('c-png').href = '/ui/export/coverage.png?' + exportQs;
  $('c-downloads').hidden = false;
  performance.measure('coverage', 'coverage-start');
}

function legend(id, items) {
  const box = clear($(id));
  for (const [color, label] of items) {
    const sw = el('span', { class: 'sw' });
    sw.style.background = color;
    box.appendChild(el('span', { class: 'item' }, sw, label));
  }
}

/* ---- view: networks (the national map of all networks by kind) -------------------------- */

/* one colour per kind, in the answer's legend order (the three known kinds first) */
const KIND_COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];

function networksCsv(r) {
  /* one row per network, the fields of the answer (docs/HTTP.md "The national network map") */
  const q = (s) => (/[,"\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  const lines = ['id,name,kind,status,active,region,members,lat,lon'];
  for (const n of r.networks) {
    lines.push([q(n.id), q(n.name || ''), q(n.kind || ''), n.status || '', n.active ? 'true' : 'false', n.region || '',
      String(n.members), n.lat === null ? '' : n.lat.toFixed(4), n.lon === null ? '' : n.lon.toFixed(4)].join(','));
  }
  return lines.join('\n') + '\n';
}

async function runNetworks(ev) {
  if (ev) ev.preventDefault();
  setMsg('n-msg', t('loading'));
  $('n-downloads').hidden = true;
  const kind = $('n-kind').value;
  history.replaceState(null, '', '#netwerken' + (kind ? '?kind=' + encodeURIComponent(kind) : ''));
  const map = makeMap('n-map');
  const p = { kind, geometry: !S.base['n-map'] };
  let r, audit = null;
  try {
    [r, audit] = await Promise.all([api('networks/map', p), api('networks/audit').catch(() => null)]);
  } catch (e) { setMsg('n-msg', t('error', e.message), 'err'); return; }
  const g = overlay(map, 'networks');
  /* the outlines from this answer when the base map has none (regions without polygons embedded) */
  if (!S.base['n-map']) {
    for (const x of r.regions) {
      if (x.geometry) L.geoJSON(x.geometry, { style: { color: '#38495e', weight: 1.2, fillColor: '#eef2f6', fillOpacity: 1 } }).addTo(g);
    }
  }
  const color = new Map(r.kinds.map((k, i) => [k, KIND_COLORS[i % KIND_COLORS.length]]));
  let drawn = 0;
  for (const n of r.networks) {
    if (n.lat === null || n.lon === null || n.lat === undefined) continue;
    const c = color.get(n.kind) || '#666666';
    /* a DOM marker per network (counted by the browser test), its colour set as a style, never markup */
    const mk = L.marker([n.lat, n.lon], {
      icon: L.divIcon({ className: 'netpt' + (n.active ? '' : ' off'), html: '', iconSize: [12, 12] }),
      keyboard: false, riseOnHover: true,
    }).bindTooltip(el('span', {}, n.name + ' · ' + n.kind + ' · ' + t(n.status === 'certified' ? 'certified' : 'forming') +
      ' · ' + n.members + ' ' + t('colMembers')), { sticky: true }).addTo(g);
    const e = mk.getElement();
    e.dataset.kind = n.kind;
    e.dataset.id = n.id;
    if (n.active) e.style.background = c; else { e.style.background = '#fff'; e.style.borderColor = c; }
    drawn++;
  }
  $('n-map').dataset.networks = String(drawn);
  const counts = r.counts || {};
  legend('n-legend', [...r.kinds.map((k) => [color.get(k), k + ' (' + (counts[k] || 0) + ')']), ['#fff', t('inactive')]]);
  setMsg('n-msg', t('netmapTotal', r.count, r.as_of, r.count - drawn), 'ok');

  /* the table of `verwijs networks map`: counts per region and kind, then the country */
  const rows = r.regions.map((x) => [x.name, ...r.kinds.map((k) => fmt((x.counts || {})[k] || 0, 0))]);
  rows.push([t('country'), ...r.kinds.map((k) => fmt(counts[k] || 0, 0))]);
  clear($('n-table')).appendChild(table([t('colRegion'), ...r.kinds], rows));

  /* the networks flagged by the NVPO audit (status, criteria) */
  const list = clear($('n-list'));
  if (audit) {
    const flagged = audit.networks.filter((n) => n.flagged).slice(0, 50);
    list.appendChild(el('h3', {}, t('auditHead') + ' (' + audit.flagged + ')'));
    list.appendChild(table([t('flagged'), t('colRegion'), t('reasons')], flagged.map((n) => [n.name, n.region || '', (n.reasons || []).join('; ')]), []));
  }

  const qs = query({ kind });
  $('n-geojson').href = '/ui/export/networks.geojson' + (qs ? '?' + qs : '');
  $('n-svg').href = '/ui/export/networks.svg' + (qs ? '?' + qs : '');
  $('n-png').href = '/ui/export/networks.png' + (qs ? '?' + qs : '');
  $('n-csv').onclick = () => download('networks.csv', new Blob([networksCsv(r)], { type: 'text/csv' }));
  $('n-downloads').hidden = false;
}

/* ---- routing between the views ------------------------------------------------------------- */

const VIEWS = ['zoeken', 'zorg', 'dekking', 'netwerken'];

function show() {
  const [name, qs] = location.hash.replace(/^#/, '').split('?');
  const v = VIEWS.includes(name) ? name : 'zoeken';
  for (const x of VIEWS) {
    $('view-' + x).hidden = x !== v;
    $('tab-' + x).setAttribute('aria-selected', x === v ? 'true' : 'false');
  }
  const params = new URLSearchParams(qs || '');
  if (v === 'zoeken') {
    makeMap('s-map');
    if (params.get('near')) { prefill('s-', params); runSearch(); }
  } else if (v === 'dekking') {
    makeMap('c-map');
    if (params.get('within')) { prefill('c-', params); runCoverage(); }
  } else if (v === 'netwerken') {
    if (params.has('kind')) $('n-kind').value = params.get('kind');
    runNetworks();
  }
}

/* A URL from the page leaves out empty values: those fields go back to empty. */
const CLEARED = {
  's-': ['expertise', 'region', 'accepting', 'online', 'language', 'openday', 'opentime', 'opennow', 'wheelchair', 'direct', 'wait'],
  'c-': ['expertise', 'accepting'],
};
const PARAM_IDS = { accepting_only: 'accepting', include_online: 'online', direct_access: 'direct', max_wait_weeks: 'wait' };

function prefill(prefix, params) {
  for (const k of CLEARED[prefix] || []) {
    const e = $(prefix + k);
    if (e.type === 'checkbox') e.checked = false; else e.value = '';
  }
  for (const [k, v] of params) {
    if (k === 'open_on') { /* "tu" or "tu@10:00" */
      const [day, time] = v.split('@');
      if ($(prefix + 'openday')) { $(prefix + 'openday').value = day; $(prefix + 'opentime').value = time || ''; }
      continue;
    }
    const id = prefix + (PARAM_IDS[k] || k);
    const e = $(id);
    if (!e) continue;
    if (e.type === 'checkbox') e.checked = v === 'true'; else e.value = v;
  }
  if (prefix === 's-') /* a link with a filter of "more filters" shows them */
    $('s-more').open = ['language', 'open_on', 'wheelchair', 'direct_access', 'max_wait_weeks'].some((k) => params.has(k));
}

async function start() {
  applyTexts();
  $('lang').addEventListener('click', () => {
    lang = lang === 'nl' ? 'en' : 'nl';
    try { localStorage.setItem('verwijs-lang', lang); } catch (e) { /* ignore */ }
    applyTexts();
  });
  $('f-search').addEventListener('submit', runSearch);
  $('f-refer').addEventListener('submit', runRefer);
  $('f-coverage').addEventListener('submit', runCoverage);
  $('f-networks').addEventListener('submit', runNetworks);
  $('c-view').addEventListener('change', () => {
    const nets = $('c-view').value === 'networks';
    $('c-discipline').disabled = nets; $('c-expertise').disabled = nets;
  });
  try {
    const [cfg, regions, vocab, stats] = await Promise.all([
      fetch('/ui/config.json').then((r) => r.json()),
      api('regions', { geometry: true }),
      api('vocabulary').catch(() => null), /* without it: car, bike, walk */
      api('stats').catch(() => null),
    ]);
    S.config = cfg; S.regions = regions; S.vocab = vocab; S.stats = stats;
  } catch (e) {
    setMsg('s-msg', t('error', e.message), 'err');
    return;
  }
  $('version').textContent = 'Verwijs ' + S.config.version;
  fillChoices();
  if (!S.regions.polygons) setMsg('c-msg', t('noPolygons'), 'warn');
  window.addEventListener('hashchange', show); /* replaceState (the forms) fires none */
  show();
  document.body.dataset.ready = '1';
  performance.mark('verwijs-ready');
}

document.addEventListener('DOMContentLoaded', start);

#!/usr/bin/env python3
"""fhir_search_check.py BASE BUNDLE CHECK [args]: the FHIR searches of a
running verwijsd (BASE = http://host:port) against brute force over an
export (BUNDLE, `verwijs export fhir`). Exit 0 when the check holds.

  walk QUERY [COUNT_EXPECTED]   follow Bundle.link next from /fhir/QUERY until
                                there is none: every match once, stable order,
                                the count equals Bundle.total (and COUNT_EXPECTED)
  params                        each mCSD parameter == the same filter over
                                the export (identifier, active, partof,
                                organization, name, address-*)
  include                       _include of PractitionerRole: the referenced
                                resources, search.mode include, not in total
"""
import json
import sys
import urllib.parse
import urllib.request

BASE, BUNDLE, CHECK = sys.argv[1], sys.argv[2], sys.argv[3]
ARGS = sys.argv[4:]


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def link(b, rel):
    for lk in b.get('link', []):
        if lk['relation'] == rel:
            return lk['url']
    return None


def walk(query):
    """Every match of /fhir/QUERY, following next; checks order and total."""
    url, ids, pages, total = BASE + '/fhir/' + query, [], 0, None
    while url:
        b = get(url)
        pages += 1
        assert b['resourceType'] == 'Bundle' and b['type'] == 'searchset', b
        assert 'entry' not in b or b['entry'], 'empty entry array'
        if total is None:
            total = b['total']
        assert b['total'] == total, (b['total'], total)
        assert link(b, 'self') and link(b, 'self').startswith(BASE + '/fhir/'), b.get('link')
        if pages > 1:
            assert link(b, 'previous'), 'page %d has no previous link' % pages
        ids += [e['resource']['resourceType'] + '/' + e['resource']['id']
                for e in b.get('entry', []) if e['search']['mode'] == 'match']
        url = link(b, 'next')
        assert pages < 10000
    assert len(ids) == len(set(ids)), 'a match on two pages'
    assert len(ids) == total, (len(ids), total)
    return ids, total, pages


def export():
    return [e['resource'] for e in json.load(open(BUNDLE))['entry']]


def q(v):
    return urllib.parse.quote(v, safe='')


def ref(r, key):
    v = r.get(key)
    if isinstance(v, list):
        v = v[0] if v else None
    return v.get('reference') if v else None


def check_params():
    rs = export()
    by = lambda t: [r for r in rs if r['resourceType'] == t]
    orgs, locs, roles, pracs = by('Organization'), by('Location'), by('PractitionerRole'), \
        by('Practitioner')
    nets = [r for r in orgs if r['id'].startswith('net-')]
    practices = [r for r in orgs if r['id'].startswith('org-')]
    cases = []  # (query, expected ids)
    def key(r):
        return r['resourceType'] + '/' + r['id']
    # identifier: our naming systems, AGB (Practitioner, practice Organization)
    for r in [nets[0], practices[0], practices[7], pracs[3], locs[5]]:
        for ident in r['identifier']:
            val = ident['system'] + '|' + ident['value']
            want = [key(x) for x in by(r['resourceType'])
                    if any(i['system'] == ident['system'] and i['value'] == ident['value']
                           for i in x.get('identifier', []))]
            cases.append((r['resourceType'] + '?identifier=' + q(val), want))
    cases.append(('Organization?identifier=' + q(nets[0]['identifier'][0]['system'] + '|'),
                  [key(x) for x in nets]))
    # active (PractitionerRole searches answer the practice roles, role-PID;
    # the membership roles role-PID-net-NID only with organization=net-NID)
    searched = lambda t: [x for x in by(t) if '-net-' not in x['id']]
    for t in ('Organization', 'Practitioner', 'PractitionerRole', 'HealthcareService'):
        cases.append((t + '?active=true', [key(x) for x in searched(t) if x.get('active') is True]))
        cases.append((t + '?active=false', [key(x) for x in searched(t) if x.get('active') is False]))
    # partof, organization
    for n in nets[:6]:
        rf = 'Organization/' + n['id']
        cases.append(('Organization?partof=' + q(rf), [key(x) for x in orgs if ref(x, 'partOf') == rf]))
        cases.append(('PractitionerRole?organization=' + q(rf),
                      [key(x) for x in roles if ref(x, 'organization') == rf]))
    for p in practices[:4]:
        rf = 'Organization/' + p['id']
        cases.append(('PractitionerRole?organization=' + q(rf),
                      [key(x) for x in roles if ref(x, 'organization') == rf]))
        cases.append(('Location?organization=' + q(rf),
                      [key(x) for x in locs if ref(x, 'managingOrganization') == rf]))
    # Location name, address-city, address-postalcode (prefixes, any case)
    for l in locs[:5]:
        pre = ''.join(c for c in l['name'] if c.isascii())[:5]
        cases.append(('Location?name=' + q(pre.lower()),
                      [key(x) for x in locs if x['name'].lower().startswith(pre.lower())]))
        a = l['address']
        if 'city' in a and a['city'].isascii():
            cases.append(('Location?address-city=' + q(a['city'].upper()),
                          [key(x) for x in locs
                           if x['address'].get('city', '').lower().startswith(a['city'].lower())]))
        if 'postalCode' in a:
            pc4 = a['postalCode'][:4]
            cases.append(('Location?address-postalcode=' + pc4,
                          [key(x) for x in locs
                           if x['address'].get('postalCode', '').startswith(pc4)]))
            cases.append(('Location?address-city=' + q(a.get('city', '')) +
                          '&address-postalcode=' + pc4,
                          [key(x) for x in locs
                           if x['address'].get('postalCode', '').startswith(pc4) and
                           x['address'].get('city', '').lower().startswith(
                               a.get('city', '').lower())]))
    nonempty = 0
    for query, want in cases:
        got, total, _ = walk(query + '&_count=500')
        assert sorted(got) == sorted(want), (query, len(got), len(want), got[:3], want[:3])
        nonempty += len(want) > 0
    assert nonempty >= len(cases) - 6, 'too many cases find nothing: %d of %d' % (nonempty, len(cases))
    print('%d parameter searches equal brute force over the export' % len(cases))


def check_include():
    rs = {r['resourceType'] + '/' + r['id']: r for r in export()}
    for query in ('PractitionerRole?_count=10&_include=PractitionerRole:*',
                  'PractitionerRole?_count=10&_include=PractitionerRole:practitioner'
                  '&_include=PractitionerRole:location&_include=PractitionerRole:organization',
                  'PractitionerRole?organization=' + q('Organization/' + next(
                      k for k in rs if k.startswith('Organization/net-'))[13:]) +
                  '&_include=PractitionerRole:*'):
        b = get(BASE + '/fhir/' + query)
        match = [e['resource'] for e in b['entry'] if e['search']['mode'] == 'match']
        inc = [e['resource'] for e in b['entry'] if e['search']['mode'] == 'include']
        assert all(e['search']['mode'] in ('match', 'include') for e in b['entry'])
        assert len(match) <= 10 and b['total'] >= len(match)
        want = set()
        for r in match:
            want |= {r['practitioner']['reference'], r['location'][0]['reference'],
                     r['organization']['reference']}
        got = [r['resourceType'] + '/' + r['id'] for r in inc]
        assert len(got) == len(set(got)), 'an included resource twice'
        assert set(got) == want, (query, sorted(set(got) ^ want)[:4])
        for r in inc:
            assert rs[r['resourceType'] + '/' + r['id']] == r, 'included != exported'
    b = get(BASE + '/fhir/PractitionerRole?_count=3')
    assert all(e['search']['mode'] == 'match' for e in b['entry'])
    print('includes are the referenced resources')


if CHECK == 'walk':
    ids, total, pages = walk(ARGS[0])
    if len(ARGS) > 1:
        assert total == int(ARGS[1]), (total, ARGS[1])
    print('%d matches on %d pages' % (total, pages))
elif CHECK == 'params':
    check_params()
elif CHECK == 'include':
    check_include()
else:
    sys.exit('unknown check ' + CHECK)

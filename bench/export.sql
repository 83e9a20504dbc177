-- export.sql -- the providers of verwijsd's SQLite database as one CSV, the
-- single source the Redis and PostgreSQL parts of bench/run.sh load:
--   sqlite3 -header -csv DB < bench/export.sql > providers.csv
-- expertise = the permanent tags plus the registrations valid today (what
-- verwijsd's match checks on its default as_of), ';'-separated. Online
-- providers stay: with a location they are in verwijsd's distance-ordered
-- list too.
WITH RECURSIVE perm(id, tag, rest) AS (
  SELECT id, '', expertise || ';' FROM providers
  UNION ALL
  SELECT id, substr(rest, 1, instr(rest, ';') - 1), substr(rest, instr(rest, ';') + 1)
  FROM perm WHERE rest <> ''
), tags(id, tag) AS (
  SELECT id, tag FROM perm WHERE tag <> ''
  UNION
  SELECT provider_id, tag FROM registrations
  WHERE (valid_from IS NULL OR valid_from <= date('now'))
    AND (valid_until IS NULL OR date('now') <= valid_until)
), exp(id, expertise) AS (
  SELECT id, group_concat(tag, ';') FROM (SELECT id, tag FROM tags ORDER BY id, tag) GROUP BY id
)
SELECT p.id, p.name, p.discipline, coalesce(e.expertise, '') AS expertise, p.lat, p.lon,
       p.address, p.postcode, p.city, p.phone, p.email, p.website, p.accepting, p.online,
       p.geocoded,
       p.hours, p.languages, p.wheelchair, p.direct_access, p.wait_weeks, p.wait_confirmed,
       p.agb, p.big
FROM providers p LEFT JOIN exp e ON e.id = p.id
ORDER BY p.id;

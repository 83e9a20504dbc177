-- postgis.sql -- bench/run.sh's PostgreSQL + PostGIS side: the tables, their
-- indexes and the query, on the data the other systems get. run.sh first
-- COPYs the CSVs into src_providers and src_origins (created here), then
-- runs the rest (psql -v ON_ERROR_STOP=1 -v part=tables|build).
\if :{?part}
\else
\echo 'usage: psql -v part=tables|build -f bench/postgis.sql'
\quit
\endif
SELECT :'part' = 'tables' AS tables \gset
\if :tables
CREATE EXTENSION IF NOT EXISTS postgis;
DROP FUNCTION IF EXISTS bench_match(int);
DROP TABLE IF EXISTS src_providers, src_origins, providers, origins;
-- the header of bench/export.sql
CREATE TABLE src_providers(
  id text, name text, discipline text, expertise text, lat float8, lon float8,
  address text, postcode text, city text, phone text, email text, website text,
  accepting int, online int, geocoded int, hours text, languages text, wheelchair int,
  direct_access int, wait_weeks int, wait_confirmed text, agb text, big text);
-- bench/vwload --make-queries, numbered 1..N
CREATE TABLE src_origins(
  id int, pc4 int, lat float8, lon float8, discipline text, expertise text,
  minutes float8, km float8, k int);
\else
-- The providers: tags as text[] (GIN), the point as geography (GiST): the
-- sphere distance of ST_DWithin(..., false) and of <-> is haversine on the
-- mean earth radius 6371008.8 m, the same great circle verwijsd computes.
CREATE TABLE providers AS
  SELECT id, name, discipline,
         coalesce(string_to_array(nullif(expertise, ''), ';'), '{}') AS expertise,
         lat, lon, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS geog,
         address, postcode, city, phone, email, website, accepting = 1 AS accepting,
         online = 1 AS online, geocoded = 1 AS geocoded, hours,
         string_to_array(languages, ';') AS languages,
         wheelchair = 1 AS wheelchair, direct_access = 1 AS direct_access, wait_weeks,
         wait_confirmed::date AS wait_confirmed, agb, big
  FROM src_providers;
ALTER TABLE providers ADD PRIMARY KEY (id);
CREATE INDEX providers_geog ON providers USING gist (geog);
CREATE INDEX providers_expertise ON providers USING gin (expertise);
CREATE TABLE origins AS
  SELECT id, pc4, discipline, nullif(expertise, '') AS expertise, km * 1000 AS radius_m, k,
         ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS geog
  FROM src_origins;
ALTER TABLE origins ADD PRIMARY KEY (id);
VACUUM ANALYZE providers;
VACUUM ANALYZE origins;
-- The query (bench/pgbench_match.sql runs it, prepared): origin :i's k nearest
-- providers of its discipline with its tag within its radius, nearest first,
-- with the answer's columns and the distance in km.
CREATE FUNCTION bench_match(i int) RETURNS TABLE(
  id text, name text, discipline text, expertise text[], lat float8, lon float8,
  address text, postcode text, city text, phone text, email text, website text,
  accepting bool, online bool, hours text, languages text[], km float8)
LANGUAGE sql STABLE AS $$
  SELECT p.id, p.name, p.discipline, p.expertise, p.lat, p.lon, p.address, p.postcode,
         p.city, p.phone, p.email, p.website, p.accepting, p.online, p.hours, p.languages,
         ST_Distance(p.geog, o.geog, false) / 1000
  FROM origins o CROSS JOIN LATERAL (
    SELECT * FROM providers p
    WHERE p.discipline = o.discipline
      AND (o.expertise IS NULL OR p.expertise @> ARRAY[o.expertise])
      AND ST_DWithin(p.geog, o.geog, o.radius_m, false)
    ORDER BY p.geog <-> o.geog LIMIT o.k) p
  WHERE o.id = i
  ORDER BY 17, 1
$$;
\endif

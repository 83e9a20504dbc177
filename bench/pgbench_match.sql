-- pgbench_match.sql -- one match per transaction: a random origin of the
-- benchmark's list (-D norigins=N), the k nearest through bench_match
-- (bench/postgis.sql). bench/run.sh runs it with -M prepared.
\set i random(1, :norigins)
SELECT * FROM bench_match(:i);

#!/usr/bin/env bash
# test_admin_paths.sh -- what the admin path may read and say (issue 14, 4
# and 9, and the reload error in `stats`), against a real verwijsd:
#  - `admin_token = ...#...` inline in the config is the whole token ('#'
#    starts a comment only first on a line): admin TCP with it works;
#  - an import of a path outside admin_import_dir gets the same answer
#    whether that path exists or not (nothing outside is ever opened);
#  - a symlink inside admin_import_dir is refused (O_NOFOLLOW), and a path
#    swapped between a regular file and a symlink to a file outside, 300
#    times while imports of it run, never gets a line of the outside file
#    into an answer (the file is opened once, by descriptor);
#  - `stats` on the query port shows a failed reload's reason without the
#    database path; the admin path shows it whole.
. "$(dirname "$0")/lib.sh"
gen_db 500 9
TOKEN='0123456789abcdef#ghij#klmnop'
mkdir -p "$T/in"
cat > "$T/paths.conf" <<CONF
# admin path
admin_socket = $T/admin.sock
admin_listen = 127.0.0.1:0
admin_token = $TOKEN
   # an indented comment
admin_import_dir = $T/in
CONF
start_daemon "$DB" --config "$T/paths.conf"
APORT=$(cat "$T/port.admin")
printf '%s\n' "$TOKEN" > "$T/token"
expect_exit 0 "admin TCP with the token holding '#' (inline in the config)" \
  "$V" admin reload --server "127.0.0.1:$APORT" --token-file "$T/token"

# outside the dir: one answer whether the path exists or not
expect_exit 3 "import of an existing file outside" \
  "$V" admin import providers "$T/providers.csv" --admin-socket "$T/admin.sock"
sed "s|$T/providers.csv|PATH|" "$T/err" > "$T/err.exists"
expect_exit 3 "import of a missing file outside" \
  "$V" admin import providers "$T/missing.csv" --admin-socket "$T/admin.sock"
check "... the same answer (says nothing of what exists outside)" \
  test "$(sed "s|$T/missing.csv|PATH|" "$T/err")" = "$(cat "$T/err.exists")"
check "... which says why" grep -q "outside admin_import_dir" "$T/err"

printf 'SECRET_OUTSIDE_LINE,x,y\n1,2,3\n' > "$T/secret.csv"
printf 'inside_header_line,x,y\n1,2,3\n' > "$T/in/regular.csv"
ln -s "$T/secret.csv" "$T/in/link.csv"

PYTHONPATH="$(dirname "$0")" python3 - "$T/admin.sock" "$T/in" "$PORT" "$DB" > "$T/py.out" 2>&1 <<'PY'
import os, socket, sys, threading
from vwwire import enc, frame, read_frame, req, Checks
asock, inside, port, db = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t = Checks("admin paths")
check = t.check
def admin(i, op, args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(30); s.connect(asock)
    s.sendall(req(i, op, args)); r = read_frame(s); s.close(); return r or b''

# the CLI resolves symlinks itself: these are raw requests naming the link
r = admin(1, "import", {"kind": "providers", "file": inside + "/link.csv"})
check("a symlink inside admin_import_dir is refused", b'symbolic link' in r)
check("... and nothing of its target is read", b'SECRET' not in r)

swap = inside + "/swap.csv"
stop = False
def swapper():
    n = 0
    while not stop:
        tmp = inside + "/.swap%d" % (n % 2)
        if n % 2:
            os.symlink(inside + "/../secret.csv", tmp)
        else:
            with open(tmp, "w") as f:
                f.write("inside_header_line,x,y\n1,2,3\n")
        os.rename(tmp, swap)
        n += 1
th = threading.Thread(target=swapper); th.start()
leaked = answered = 0
for i in range(300):
    r = admin(i % 100 + 2, "import", {"kind": "providers", "file": swap})
    answered += len(r) > 0
    leaked += b'SECRET' in r
stop = True; th.join()
check(f"symlink swap: 300 imports answered ({answered})", answered == 300)
check(f"symlink swap: no answer holds a line of the outside file ({leaked} did)", leaked == 0)

# a failed reload: the query port's stats has no path, the admin path has it
os.rename(db, db + ".away")
r = admin(120, "reload", {})
check("reload of a missing database fails", b'invalid' in r or b'error' in r)
q = socket.create_connection(("127.0.0.1", port)); q.settimeout(30)
q.sendall(req(121, "stats", {})); st = read_frame(q) or b''
check("query stats: last reload error shown", b'cannot open database: ' in st)
check("query stats: without the database path", db.encode() not in st and
      os.path.dirname(db).encode() not in st)
a = admin(122, "stats", {})
check("admin stats: with the database path", db.encode() in a)
os.rename(db + ".away", db)
sys.exit(t.done())
PY
rc=$?
cat "$T/py.out"
check "admin paths" test "$rc" = 0
# A relative name is a file in admin_import_dir (issue 19), and says so.
cp "$T/providers.csv" "$T/in/providers.csv"
(cd / && "$V" admin import providers providers.csv --admin-socket "$T/admin.sock" >"$T/rel.out" 2>"$T/rel.err")
check "admin import of a relative name reads it from admin_import_dir" grep -q 'imported 500 of 500' "$T/rel.out"
check "... and the CLI says how it is read" grep -q 'relative to its admin_import_dir' "$T/rel.err"
expect_exit 3 "a relative name that is not there" "$V" admin import providers nothere.csv --admin-socket "$T/admin.sock"
check "... names it and says relative to admin_import_dir" \
  grep -q "cannot open nothere.csv (relative to admin_import_dir $(cd "$T/in" && pwd -P)):" "$T/err"
expect_exit 3 "a relative name leading out (../)" "$V" admin import providers ../providers.csv --admin-socket "$T/admin.sock"
check "... is refused by name, before anything is opened" grep -q 'is outside admin_import_dir' "$T/err"
expect_exit 3 "the same for a name that does not exist outside" "$V" admin import providers ../nothere.csv --admin-socket "$T/admin.sock"
check "... the same answer (no existence leak)" grep -q 'is outside admin_import_dir' "$T/err"
check "SIGTERM: exit 0" stop_daemon
finish

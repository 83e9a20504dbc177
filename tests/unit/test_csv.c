/* test_csv.c -- the bounded RFC 4180 reader (server/csv/csv.h): quoting, line
 * numbers, BOM and CRLF, every rejection reason, recovery after a bad
 * record, limits, and the FILE* reader across buffer boundaries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csv/csv.h"
#include "t.h"

/* Reads all records of `s` into a printable trace: "L<line>[f1|f2]" per
 * record, "L<line>!reason" for a bad one, "L<line>FATAL:reason" at the end. */
static void trace(const char *s, size_t len, const vw_csv_limits *lim, char *out, size_t cap)
{
    vw_csv *r = vw_csv_new_mem(s, len, "t.csv");
    char **f;
    size_t *l, n;
    long line;
    vw_err err;
    out[0] = '\0';
    if (lim)
        vw_csv_set_limits(r, lim);
    for (;;) {
        int rc = vw_csv_next(r, &f, &l, &n, &line, &err);
        size_t o = strlen(out);
        if (rc == VW_CSV_EOF)
            break;
        if (rc == VW_CSV_FATAL) {
            snprintf(out + o, cap - o, "L%ldFATAL:%s", line, err.message);
            break;
        }
        if (rc == VW_CSV_BAD) {
            snprintf(out + o, cap - o, "L%ld!%s;", line, err.message);
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "L%ld[", line);
        for (size_t i = 0; i < n; i++) {
            CHECK(strlen(f[i]) == l[i]);
            o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "|" : "", f[i]);
        }
        snprintf(out + o, cap - o, "];");
    }
    vw_csv_free(r);
}

static void expect(const char *in, const char *want)
{
    char got[2048];
    trace(in, strlen(in), NULL, got, sizeof got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "input %s\n", in);
    CHECK_STR(got, want);
}

int main(void)
{
    /* basics, empty fields, trailing newline optional, empty lines skipped */
    expect("a,b,c\n1,,3\n", "L1[a|b|c];L2[1||3];");
    expect("a,b\n1,2", "L1[a|b];L2[1|2];");
    expect("a,b\n\n\n1,2\n\n", "L1[a|b];L4[1|2];");
    expect("a,\n", "L1[a|];");
    expect("", "");
    /* quoting: commas, "" escapes, newlines inside (line numbers count them) */
    expect("\"x,y\",\"say \"\"hi\"\"\"\n", "L1[x,y|say \"hi\"];");
    expect("h\n\"multi\nline\nfield\",z\nnext,1\n", "L1[h];L2[multi\nline\nfield|z];L5[next|1];");
    expect("\"\",\"\"\n", "L1[|];");
    /* BOM and CRLF */
    expect("\xEF\xBB\xBFid,name\r\n1,a\r\n", "L1[id|name];L2[1|a];");
    expect("\"a\"\r\nb\r\n", "L1[a];L2[b];");
    /* a BOM only counts at the very start */
    expect("a\n\xEF\xBB\xBF" "b\n", "L1[a];L2[\xEF\xBB\xBF" "b];");
    /* UTF-8 */
    expect("Zoë,Čapek\n", "L1[Zoë|Čapek];");
    expect("ok\nbad\xC3\n", "L1[ok];L2!invalid UTF-8 in field 1;");
    expect("\xC0\xAF\n", "L1!invalid UTF-8 in field 1;");       /* overlong */
    expect("\xED\xA0\x80\n", "L1!invalid UTF-8 in field 1;");   /* surrogate */
    expect("\xF4\x90\x80\x80\n", "L1!invalid UTF-8 in field 1;"); /* > U+10FFFF */
    /* quote errors, with recovery at the next record */
    expect("ab\"c,d\nok\n", "L1!quote character inside an unquoted field (field 1);L2[ok];");
    expect("\"ab\"c,d\nok\n", "L1!text after the closing quote of field 1;L2[ok];");
    expect("h\n\"open\nnever closed\n",
           "L1[h];L2FATAL:unterminated quoted field (opened on line 2)");
    /* NUL and bare CR */
    {
        char got[256];
        static const char nul[] = "a\0b\nc\n";
        trace(nul, sizeof nul - 1, NULL, got, sizeof got);
        CHECK_STR(got, "L1!NUL byte in field 1;L2[c];");
    }
    expect("a\rb\nc\n", "L1!carriage return without line feed;L2[c];");
    /* limits */
    {
        char got[512];
        vw_csv_limits lim = {.max_field = 4, .max_fields = 3, .max_row = 10};
        const char *in = "abcd,e\nabcde\na,b,c,d\nabcd,abcd,abc\nok\n";
        trace(in, strlen(in), &lim, got, sizeof got);
        CHECK_STR(got, "L1[abcd|e];L2!field longer than 4 bytes;L3!more than 3 fields;"
                       "L4!record longer than 10 bytes;L5[ok];");
    }
    /* FILE* reader: a long file crossing many 64 KiB buffer boundaries, with
     * quoted newlines and CRLF split anywhere; check count, lines and offset */
    {
        FILE *f = tmpfile();
        CHECK(f != NULL);
        if (f) {
            long long bytes = 0;
            bytes += fprintf(f, "\xEF\xBB\xBFid,text\r\n");
            for (int i = 0; i < 20000; i++)
                bytes += fprintf(f, "P%07d,\"line one, \"\"q\"\"\r\nline two\"\r\n", i);
            rewind(f);
            vw_csv *r = vw_csv_new(f, "big.csv");
            char **fl;
            size_t *l, n;
            long line, last_line = 0;
            int rows = 0, ok = 1;
            vw_err err;
            int rc;
            while ((rc = vw_csv_next(r, &fl, &l, &n, &line, &err)) == VW_CSV_ROW) {
                if (rows > 0) {
                    char want[16];
                    snprintf(want, sizeof want, "P%07d", rows - 1);
                    if (n != 2 || strcmp(fl[0], want) != 0 ||
                        strcmp(fl[1], "line one, \"q\"\r\nline two") != 0 ||
                        line != 2 + 2L * (rows - 1))
                        ok = 0;
                }
                last_line = line;
                rows++;
            }
            CHECK(rc == VW_CSV_EOF);
            CHECK(rows == 20001);
            CHECK(ok);
            CHECK(last_line == 2 + 2L * 19999);
            CHECK(vw_csv_offset(r) == bytes);
            CHECK_STR(vw_csv_name(r), "big.csv");
            vw_csv_free(r);
            fclose(f);
        }
    }
    CHECK(vw_utf8_valid("", 0));
    CHECK(vw_utf8_valid("\xF0\x9F\x98\x80", 4));
    CHECK(!vw_utf8_valid("\xF0\x9F\x98", 3));
    CHECK(!vw_utf8_valid("\xFF", 1));
    vw_csv_free(NULL);
    return T_DONE();
}

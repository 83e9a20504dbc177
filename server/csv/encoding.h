/* encoding.h -- what a CSV file is before it is parsed: its encoding and its
 * delimiter, as Dutch spreadsheet programs save them, and an exact
 * conversion from Windows-1252 (the "Latin-1" of Excel's "CSV (comma
 * delimited)" on Dutch Windows) to UTF-8.
 *
 * vw_csv_sniff looks at the start of a seekable file and puts it back;
 * vw_transcode_open wraps a FILE* so that reading it yields UTF-8, through
 * glibc's iconv (no hand-written code table). */
#ifndef VW_CSV_ENCODING_H
#define VW_CSV_ENCODING_H

#include <stdbool.h>
#include <stdio.h>

#define VW_SNIFF_BYTES (256u * 1024u)

typedef struct vw_csv_sniff_result {
    bool sniffed;           /* false: not seekable, nothing known */
    bool utf8;              /* the sample is valid UTF-8 (a cut last character allowed) */
    bool looks_cp1252;      /* not UTF-8, no UTF-8 character at all, and every byte is a
                             * Windows-1252 character */
    long bad_line;          /* first line with a byte that is not UTF-8 (1-based) */
    char bad_sample[48];    /* that byte's surroundings, converted to UTF-8, for messages */
    bool header_semicolon;  /* the first line has ';' and no ',' */
} vw_csv_sniff_result;

/* Reads up to VW_SNIFF_BYTES from the start of `f` and seeks back. */
void vw_csv_sniff(FILE *f, vw_csv_sniff_result *out);

typedef struct vw_transcoder vw_transcoder;
/* A FILE* that reads `in` (borrowed) converted from Windows-1252 to UTF-8.
 * *t receives the converter's state (freed by fclose of the result). NULL
 * when iconv cannot convert (errno set). A byte that Windows-1252 leaves
 * undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) is a read error (EILSEQ). */
FILE *vw_transcode_open(FILE *in, vw_transcoder **t);
/* Characters converted so far (bytes >= 0x80 in the input). */
long vw_transcode_converted(const vw_transcoder *t);

#endif

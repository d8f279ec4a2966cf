/* The ZIP writer (zip.h): APPNOTE 6.3, method 0 (stored), UTF-8 names. */
#include "server/zip.h"

#include <stdint.h>
#include <string.h>

static uint32_t crc32_of(const char *data, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (unsigned char)data[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void le16(buf *b, unsigned v) {
    char c[2] = {(char)(v & 0xff), (char)((v >> 8) & 0xff)};
    buf_append(b, c, 2);
}

static void le32(buf *b, uint32_t v) {
    le16(b, v & 0xffff);
    le16(b, v >> 16);
}

/* MS-DOS date and time of t (local time, as unzip shows it). */
static void dos_time(time_t t, unsigned *date, unsigned *time_of_day) {
    struct tm tm;
    localtime_r(&t, &tm);
    if (tm.tm_year < 80) tm.tm_year = 80, tm.tm_mon = 0, tm.tm_mday = 1;
    *date = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    *time_of_day = (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

/* The fields a local header and a central entry share, from "version needed" on. */
static void common(buf *b, uint32_t crc, size_t n, size_t name_len, unsigned date, unsigned tod) {
    le16(b, 20);     /* version needed: 2.0 */
    le16(b, 0x0800); /* flags: UTF-8 names */
    le16(b, 0);      /* stored */
    le16(b, tod);
    le16(b, date);
    le32(b, crc);
    le32(b, (uint32_t)n); /* compressed size */
    le32(b, (uint32_t)n);
    le16(b, (unsigned)name_len);
    le16(b, 0); /* extra field length */
}

int zip_add(zipw *z, const char *name, const char *data, size_t n, time_t mtime) {
    size_t name_len = strlen(name);
    if (z->out.len + n + name_len + 64 > 0xffffffffu || z->count >= 0xffff) return -1;
    uint32_t crc = crc32_of(data, n), offset = (uint32_t)z->out.len;
    unsigned date, tod;
    dos_time(mtime, &date, &tod);
    le32(&z->out, 0x04034b50);
    common(&z->out, crc, n, name_len, date, tod);
    buf_append(&z->out, name, name_len);
    buf_append(&z->out, data, n);
    le32(&z->central, 0x02014b50);
    le16(&z->central, 0x0314); /* made by: UNIX, 2.0 */
    common(&z->central, crc, n, name_len, date, tod);
    le16(&z->central, 0);              /* comment length */
    le16(&z->central, 0);              /* disk number */
    le16(&z->central, 0);              /* internal attributes */
    le32(&z->central, 0100644u << 16); /* external: a regular file, rw-r--r-- */
    le32(&z->central, offset);
    buf_append(&z->central, name, name_len);
    z->count++;
    return 0;
}

void zip_finish(zipw *z) {
    uint32_t start = (uint32_t)z->out.len, size = (uint32_t)z->central.len;
    buf_append(&z->out, z->central.data ? z->central.data : "", z->central.len);
    le32(&z->out, 0x06054b50);
    le16(&z->out, 0);
    le16(&z->out, 0);
    le16(&z->out, z->count);
    le16(&z->out, z->count);
    le32(&z->out, size);
    le32(&z->out, start);
    le16(&z->out, 0); /* comment length */
}

void zip_free(zipw *z) {
    buf_free(&z->out);
    buf_free(&z->central);
}

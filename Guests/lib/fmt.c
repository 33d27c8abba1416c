#include "fmt.h"
#include "string.h"

uint64_t fmt_udiv64(uint64_t n, uint32_t d, uint32_t *remainder)
{
    /* Long division, one bit at a time: rare calls (time conversion, printing), so simplicity wins. */
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    if (remainder != NULL)
        *remainder = (uint32_t)r;
    return q;
}

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_number(struct out *o, uint64_t v, uint32_t base, int upper, int negative, int width, char pad)
{
    char digits[24];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        uint32_t r;
        v = fmt_udiv64(v, base, &r);
        digits[n++] = set[r];
    } while (v != 0);
    int total = n + (negative ? 1 : 0);
    if (negative && pad == '0')
        put(o, '-');
    for (; total < width; total++)
        put(o, pad);
    if (negative && pad != '0')
        put(o, '-');
    while (n > 0)
        put(o, digits[--n]);
}

int fmt_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = longs >= 2 ? va_arg(ap, long long) : (longs == 1 ? va_arg(ap, long) : va_arg(ap, int));
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(&o, mag, 10, 0, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs >= 2 ? va_arg(ap, unsigned long long)
                                    : (longs == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int));
            put_number(&o, v, *p == 'u' ? 10 : 16, *p == 'X', 0, width, pad);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, 8, '0');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            int n = (int)strlen(s);
            for (; n < width; n++)
                put(&o, ' ');
            while (*s != '\0')
                put(&o, *s++);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int fmt_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* The start of the value of `key` ("key=value" as a whole word), or NULL. */
static const char *find_key(const char *line, const char *key)
{
    size_t klen = strlen(key);
    const char *p = line;
    while (p != NULL && *p != '\0') {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p + klen + 1;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    return NULL;
}

int fmt_arg(const char *line, const char *key, char *out, size_t size)
{
    const char *v = line == NULL ? NULL : find_key(line, key);
    if (v == NULL || size == 0)
        return -1;
    size_t n = 0;
    while (v[n] != '\0' && v[n] != ' ') {
        if (n + 1 >= size)
            return -1;
        out[n] = v[n];
        n++;
    }
    out[n] = '\0';
    return 0;
}

int fmt_has_word(const char *line, const char *word)
{
    size_t wlen = strlen(word);
    const char *p = line;
    while (p != NULL && *p != '\0') {
        while (*p == ' ')
            p++;
        if (strncmp(p, word, wlen) == 0 && (p[wlen] == '\0' || p[wlen] == ' '))
            return 1;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    return 0;
}

int fmt_parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    uint32_t base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        uint32_t d;
        if (*s >= '0' && *s <= '9')
            d = (uint32_t)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (uint32_t)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (uint32_t)(*s - 'A' + 10);
        else
            return -1;
        v = v * base + d;
        if (v > 0xffffffffu)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

uint32_t fmt_arg_u32(const char *line, const char *key, uint32_t fallback)
{
    char value[24];
    uint32_t v;
    if (fmt_arg(line, key, value, sizeof value) != 0 || fmt_parse_u32(value, &v) != 0)
        return fallback;
    return v;
}

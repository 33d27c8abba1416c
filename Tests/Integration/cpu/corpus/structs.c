/* Structs passed and returned by value, arrays of structs, memcpy/memmove/memset/memcmp, strings,
 * byte and halfword fields (LDRB/LDRH/LDRSB/LDRSH and their stores), snprintf into a buffer. */
#include "../rt/rt.h"

struct point { int16_t x, y; };
struct rec {
    char name[12];
    uint8_t tag;
    int8_t delta;
    uint16_t count;
    int32_t value;
    struct point where;
    uint64_t big;
};

static struct rec make(const char *name, int i) {
    struct rec r;
    memset(&r, 0, sizeof r);
    strcpy(r.name, name);
    r.tag = (uint8_t)(i * 37);
    r.delta = (int8_t)(i * -19);
    r.count = (uint16_t)(i * 5003);
    r.value = i * -100003;
    r.where.x = (int16_t)(i * 1111);
    r.where.y = (int16_t)(-i * 2222);
    r.big = (uint64_t)i * 0x0123456789abcdefull;
    return r;
}

static struct point add(struct point a, struct point b) {
    struct point p = {(int16_t)(a.x + b.x), (int16_t)(a.y + b.y)};
    return p;
}

static void print_rec(const struct rec *r) {
    rt_printf("%-10s tag=%3u delta=%4d count=%5u value=%9d at=(%d,%d) big=%llx\n", r->name, r->tag, r->delta,
              r->count, r->value, r->where.x, r->where.y, (unsigned long long)r->big);
}

static volatile int nrecs = 9;

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    static const char *names[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"};
    struct rec recs[9];
    for (int i = 0; i < nrecs; i++) recs[i] = make(names[i], i + 1);
    struct rec copy[9];
    memcpy(copy, recs, sizeof recs);
    memmove(&copy[1], &copy[0], 5 * sizeof copy[0]);   /* overlapping, forward */
    memmove(&copy[2], &copy[3], 4 * sizeof copy[0]);   /* overlapping, backward */
    for (int i = 0; i < nrecs; i++) print_rec(&copy[i]);
    struct point p = {0, 0};
    for (int i = 0; i < nrecs; i++) p = add(p, recs[i].where);
    rt_printf("sum=(%d,%d) cmp=%d,%d\n", p.x, p.y, memcmp(&recs[0], &copy[0], sizeof recs[0]),
              memcmp(&recs[2], &copy[2], sizeof recs[0]) > 0);
    char buf[64];
    int n = rt_snprintf(buf, sizeof buf, "[%s|%5d|%-5x|%05u|%c]", names[3], -42, 0xbeef, 17u, 'Z');
    rt_printf("%s len=%d strlen=%u\n", buf, n, (unsigned)strlen(buf));
    n = rt_snprintf(buf, 8, "%s", "truncated output");
    rt_printf("%s n=%d cmp=%d\n", buf, n, strcmp(buf, "truncat"));
    char rev[32];
    size_t len = strlen(names[5]);
    for (size_t i = 0; i < len; i++) rev[i] = names[5][len - 1 - i];
    rev[len] = 0;
    rt_printf("rev=%s\n", rev);
    uint8_t bytes[37];
    memset(bytes, 0xa5, sizeof bytes);
    memset(bytes + 3, 0, 11);
    unsigned s = 0;
    for (unsigned i = 0; i < sizeof bytes; i++) s = s * 31 + bytes[i];
    rt_printf("bytes sum=%u\n", s);
    return (int)(s % 50);
}

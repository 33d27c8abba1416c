/* argc/argv from the initial stack as Linux lays it out; exit status computed from the arguments. */
#include "../rt/rt.h"

static int parse_int(const char *s) {
    int sign = 1, v = 0;
    if (*s == '-') { sign = -1; s++; }
    while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
    return sign * v;
}

int main(int argc, char **argv) {
    int sum = 0;
    rt_printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) {
        int v = parse_int(argv[i]);
        rt_printf("argv[%d]=\"%s\" len=%u value=%d\n", i, argv[i], (unsigned)strlen(argv[i]), v);
        sum += v;
    }
    rt_printf("sum=%d\n", sum);
    return sum & 0xff;
}

/* The reference for xenstored's round-trip benchmark: the same transports with no work behind them.
 * `xs_echo unix PATH` echoes each xs_wire message (16-byte header + len bytes) back on a Unix stream socket;
 * `xs_echo zmq ENDPOINT` echoes each frame back on a ZeroMQ ROUTER. Built by the benchmark with the host clang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

static int read_all(int fd, char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

static int unix_echo(const char *path) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    unlink(path);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 8)) { perror("bind"); return 1; }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        char buf[16 + 4096];
        for (;;) {
            if (read_all(c, buf, 16)) break;
            uint32_t len;
            memcpy(&len, buf + 12, 4);
            if (len > 4096 || read_all(c, buf + 16, len)) break;
            if (write(c, buf, 16 + len) != (ssize_t)(16 + len)) break;
        }
        close(c);
    }
}

static int zmq_echo(const char *endpoint) {
    void *ctx = zmq_ctx_new();
    void *r = zmq_socket(ctx, ZMQ_ROUTER);
    if (zmq_bind(r, endpoint)) { perror("zmq_bind"); return 1; }
    for (;;) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        zmq_msg_recv(&id, r, 0);
        zmq_msg_recv(&body, r, 0);
        zmq_msg_send(&id, r, ZMQ_SNDMORE);
        zmq_msg_send(&body, r, 0);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: xs_echo unix PATH | zmq ENDPOINT\n"); return 2; }
    return strcmp(argv[1], "unix") == 0 ? unix_echo(argv[2]) : zmq_echo(argv[2]);
}

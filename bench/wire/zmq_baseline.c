/*
 * Raw libzmq reference for `xenarm bench wire` (docs/benchmarks.md, "Wire").
 *
 * Runs exactly the pattern the Swift side runs, in one process with two threads:
 *   roundtrip:  a DEALER sends SIZE bytes, a ROUTER echoes them back; COUNT times.
 *   throughput: a DEALER sends COUNT messages of SIZE bytes, the ROUTER receives them all, then acks once.
 * Receives go into zmq_msg_t, sends come from an application buffer (zmq_send), as in the Swift layer.
 * 200 untimed round trips first warm up the connection.
 *
 * usage:  zmq_baseline roundtrip|throughput ipc|tcp SIZE COUNT
 * prints: the timed part's elapsed time and the process's CPU time (user + system, all threads) during it,
 *         both in nanoseconds: "ELAPSED CPU".
 * build:  cc -O2 -pthread -o zmq_baseline zmq_baseline.c -lzmq
 */
#include <zmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 200

struct job {
    void *router;
    int throughput;
    size_t size;
    long count;
};

static void die(const char *what) {
    fprintf(stderr, "zmq_baseline: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static long long cpu_ns(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (long long)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL
         + (long long)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Receives [identity, data] into two messages; returns the data size. */
static size_t recv_pair(void *s, zmq_msg_t *id, zmq_msg_t *data) {
    if (zmq_msg_recv(id, s, 0) < 0) die("recv identity");
    if (zmq_msg_recv(data, s, 0) < 0) die("recv data");
    return zmq_msg_size(data);
}

static void *serve(void *arg) {
    struct job *job = arg;
    zmq_msg_t id, data;
    zmq_msg_init(&id);
    zmq_msg_init(&data);
    for (long i = 0; i < WARMUP; i++) {
        recv_pair(job->router, &id, &data);
        if (zmq_send(job->router, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE) < 0) die("send id");
        if (zmq_send(job->router, zmq_msg_data(&data), zmq_msg_size(&data), 0) < 0) die("send data");
    }
    for (long i = 0; i < job->count; i++) {
        recv_pair(job->router, &id, &data);
        if (!job->throughput) {
            if (zmq_send(job->router, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE) < 0) die("send id");
            if (zmq_send(job->router, zmq_msg_data(&data), zmq_msg_size(&data), 0) < 0) die("send data");
        }
    }
    if (job->throughput) {
        if (zmq_send(job->router, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE) < 0) die("send id");
        if (zmq_send(job->router, "k", 1, 0) < 0) die("send ack");
    }
    zmq_msg_close(&id);
    zmq_msg_close(&data);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: zmq_baseline roundtrip|throughput ipc|tcp SIZE COUNT\n");
        return 2;
    }
    struct job job = {0};
    job.throughput = strcmp(argv[1], "throughput") == 0;
    job.size = (size_t)atol(argv[3]);
    job.count = atol(argv[4]);

    char endpoint[256];
    if (strcmp(argv[2], "ipc") == 0)
        snprintf(endpoint, sizeof endpoint, "ipc:///tmp/xenarm-bench-c-%d.sock", (int)getpid());
    else
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:*");

    void *ctx = zmq_ctx_new();
    job.router = zmq_socket(ctx, ZMQ_ROUTER);
    if (zmq_bind(job.router, endpoint) != 0) die("bind");
    size_t len = sizeof endpoint;
    if (zmq_getsockopt(job.router, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0) die("last endpoint");

    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    if (zmq_connect(dealer, endpoint) != 0) die("connect");

    pthread_t server;
    pthread_create(&server, NULL, serve, &job);

    char *buffer = calloc(1, job.size ? job.size : 1);
    zmq_msg_t reply;
    zmq_msg_init(&reply);
    for (long i = 0; i < WARMUP; i++) {
        if (zmq_send(dealer, buffer, job.size, 0) < 0) die("send");
        if (zmq_msg_recv(&reply, dealer, 0) < 0) die("recv");
    }

    long long cpu_start = cpu_ns();
    long long start = now_ns();
    for (long i = 0; i < job.count; i++) {
        if (zmq_send(dealer, buffer, job.size, 0) < 0) die("send");
        if (!job.throughput && zmq_msg_recv(&reply, dealer, 0) < 0) die("recv");
    }
    if (job.throughput && zmq_msg_recv(&reply, dealer, 0) < 0) die("recv ack");
    long long elapsed = now_ns() - start;
    long long cpu = cpu_ns() - cpu_start;

    pthread_join(server, NULL);
    printf("%lld %lld\n", elapsed, cpu);

    zmq_msg_close(&reply);
    free(buffer);
    int zero = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(job.router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(dealer);
    zmq_close(job.router);
    zmq_ctx_term(ctx);
    if (strncmp(endpoint, "ipc://", 6) == 0) unlink(endpoint + 6);
    return 0;
}

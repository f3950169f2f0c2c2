/* A small epoll load client for echo servers, the yardstick for `netcourse load`.

   echo_client HOST PORT CLIENTS SIZE SECONDS

   Each of CLIENTS connections sends SIZE bytes, waits until they have come back
   whole, and sends again, for SECONDS. It prints one line of JSON: the round trips
   completed within the window, the window, and the round trips per second. Built
   by benchmarks/load_generator.py when a C compiler is present (Linux only). */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct client {
    int fd;
    size_t sent, received;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT CLIENTS SIZE SECONDS\n", argv[0]);
        return 2;
    }
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", argv[1]);
        return 2;
    }
    int count = atoi(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    double seconds = atof(argv[5]);
    char *message = calloc(size, 1), buffer[65536];
    struct client *clients = calloc(count, sizeof *clients);
    int poll = epoll_create1(0);
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
            perror("connect");
            return 1;
        }
        clients[i].fd = fd;
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = &clients[i]};
        epoll_ctl(poll, EPOLL_CTL_ADD, fd, &event);
    }
    long trips = 0;
    double start = now(), until = start + seconds;
    for (int i = 0; i < count; i++) {
        clients[i].sent = (size_t)send(clients[i].fd, message, size, 0);
    }
    struct epoll_event ready[256];
    while (now() < until) {
        int left_ms = (int)((until - now()) * 1000) + 1;
        int n = epoll_wait(poll, ready, 256, left_ms < 50 ? left_ms : 50);
        for (int k = 0; k < n; k++) {
            struct client *c = ready[k].data.ptr;
            ssize_t got = recv(c->fd, buffer, sizeof buffer, 0);
            if (got <= 0) {
                if (got < 0 && errno == EAGAIN) continue;
                fprintf(stderr, "the server closed a connection\n");
                return 1;
            }
            c->received += (size_t)got;
            while (c->sent < size) {  /* a message larger than the send buffer */
                ssize_t more = send(c->fd, message + c->sent, size - c->sent, 0);
                if (more <= 0) break;
                c->sent += (size_t)more;
            }
            if (c->received >= size && now() <= until) {
                trips++;
                c->received = 0;
                c->sent = (size_t)send(c->fd, message, size, 0);
            }
        }
    }
    printf("{\"messages\": %ld, \"seconds\": %.3f, \"throughput\": %.1f}\n", trips, seconds,
           trips / seconds);
    return 0;
}

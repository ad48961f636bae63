/* bench_watch_send: a paced syslog sender for bench/bench_watch.sh.
 *
 *   bench_watch_send tcp|udp|tls HOST PORT RATE SECONDS FILE [--octet]
 *
 * Sends the lines of FILE (cycled; each line one message) to HOST:PORT at
 * RATE messages a second for SECONDS, in 1 ms slices so that the rate is
 * even, over one TCP connection (LF framing, or RFC 6587 octet counting
 * with --octet) or as UDP datagrams. Prints on stdout one JSON line: the
 * messages sent, the seconds it took, and the achieved rate (TCP back-
 * pressure from a receiver that cannot keep up shows as a lower rate, not
 * as loss). tls: the same over TLS (RFC 5425; the server's certificate is
 * not checked: a loopback benchmark of the receiver's cost, not a client).
 * A loopback benchmark tool: no name resolution, IPv4 or IPv6 literals
 * only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static SSL *g_tls;

static int send_all(int fd, const char *p, size_t n) {
  if (g_tls) {
    size_t done;
    return SSL_write_ex(g_tls, p, n, &done) == 1 && done == n ? 0 : -1;
  }
  while (n) {
    ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: bench_watch_send tcp|udp|tls HOST PORT RATE SECONDS FILE [--octet]\n");
    return 2;
  }
  int udp = !strcmp(argv[1], "udp");
  int octet = argc > 7 && !strcmp(argv[7], "--octet");
  long rate = atol(argv[4]);
  double secs = atof(argv[5]);
  FILE *f = fopen(argv[6], "rb");
  if (!f || rate <= 0 || secs <= 0) return 2;
  size_t cap = 0, nl = 0;
  char **lines = NULL;
  size_t *lens = NULL;
  char *l = NULL;
  size_t lcap = 0;
  ssize_t got;
  while ((got = getline(&l, &lcap, f)) > 0) {
    while (got && (l[got - 1] == '\n' || l[got - 1] == '\r')) got--;
    if (!got) continue;
    if (nl == cap) {
      cap = cap ? cap * 2 : 4096;
      lines = realloc(lines, cap * sizeof *lines);
      lens = realloc(lens, cap * sizeof *lens);
      if (!lines || !lens) return 1;
    }
    lines[nl] = malloc((size_t)got + 24);
    if (!lines[nl]) return 1;
    /* the frame, ready to send */
    int h = octet && !udp ? snprintf(lines[nl], 24, "%zd ", got) : 0;
    memcpy(lines[nl] + h, l, (size_t)got);
    lens[nl] = (size_t)h + (size_t)got;
    if (!udp && !octet) lines[nl][lens[nl]++] = '\n';
    nl++;
  }
  free(l);
  fclose(f);
  if (!nl) return 2;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl;
  struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, argv[2], &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)atoi(argv[3]));
    sl = sizeof *s4;
  } else if (inet_pton(AF_INET6, argv[2], &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)atoi(argv[3]));
    sl = sizeof *s6;
  } else {
    return 2;
  }
  int fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
    perror("connect");
    return 1;
  }
  SSL_CTX *tctx = NULL;
  if (!strcmp(argv[1], "tls")) {
    tctx = SSL_CTX_new(TLS_client_method());
    if (!tctx || !(g_tls = SSL_new(tctx)) || SSL_set_fd(g_tls, fd) != 1 ||
        SSL_connect(g_tls) != 1) {
      fprintf(stderr, "bench_watch_send: TLS handshake failed\n");
      return 1;
    }
  }
  uint64_t total = (uint64_t)((double)rate * secs), sent = 0, send_err = 0;
  size_t i = 0;
  char *batch = malloc(1 << 20);
  if (!batch) return 1;
  double t0 = now_s();
  while (sent < total) {
    /* how many should be out by now */
    double el = now_s() - t0;
    uint64_t due = (uint64_t)(el * (double)rate) + 1;
    if (due > total) due = total;
    if (due <= sent) {
      struct timespec ts = {0, 200000};
      nanosleep(&ts, NULL);
      continue;
    }
    if (udp) {
      for (; sent < due; sent++, i = (i + 1) % nl)
        if (send(fd, lines[i], lens[i], 0) < 0) send_err++;
    } else {
      size_t bn = 0;
      for (; sent < due && bn + lens[i] <= (1u << 20); sent++, i = (i + 1) % nl) {
        memcpy(batch + bn, lines[i], lens[i]);
        bn += lens[i];
      }
      if (send_all(fd, batch, bn)) {
        perror("send");
        break;
      }
    }
  }
  double el = now_s() - t0;
  if (g_tls) {
    SSL_shutdown(g_tls);
    SSL_free(g_tls);
    SSL_CTX_free(tctx);
  }
  /* an orderly end: FIN, then what the receiver still sends is read until
   * its end, so that the close is never a reset (which would discard what
   * the receiver's kernel holds unread) */
  if (!udp) {
    shutdown(fd, SHUT_WR);
    char sink[4096];
    while (read(fd, sink, sizeof sink) > 0) {
    }
  }
  close(fd);
  printf("{\"sent\":%llu,\"send_errors\":%llu,\"seconds\":%.3f,\"rate\":%.0f}\n",
         (unsigned long long)sent, (unsigned long long)send_err, el, (double)sent / el);
  for (size_t k = 0; k < nl; k++) free(lines[k]);
  free(lines);
  free(lens);
  free(batch);
  return 0;
}

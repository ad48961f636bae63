/* Syslog over TLS (RFC 5425) for `ashiato watch`: OpenSSL's server side
 * on the network thread's non-blocking sockets.
 *
 * What RFC 5425 asks and how it is met here:
 * - TLS carries the same octet-counted frames as RFC 6587 ("MSG-LEN SP
 *   SYSLOG-MSG", section 4.3); the framer of plain TCP reads them, and LF
 *   framing, which some senders use over TLS too, is told apart per frame
 *   as on TCP.
 * - the server authenticates with a certificate (--tls-cert, --tls-key);
 *   the client is authenticated by certificate when a CA is given
 *   (--tls-ca: a client without a certificate that chains to it is
 *   refused), which is the RFC's certificate-based authorisation of
 *   senders. Without --tls-ca any client may send, as on plain TCP.
 * - TLS 1.2 at least: RFC 9662 updated RFC 5425 to require 1.2 and forbid
 *   the older versions, and OpenSSL 3's defaults leave out weak ciphers.
 * A connection whose handshake fails sent no message: it is counted
 * (tls_failed), not stored. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "watch_int.h"

struct ash_wtls {
  SSL_CTX *ctx;
};

static void last_error(const char *what, const char *file, char *err, size_t errn) {
  unsigned long e = ERR_get_error();
  char why[160] = "";
  if (e) ERR_error_string_n(e, why, sizeof why);
  ERR_clear_error();
  if (err && errn) snprintf(err, errn, "%s %s: %s", what, file, why[0] ? why : "failed");
}

int ash_wtls_open(ash_wtls **out, const char *cert, const char *key, const char *ca, char *err,
                  size_t errn) {
  if (!cert || !cert[0]) return ASH_EUSAGE;
  ash_wtls *t = calloc(1, sizeof *t);
  if (!t) return ASH_ENOMEM;
  int rc = ASH_OK;
  t->ctx = SSL_CTX_new(TLS_server_method());
  if (!t->ctx) rc = ASH_ENOMEM;
  if (!rc && !SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION)) rc = ASH_EUSAGE;
  /* a certificate file may hold the chain; the key may be in the same
   * file (one PEM with both, as many syslog servers take it) */
  if (!rc && SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
    last_error("cannot read the certificate", cert, err, errn);
    rc = ASH_EUSAGE;
  }
  const char *k = key && key[0] ? key : cert;
  if (!rc && SSL_CTX_use_PrivateKey_file(t->ctx, k, SSL_FILETYPE_PEM) != 1) {
    /* OpenSSL checks the pair as it loads the key */
    int mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    last_error(mismatch ? "the private key does not match the certificate:"
                        : "cannot read the private key",
               k, err, errn);
    rc = ASH_EUSAGE;
  }
  if (!rc && SSL_CTX_check_private_key(t->ctx) != 1) {
    last_error("the private key does not match the certificate:", k, err, errn);
    rc = ASH_EUSAGE;
  }
  if (!rc && ca && ca[0]) {
    if (SSL_CTX_load_verify_locations(t->ctx, ca, NULL) != 1) {
      last_error("cannot read the CA certificates", ca, err, errn);
      rc = ASH_EUSAGE;
    } else {
      SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
  }
  /* no session resumption (a sender holds one connection for days), and
   * so no TLS 1.3 session tickets either: the server then writes nothing
   * after its handshake. That matters: a sender that never reads (most
   * only send) and closes with a ticket unread in its socket makes its
   * kernel answer with a reset, and a reset discards what the server's
   * kernel had received and we had not read yet, the sender's last
   * messages (seen in bench_watch.sh: 54 of 3,000,000 lost) */
  if (!rc) {
    SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(t->ctx, 0);
  }
  if (rc) {
    ash_wtls_close(t);
    return rc;
  }
  *out = t;
  return ASH_OK;
}

void ash_wtls_close(ash_wtls *t) {
  if (!t) return;
  SSL_CTX_free(t->ctx);
  free(t);
}

void *ash_wtls_accept(ash_wtls *t, int fd) {
  SSL *s = SSL_new(t->ctx);
  if (!s) return NULL;
  if (SSL_set_fd(s, fd) != 1) {
    SSL_free(s);
    return NULL;
  }
  SSL_set_accept_state(s);
  return s;
}

long ash_wtls_read(void *conn, uint8_t *buf, size_t n, int *want_write) {
  SSL *s = conn;
  *want_write = 0;
  ERR_clear_error();
  /* asked before the read: after a fatal error OpenSSL no longer says the
   * handshake had finished */
  int up = SSL_is_init_finished(s);
  int r = SSL_read(s, buf, n > (1u << 30) ? (1 << 30) : (int)n);
  if (r > 0) return r;
  switch (SSL_get_error(s, r)) {
  case SSL_ERROR_WANT_READ: errno = EAGAIN; return -1;
  case SSL_ERROR_WANT_WRITE: /* the handshake's or a key update's reply */
    *want_write = 1;
    errno = EAGAIN;
    return -1;
  case SSL_ERROR_ZERO_RETURN: /* close_notify: the sender's orderly end */ return 0;
  default:
    ERR_clear_error();
    /* a handshake that failed (no TLS, a bad client certificate), or a
     * stream cut without close_notify (a sender that just closes; what it
     * sent before was read): the connection ends */
    return up ? 0 : ASH_WTLS_HANDSHAKE_FAILED;
  }
}

int ash_wtls_pending(void *conn) { return SSL_pending(conn) > 0; }

void ash_wtls_free(void *conn) {
  SSL *s = conn;
  if (!s) return;
  /* one close_notify, without waiting for the peer's: the socket is
   * non-blocking and closed next */
  if (SSL_is_init_finished(s)) SSL_shutdown(s);
  ERR_clear_error();
  SSL_free(s);
}

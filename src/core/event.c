#include "ashiato/event.h"

#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"

void ash_event_init(ash_event *ev) {
  memset(ev, 0, sizeof *ev);
  ev->ts = ASH_TIME_UNSET;
  ev->kind = ASH_KIND_LOG;
  ev->src_port = ev->dst_port = -1;
  ev->bytes_out = ev->bytes_in = ASH_UNSET;
  ev->packets_out = ev->packets_in = ASH_UNSET;
  ev->duration_us = ASH_UNSET;
  ev->bytes_total = ASH_UNSET;
  ev->logon_type = ev->event_id = ASH_UNSET;
}

typedef struct jw {
  ash_buf *b;
  int rc;
} jw;

static void jkey(jw *w, const char *k) {
  if (w->rc) return;
  w->rc = ash_buf_addc(w->b, ',');
  if (!w->rc) w->rc = ash_buf_addc(w->b, '"');
  if (!w->rc) w->rc = ash_buf_adds(w->b, k);
  if (!w->rc) w->rc = ash_buf_add(w->b, "\":", 2);
}

static void jstr(jw *w, const char *k, ash_str v) {
  if (!v.n || w->rc) return;
  jkey(w, k);
  if (!w->rc) w->rc = ash_buf_addc(w->b, '"');
  if (!w->rc) w->rc = ash_buf_add_json_str(w->b, v.p, v.n);
  if (!w->rc) w->rc = ash_buf_addc(w->b, '"');
}

static void jint(jw *w, const char *k, int64_t v) {
  if (v == ASH_UNSET || w->rc) return;
  jkey(w, k);
  if (!w->rc) w->rc = ash_buf_printf(w->b, "%lld", (long long)v);
}

static void jip(jw *w, const char *k, const ash_ip *ip) {
  if (!ip->fam || w->rc) return;
  char t[ASH_IP_STRLEN];
  ash_ip_format(ip, t);
  jstr(w, k, ash_str_cstr(t));
}

static int attrs_json_slow(const ash_event *ev, ash_buf *out) {
  int rc = ash_buf_addc(out, '{');
  for (size_t i = 0; !rc && i < ev->nattrs; i++) {
    if (i) rc = ash_buf_addc(out, ',');
    if (!rc) rc = ash_buf_addc(out, '"');
    if (!rc) rc = ash_buf_add_json_str(out, ev->attrs[i].k.p, ev->attrs[i].k.n);
    if (!rc) rc = ash_buf_add(out, "\":\"", 3);
    if (!rc) rc = ash_buf_add_json_str(out, ev->attrs[i].v.p, ev->attrs[i].v.n);
    if (!rc) rc = ash_buf_addc(out, '"');
  }
  if (!rc) rc = ash_buf_addc(out, '}');
  return rc;
}

int ash_event_attrs_json(const ash_event *ev, ash_buf *out) {
  ash_buf_reset(out);
  /* one reservation for the worst case (every byte escaped to 6), then
   * plain stores: this runs once per event on the ingest hot path */
  size_t bound = 2;
  for (size_t i = 0; i < ev->nattrs && bound <= ASH_JSON_ESCAPE_MAX; i++)
    bound += 6 * (ev->attrs[i].k.n + ev->attrs[i].v.n) + 6;
  if (bound > ASH_JSON_ESCAPE_MAX || ash_buf_reserve(out, bound) != ASH_OK)
    return attrs_json_slow(ev, out); /* near the cap: fails exactly there */
  char *o = out->p;
  *o++ = '{';
  for (size_t i = 0; i < ev->nattrs; i++) {
    if (i) *o++ = ',';
    *o++ = '"';
    o += ash_json_escape_short(o, ev->attrs[i].k.p, ev->attrs[i].k.n);
    memcpy(o, "\":\"", 3);
    o += 3;
    o += ash_json_escape_short(o, ev->attrs[i].v.p, ev->attrs[i].v.n);
    *o++ = '"';
  }
  *o++ = '}';
  out->n = (size_t)(o - out->p);
  *o = 0;
  return ASH_OK;
}

int ash_event_suspicious(const ash_event *ev, const char *attrs_json) {
  static const char key[] = ASH_ATTR_SUSPICIOUS;
  if (attrs_json) {
    /* as a key only: inside a value every '"' is escaped, so the quote
     * right after the name cannot be there */
    return strstr(attrs_json, "\"" ASH_ATTR_SUSPICIOUS "\":") != NULL;
  }
  for (size_t i = 0; i < ev->nattrs; i++)
    if (ev->attrs[i].k.n == sizeof key - 1 && !memcmp(ev->attrs[i].k.p, key, sizeof key - 1))
      return 1;
  return 0;
}

int ash_event_to_json(const ash_event *ev, const char *source_path, int ref_is_record,
                      const char *attrs_json, ash_buf *out) {
  jw w = {out, 0};
  char ts[32] = "";
  if (ev->ts != ASH_TIME_UNSET) ash_time_format(ev->ts, ts);
  w.rc = ash_buf_add(out, "{\"ts\":", 6);
  if (!w.rc) {
    if (ts[0])
      w.rc = ash_buf_printf(out, "\"%s\"", ts);
    else
      w.rc = ash_buf_adds(out, "null");
  }
  jstr(&w, "kind", ash_str_cstr(ev->kind));
  jstr(&w, "host", ev->host);
  jstr(&w, "user", ev->user);
  jstr(&w, "domain", ev->domain);
  jip(&w, "src_ip", &ev->src_ip);
  if (ev->src_port >= 0) jint(&w, "src_port", ev->src_port);
  jip(&w, "dst_ip", &ev->dst_ip);
  if (ev->dst_port >= 0) jint(&w, "dst_port", ev->dst_port);
  jip(&w, "tunnel_ip", &ev->tunnel_ip);
  jstr(&w, "proto", ev->proto);
  jstr(&w, "action", ev->action);
  jstr(&w, "app", ev->app);
  jstr(&w, "service", ev->service);
  jint(&w, "bytes_out", ev->bytes_out);
  jint(&w, "bytes_in", ev->bytes_in);
  jint(&w, "packets_out", ev->packets_out);
  jint(&w, "packets_in", ev->packets_in);
  if (ev->duration_us != ASH_UNSET && !w.rc) {
    jkey(&w, "duration");
    int64_t d = ev->duration_us;
    if (!w.rc) {
      if (d % ASH_US_PER_SEC == 0)
        w.rc = ash_buf_printf(out, "%lld", (long long)(d / ASH_US_PER_SEC));
      else
        w.rc = ash_buf_printf(out, "%.6f", (double)d / 1e6);
    }
  }
  jint(&w, "logon_type", ev->logon_type);
  jstr(&w, "process", ev->process);
  jstr(&w, "parent_process", ev->parent_process);
  jstr(&w, "command_line", ev->command_line);
  jstr(&w, "threat", ev->threat);
  jstr(&w, "path", ev->path);
  jstr(&w, "sha256", ev->sha256);
  jint(&w, "event_id", ev->event_id);
  jstr(&w, "channel", ev->channel);
  if (!w.rc && ash_event_suspicious(ev, attrs_json)) {
    jkey(&w, "suspicious_bytes");
    if (!w.rc) w.rc = ash_buf_adds(out, "true");
  }
  if (!w.rc && (attrs_json || ev->nattrs)) {
    jkey(&w, "attrs");
    if (attrs_json) {
      if (!w.rc) w.rc = ash_buf_adds(out, attrs_json);
    } else {
      ash_buf tmp;
      ash_buf_init(&tmp, ASH_MAX_ATTRS_JSON);
      if (!w.rc) w.rc = ash_event_attrs_json(ev, &tmp);
      if (!w.rc) w.rc = ash_buf_add(out, tmp.p, tmp.n);
      ash_buf_free(&tmp);
    }
  }
  if (source_path && !w.rc) {
    jkey(&w, "source");
    if (!w.rc) w.rc = ash_buf_add(out, "{\"path\":\"", 9);
    if (!w.rc) w.rc = ash_buf_add_json_str(out, source_path, strlen(source_path));
    if (!w.rc)
      w.rc = ash_buf_printf(out, "\",\"%s\":%llu}", ref_is_record ? "record" : "offset",
                            (unsigned long long)ev->ref);
  }
  if (!w.rc) w.rc = ash_buf_addc(out, '}');
  return w.rc;
}

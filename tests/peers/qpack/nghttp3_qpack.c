/*
 * nghttp3's QPACK encoder/decoder speaking the QPACK Offline Interop formats
 * (see host/qpack/interop.ts), so tests and benchmarks can run the same files
 * through nghttp3 and h3-wasi.
 *
 *   nghttp3_qpack encode <in.qif> <out.enc> <table-size> <max-blocked> <immediate-ack 0|1>
 *   nghttp3_qpack decode <in.enc> <out.qif> <table-size> <max-blocked>
 *   nghttp3_qpack bench  <in.qif> <table-size> <max-blocked> <iterations>
 *
 * bench encodes the QIF corpus `iterations` times (a fresh encoder each time,
 * every section acknowledged right after it is emitted) and decodes the result
 * as many times, timing each phase inside the process, and prints one JSON line.
 * Built by tests/helpers/peers.ts into build/.cache/ (gcc + pkg-config libnghttp3).
 */
#include <nghttp3/nghttp3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *msg) {
  fprintf(stderr, "nghttp3_qpack: %s\n", msg);
  exit(1);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open input");
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    size_t r = fread(buf + n, 1, cap - n, f);
    if (r == 0) break;
    n += r;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* ---- QIF ---- */

typedef struct { nghttp3_nv *nva; size_t n, cap; } section_t;
typedef struct { section_t *s; size_t n, cap; size_t fields, raw; } qif_t;

static void qif_parse(uint8_t *text, size_t len, qif_t *q) {
  memset(q, 0, sizeof(*q));
  section_t cur = {0};
  size_t i = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && text[j] != '\n') j++;
    size_t e = j;
    if (e > i && text[e - 1] == '\r') e--;
    if (e == i) {
      if (cur.n) {
        if (q->n == q->cap) q->s = realloc(q->s, (q->cap = q->cap ? q->cap * 2 : 64) * sizeof(section_t));
        q->s[q->n++] = cur;
        memset(&cur, 0, sizeof(cur));
      }
    } else if (text[i] != '#') {
      uint8_t *tab = memchr(text + i, '\t', e - i);
      if (!tab) die("QIF line without TAB");
      if (cur.n == cur.cap) cur.nva = realloc(cur.nva, (cur.cap = cur.cap ? cur.cap * 2 : 16) * sizeof(nghttp3_nv));
      nghttp3_nv *nv = &cur.nva[cur.n++];
      nv->name = text + i;
      nv->namelen = (size_t)(tab - (text + i));
      nv->value = tab + 1;
      nv->valuelen = (size_t)(text + e - (tab + 1));
      nv->flags = NGHTTP3_NV_FLAG_NONE;
      q->fields++;
      q->raw += nv->namelen + nv->valuelen;
    }
    i = j + 1;
  }
  if (cur.n) {
    if (q->n == q->cap) q->s = realloc(q->s, (q->cap = q->cap ? q->cap * 2 : 64) * sizeof(section_t));
    q->s[q->n++] = cur;
  }
}

/* ---- growable output ---- */

typedef struct { uint8_t *p; size_t n, cap; } out_t;

static void out_put(out_t *o, const void *src, size_t n) {
  if (o->n + n > o->cap) {
    while (o->n + n > o->cap) o->cap = o->cap ? o->cap * 2 : 4096;
    o->p = realloc(o->p, o->cap);
  }
  memcpy(o->p + o->n, src, n);
  o->n += n;
}

static void out_record_head(out_t *o, uint64_t id, uint32_t len) {
  uint8_t h[12];
  for (int k = 0; k < 8; k++) h[k] = (uint8_t)(id >> (56 - 8 * k));
  for (int k = 0; k < 4; k++) h[8 + k] = (uint8_t)(len >> (24 - 8 * k));
  out_put(o, h, 12);
}

/* ---- encode ---- */

static size_t encode_all(const qif_t *q, size_t table, size_t blocked, int ack, out_t *o) {
  const nghttp3_mem *mem = nghttp3_mem_default();
  nghttp3_qpack_encoder *enc;
  if (nghttp3_qpack_encoder_new(&enc, table, mem) != 0) die("encoder_new");
  nghttp3_qpack_encoder_set_max_dtable_capacity(enc, table);
  nghttp3_qpack_encoder_set_max_blocked_streams(enc, blocked);
  nghttp3_buf pbuf, rbuf, ebuf;
  nghttp3_buf_init(&pbuf);
  nghttp3_buf_init(&rbuf);
  nghttp3_buf_init(&ebuf);
  size_t total = 0;
  for (size_t i = 0; i < q->n; i++) {
    pbuf.pos = pbuf.last = pbuf.begin;
    rbuf.pos = rbuf.last = rbuf.begin;
    ebuf.pos = ebuf.last = ebuf.begin;
    if (nghttp3_qpack_encoder_encode(enc, &pbuf, &rbuf, &ebuf, (int64_t)(i + 1), q->s[i].nva, q->s[i].n) != 0) die("encode");
    size_t el = nghttp3_buf_len(&ebuf), pl = nghttp3_buf_len(&pbuf), rl = nghttp3_buf_len(&rbuf);
    total += el + pl + rl;
    if (o) {
      if (el) { out_record_head(o, 0, (uint32_t)el); out_put(o, ebuf.pos, el); }
      out_record_head(o, i + 1, (uint32_t)(pl + rl));
      out_put(o, pbuf.pos, pl);
      out_put(o, rbuf.pos, rl);
    }
    if (ack) nghttp3_qpack_encoder_ack_everything(enc);
  }
  nghttp3_buf_free(&pbuf, mem);
  nghttp3_buf_free(&rbuf, mem);
  nghttp3_buf_free(&ebuf, mem);
  nghttp3_qpack_encoder_del(enc);
  return total;
}

/* ---- decode ---- */

typedef struct {
  uint64_t id;
  nghttp3_qpack_stream_context *sctx;
  const uint8_t *p;
  size_t left;
  out_t fields; /* name\tvalue\n lines */
  int done;
} stream_t;

/* Runs one section as far as it goes; 1 when finished, 0 when blocked. */
static int run_section(nghttp3_qpack_decoder *dec, stream_t *s, int keep) {
  for (;;) {
    nghttp3_qpack_nv nv;
    uint8_t flags = 0;
    nghttp3_ssize n = nghttp3_qpack_decoder_read_request(dec, s->sctx, &nv, &flags, s->p, s->left, 1);
    if (n < 0) { fprintf(stderr, "nghttp3_qpack: stream %llu: %s\n", (unsigned long long)s->id, nghttp3_strerror((int)n)); exit(1); }
    s->p += n;
    s->left -= (size_t)n;
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
      if (keep) {
        nghttp3_vec nm = nghttp3_rcbuf_get_buf(nv.name), vl = nghttp3_rcbuf_get_buf(nv.value);
        out_put(&s->fields, nm.base, nm.len);
        out_put(&s->fields, "\t", 1);
        out_put(&s->fields, vl.base, vl.len);
        out_put(&s->fields, "\n", 1);
      }
      nghttp3_rcbuf_decref(nv.name);
      nghttp3_rcbuf_decref(nv.value);
    }
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL) { s->done = 1; return 1; }
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_BLOCKED) return 0;
    if (n == 0 && !(flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT)) die("decoder made no progress");
  }
}

static stream_t *decode_all(const uint8_t *data, size_t len, size_t table, size_t blocked, size_t *nstreams, int keep) {
  const nghttp3_mem *mem = nghttp3_mem_default();
  nghttp3_qpack_decoder *dec;
  if (nghttp3_qpack_decoder_new(&dec, table, blocked, mem) != 0) die("decoder_new");
  nghttp3_qpack_decoder_set_max_dtable_capacity(dec, table);
  size_t cap = 64, n = 0;
  stream_t *ss = calloc(cap, sizeof(stream_t));
  size_t off = 0;
  nghttp3_buf dbuf;
  uint8_t dscratch[4096];
  while (off < len) {
    if (len - off < 12) die("truncated record header");
    uint64_t id = 0;
    uint32_t l = 0;
    for (int k = 0; k < 8; k++) id = (id << 8) | data[off + k];
    for (int k = 0; k < 4; k++) l = (l << 8) | data[off + 8 + k];
    off += 12;
    if (l > len - off) die("truncated record");
    if (id == 0) {
      nghttp3_ssize r = nghttp3_qpack_decoder_read_encoder(dec, data + off, l);
      if (r < 0) { fprintf(stderr, "nghttp3_qpack: encoder stream: %s\n", nghttp3_strerror((int)r)); exit(1); }
      uint64_t icnt = nghttp3_qpack_decoder_get_icnt(dec);
      for (size_t i = 0; i < n; i++)
        if (!ss[i].done && nghttp3_qpack_stream_context_get_ricnt(ss[i].sctx) <= icnt) run_section(dec, &ss[i], keep);
    } else {
      if (n == cap) { ss = realloc(ss, (cap *= 2) * sizeof(stream_t)); memset(ss + n, 0, (cap - n) * sizeof(stream_t)); }
      stream_t *s = &ss[n++];
      s->id = id;
      s->p = data + off;
      s->left = l;
      if (nghttp3_qpack_stream_context_new(&s->sctx, (int64_t)id, mem) != 0) die("stream_context_new");
      run_section(dec, s, keep);
    }
    off += l;
    /* drain the decoder stream so it does not fill up */
    size_t dl = nghttp3_qpack_decoder_get_decoder_streamlen(dec);
    if (dl) {
      uint8_t *b = dl <= sizeof(dscratch) ? dscratch : malloc(dl);
      dbuf.begin = dbuf.pos = dbuf.last = b;
      dbuf.end = b + dl;
      nghttp3_qpack_decoder_write_decoder(dec, &dbuf);
      if (b != dscratch) free(b);
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!ss[i].done) { fprintf(stderr, "nghttp3_qpack: stream %llu still blocked at end of input\n", (unsigned long long)ss[i].id); exit(1); }
    nghttp3_qpack_stream_context_del(ss[i].sctx);
  }
  nghttp3_qpack_decoder_del(dec);
  *nstreams = n;
  return ss;
}

static int cmp_stream(const void *a, const void *b) {
  uint64_t x = ((const stream_t *)a)->id, y = ((const stream_t *)b)->id;
  return x < y ? -1 : x > y;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc >= 7 && strcmp(argv[1], "encode") == 0) {
    size_t len;
    uint8_t *text = read_file(argv[2], &len);
    qif_t q;
    qif_parse(text, len, &q);
    out_t o = {0};
    encode_all(&q, strtoul(argv[4], 0, 10), strtoul(argv[5], 0, 10), atoi(argv[6]), &o);
    FILE *f = fopen(argv[3], "wb");
    if (!f) die("cannot open output");
    fwrite(o.p, 1, o.n, f);
    fclose(f);
    return 0;
  }
  if (argc >= 6 && strcmp(argv[1], "decode") == 0) {
    size_t len, n;
    uint8_t *data = read_file(argv[2], &len);
    stream_t *ss = decode_all(data, len, strtoul(argv[4], 0, 10), strtoul(argv[5], 0, 10), &n, 1);
    qsort(ss, n, sizeof(stream_t), cmp_stream);
    FILE *f = fopen(argv[3], "wb");
    if (!f) die("cannot open output");
    for (size_t i = 0; i < n; i++) {
      fwrite(ss[i].fields.p, 1, ss[i].fields.n, f);
      fputc('\n', f);
    }
    fclose(f);
    return 0;
  }
  if (argc >= 6 && strcmp(argv[1], "bench") == 0) {
    size_t len;
    uint8_t *text = read_file(argv[2], &len);
    qif_t q;
    qif_parse(text, len, &q);
    size_t table = strtoul(argv[3], 0, 10), blocked = strtoul(argv[4], 0, 10);
    long iters = atol(argv[5]);
    out_t o = {0};
    size_t encoded = encode_all(&q, table, blocked, 1, &o);
    double t0 = now_s();
    for (long i = 0; i < iters; i++) encode_all(&q, table, blocked, 1, NULL);
    double t1 = now_s();
    for (long i = 0; i < iters; i++) {
      size_t n;
      stream_t *ss = decode_all(o.p, o.n, table, blocked, &n, 0);
      free(ss);
    }
    double t2 = now_s();
    printf("{\"iterations\":%ld,\"sections\":%zu,\"fields\":%zu,\"raw_bytes\":%zu,\"encoded_bytes\":%zu,\"encode_s\":%.6f,\"decode_s\":%.6f}\n",
           iters, q.n, q.fields, q.raw, encoded, t1 - t0, t2 - t1);
    return 0;
  }
  fprintf(stderr, "usage: nghttp3_qpack encode <in.qif> <out.enc> <table> <blocked> <ack 0|1>\n"
                  "       nghttp3_qpack decode <in.enc> <out.qif> <table> <blocked>\n"
                  "       nghttp3_qpack bench <in.qif> <table> <blocked> <iterations>\n");
  return 2;
}

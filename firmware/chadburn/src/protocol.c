#include "protocol.h"

#include <stdio.h>
#include <string.h>

/* HELLO takes two tokens after its keyword; one more than that is enough to say "too many". */
#define MAX_TOKENS 4

struct token {
  const char *at;
  size_t len;
};

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) { return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_name_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }
static int is_version_char(char c) { return is_name_char(c) || c == '+'; }

static int all_match(const char *s, size_t len, int (*ok)(char)) {
  size_t i;
  for (i = 0; i < len; i++)
    if (!ok(s[i])) return 0;
  return 1;
}

/* ASCII only and locale-free, unlike strcasecmp (which C99 lacks anyway). */
static int keyword_is(const struct token *t, const char *keyword) {
  size_t i;
  if (t->len != strlen(keyword)) return 0;
  for (i = 0; i < t->len; i++) {
    char c = t->at[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c != keyword[i]) return 0;
  }
  return 1;
}

/* 1-3 digits (tokens are never empty), so always 0-999. */
static int read_number(const struct token *t, unsigned *out) {
  size_t i;
  if (t->len > 3 || !all_match(t->at, t->len, is_digit)) return 0;
  *out = 0;
  for (i = 0; i < t->len; i++) *out = *out * 10 + (unsigned)(t->at[i] - '0');
  return 1;
}

static enum chadburn_kind succeed(struct chadburn_msg *out, enum chadburn_kind kind) {
  out->kind = kind;
  return kind;
}

static enum chadburn_kind fail(struct chadburn_msg *out, enum chadburn_error error) {
  out->error = error;
  return succeed(out, CHADBURN_ERROR);
}

static enum chadburn_kind parse_hello(const struct token *tok, size_t n, struct chadburn_msg *out) {
  const struct token *name = &tok[1], *version = &tok[2];
  if (n != 3 || name->len > CHADBURN_NAME_MAX || version->len > CHADBURN_VERSION_MAX ||
      !all_match(name->at, name->len, is_name_char) ||
      !all_match(version->at, version->len, is_version_char))
    return fail(out, CHADBURN_ERR_BAD_HELLO);
  memcpy(out->name, name->at, name->len);
  memcpy(out->version, version->at, version->len);
  return succeed(out, CHADBURN_HELLO);
}

enum chadburn_kind chadburn_parse_line(const char *line, size_t len, struct chadburn_msg *out) {
  struct token tok[MAX_TOKENS] = {{NULL, 0}}; /* a non-empty line has at least one */
  size_t start = 0, end = len, i, n = 0;

  memset(out, 0, sizeof *out);
  if (len > CHADBURN_MAX_LINE) return fail(out, CHADBURN_ERR_TOO_LONG);
  while (start < end && (is_blank(line[start]) || line[start] == '\r')) start++;
  while (end > start && (is_blank(line[end - 1]) || line[end - 1] == '\r')) end--;
  if (start == end) return succeed(out, CHADBURN_EMPTY);
  for (i = start; i < end; i++) {
    unsigned char c = (unsigned char)line[i];
    if ((c < 0x20 || c > 0x7E) && c != '\t') return fail(out, CHADBURN_ERR_UNKNOWN);
  }

  /* Tokens are counted past MAX_TOKENS but only the first ones are kept. */
  for (i = start; i < end;) {
    size_t from;
    while (i < end && is_blank(line[i])) i++;
    for (from = i; i < end && !is_blank(line[i]); i++) continue;
    if (n < MAX_TOKENS) {
      tok[n].at = line + from;
      tok[n].len = i - from;
    }
    n++;
  }

  if (n == 1 && all_match(tok[0].at, tok[0].len, is_digit)) {
    if (!read_number(&tok[0], &out->position)) return fail(out, CHADBURN_ERR_BAD_NUMBER);
    return succeed(out, CHADBURN_ORDER);
  }
  if (keyword_is(&tok[0], "ORDER") || keyword_is(&tok[0], "ANSWER")) {
    if (n != 2 || !read_number(&tok[1], &out->position)) return fail(out, CHADBURN_ERR_BAD_NUMBER);
    return succeed(out, keyword_is(&tok[0], "ORDER") ? CHADBURN_ORDER : CHADBURN_ANSWER);
  }
  if (keyword_is(&tok[0], "PING") || keyword_is(&tok[0], "PONG")) {
    if (n != 1) return fail(out, CHADBURN_ERR_UNKNOWN);
    return succeed(out, keyword_is(&tok[0], "PING") ? CHADBURN_PING : CHADBURN_PONG);
  }
  if (keyword_is(&tok[0], "HELLO")) return parse_hello(tok, n, out);
  return fail(out, CHADBURN_ERR_UNKNOWN);
}

/* Length of a NUL-terminated field that matches its HELLO pattern, or 0. */
static size_t field_len(const char *s, size_t size, int (*ok)(char)) {
  const char *nul = memchr(s, '\0', size);
  size_t len = nul ? (size_t)(nul - s) : 0;
  return all_match(s, len, ok) ? len : 0;
}

size_t chadburn_format(const struct chadburn_msg *m, char *buf, size_t size) {
  int n;
  switch (m->kind) {
  case CHADBURN_ORDER:
  case CHADBURN_ANSWER:
    if (m->position > CHADBURN_MAX_POSITION) return 0;
    n = snprintf(buf, size, "%s %u\n", m->kind == CHADBURN_ORDER ? "ORDER" : "ANSWER", m->position);
    break;
  case CHADBURN_PING:
  case CHADBURN_PONG:
    n = snprintf(buf, size, "%s\n", m->kind == CHADBURN_PING ? "PING" : "PONG");
    break;
  case CHADBURN_HELLO:
    if (!field_len(m->name, sizeof m->name, is_name_char) ||
        !field_len(m->version, sizeof m->version, is_version_char))
      return 0;
    n = snprintf(buf, size, "HELLO %s %s\n", m->name, m->version);
    break;
  default:
    return 0;
  }
  return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

void chadburn_reader_init(struct chadburn_line_reader *r) { memset(r, 0, sizeof *r); }

enum chadburn_read chadburn_reader_feed(struct chadburn_line_reader *r, unsigned char byte,
                                        const char **line, size_t *len) {
  if (byte == '\n') {
    int dropped = r->discarding;
    *line = r->buf;
    *len = r->len;
    r->len = 0; /* the bytes stay put for the caller until the next feed */
    r->discarding = 0;
    return dropped ? CHADBURN_READ_TOO_LONG : CHADBURN_READ_LINE;
  }
  if (r->discarding) return CHADBURN_READ_NONE;
  if (r->len == CHADBURN_MAX_LINE) {
    r->discarding = 1;
    return CHADBURN_READ_NONE;
  }
  r->buf[r->len++] = (char)byte;
  return CHADBURN_READ_NONE;
}

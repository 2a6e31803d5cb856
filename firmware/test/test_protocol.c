#include "check.h"
#include "protocol.h"

/* One row of protocol-vectors.json; vectors.h is generated from it at build time. */
struct vector {
  const char *line;
  size_t len;
  enum chadburn_kind kind;
  enum chadburn_error error;
  unsigned position;
  const char *name;
  const char *version;
};

#include "vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char case_name[160];

/* Names a case after its vector, with the line's bytes shown safely. */
static const char *vector_case(const char *list, size_t i, const struct vector *v) {
  size_t at = (size_t)snprintf(case_name, sizeof case_name, "%s[%u] \"", list, (unsigned)i);
  size_t j;
  for (j = 0; j < v->len && at + 6 < sizeof case_name; j++) {
    unsigned char c = (unsigned char)v->line[j];
    at += (size_t)snprintf(case_name + at, sizeof case_name - at, c >= 0x20 && c <= 0x7e ? "%c" : "\\x%02x", c);
  }
  snprintf(case_name + at, sizeof case_name - at, "\"");
  return case_name;
}

static void check_parse(const struct vector *v) {
  struct chadburn_msg m;
  CHECK_UINT(chadburn_parse_line(v->line, v->len, &m), v->kind);
  CHECK_UINT(m.kind, v->kind);
  CHECK_UINT(m.error, v->error);
  CHECK_UINT(m.position, v->position);
  CHECK(strcmp(m.name, v->name) == 0);
  CHECK(strcmp(m.version, v->version) == 0);
}

/* Formats the vector's meaning, and parses the result back to the same meaning. */
static void check_format(const struct vector *v) {
  struct chadburn_msg m, back;
  char buf[CHADBURN_FORMAT_SIZE];
  size_t n;
  memset(&m, 0, sizeof m);
  m.kind = v->kind;
  m.position = v->position;
  if (strlen(v->name) > CHADBURN_NAME_MAX || strlen(v->version) > CHADBURN_VERSION_MAX) {
    check_failed(__FILE__, __LINE__, "name or version too long for a struct chadburn_msg");
    return;
  }
  strcpy(m.name, v->name);
  strcpy(m.version, v->version);
  n = chadburn_format(&m, buf, sizeof buf);
  CHECK_UINT(n, v->len + 1);
  if (n != v->len + 1) return;
  CHECK(memcmp(buf, v->line, v->len) == 0 && buf[v->len] == '\n' && buf[v->len + 1] == '\0');
  CHECK_UINT(chadburn_parse_line(buf, n - 1, &back), v->kind);
  CHECK(memcmp(&back, &m, sizeof m) == 0); /* both zeroed first, so their padding matches too */
}

static void format_refuses_what_cannot_be_sent(void) {
  struct chadburn_msg m;
  char buf[CHADBURN_FORMAT_SIZE];
  memset(&m, 0, sizeof m);
  m.kind = CHADBURN_ORDER;
  m.position = 1000;
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  m.kind = CHADBURN_EMPTY;
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  m.kind = CHADBURN_ERROR;
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  m.kind = CHADBURN_HELLO; /* empty name and version */
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  strcpy(m.name, "na me");
  strcpy(m.version, "1.0");
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  strcpy(m.name, "a+b"); /* "+" is for versions only */
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  memset(m.name, 'x', sizeof m.name); /* no terminating NUL */
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
}

static void format_refuses_a_small_buffer(void) {
  struct chadburn_msg m;
  char buf[10]; /* one short: "ANSWER 11\n" needs 11 bytes with its NUL */
  memset(&m, 0, sizeof m);
  m.kind = CHADBURN_ANSWER;
  m.position = 11;
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 0);
  CHECK_UINT(chadburn_format(&m, buf, 0), 0);
}

static void format_fits_the_longest_hello(void) {
  struct chadburn_msg m;
  char buf[CHADBURN_FORMAT_SIZE];
  memset(&m, 0, sizeof m);
  m.kind = CHADBURN_HELLO;
  memset(m.name, 'n', CHADBURN_NAME_MAX);
  memset(m.version, 'v', CHADBURN_VERSION_MAX);
  CHECK_UINT(chadburn_format(&m, buf, sizeof buf), 6 + CHADBURN_NAME_MAX + 1 + CHADBURN_VERSION_MAX + 1);
}

/* Feeds text in pieces, collecting the lines read (joined by "|") and the drops counted. */
struct reading {
  char lines[256];
  int too_long;
};

static void feed(struct chadburn_line_reader *r, const char *text, size_t len, struct reading *out) {
  size_t i;
  for (i = 0; i < len; i++) {
    const char *line;
    size_t n;
    switch (chadburn_reader_feed(r, (unsigned char)text[i], &line, &n)) {
    case CHADBURN_READ_LINE:
      strncat(out->lines, line, n);
      strcat(out->lines, "|");
      break;
    case CHADBURN_READ_TOO_LONG:
      out->too_long++;
      break;
    case CHADBURN_READ_NONE:
      break;
    }
  }
}

#define FEED(r, text, out) feed((r), (text), sizeof(text) - 1, (out))

static void reader_joins_lines_split_across_feeds(void) {
  struct chadburn_line_reader r;
  struct reading got = {"", 0};
  chadburn_reader_init(&r);
  FEED(&r, "ORD", &got);
  CHECK(strcmp(got.lines, "") == 0);
  FEED(&r, "ER 7\nANSWER 6\nPI", &got);
  CHECK(strcmp(got.lines, "ORDER 7|ANSWER 6|") == 0);
  FEED(&r, "NG\n", &got);
  CHECK(strcmp(got.lines, "ORDER 7|ANSWER 6|PING|") == 0);
  CHECK_UINT(got.too_long, 0);
}

static void reader_keeps_cr_for_the_parser_to_trim(void) {
  struct chadburn_line_reader r;
  struct reading got = {"", 0};
  struct chadburn_msg m;
  chadburn_reader_init(&r);
  FEED(&r, "ORDER 7\r\n\r\n", &got);
  CHECK(strcmp(got.lines, "ORDER 7\r|\r|") == 0);
  CHECK_UINT(chadburn_parse_line("ORDER 7\r", 8, &m), CHADBURN_ORDER);
  CHECK_UINT(chadburn_parse_line("\r", 1, &m), CHADBURN_EMPTY);
}

static void reader_drops_a_1000_byte_line_whole(void) {
  struct chadburn_line_reader r;
  struct reading got = {"", 0};
  char junk[1000];
  memset(junk, '7', sizeof junk);
  chadburn_reader_init(&r);
  FEED(&r, "PING\n", &got);
  feed(&r, junk, sizeof junk, &got);
  CHECK(strcmp(got.lines, "PING|") == 0);
  FEED(&r, "\nORDER 3\n", &got);
  CHECK(strcmp(got.lines, "PING|ORDER 3|") == 0);
  CHECK_UINT(got.too_long, 1);
}

/* The limit counts every byte before the "\n", "\r" included, as the parser does. */
static void reader_limit_is_64_bytes(void) {
  struct chadburn_line_reader r;
  struct reading got = {"", 0};
  char line[66];
  memset(line, ' ', sizeof line);
  line[0] = '7';
  line[64] = '\n';
  chadburn_reader_init(&r);
  feed(&r, line, 65, &got); /* 64 bytes then "\n": read */
  CHECK_UINT(strlen(got.lines), 65);
  CHECK_UINT(got.too_long, 0);
  line[64] = '\r';
  line[65] = '\n';
  feed(&r, line, 66, &got); /* 65 bytes then "\n": dropped */
  CHECK_UINT(strlen(got.lines), 65);
  CHECK_UINT(got.too_long, 1);
}

static void reader_passes_nul_bytes_on(void) {
  struct chadburn_line_reader r;
  const char *line = NULL;
  size_t n = 0;
  struct chadburn_msg m;
  chadburn_reader_init(&r);
  chadburn_reader_feed(&r, '7', &line, &n);
  chadburn_reader_feed(&r, '\0', &line, &n);
  chadburn_reader_feed(&r, '7', &line, &n);
  CHECK_UINT(chadburn_reader_feed(&r, '\n', &line, &n), CHADBURN_READ_LINE);
  CHECK_UINT(n, 3);
  CHECK_UINT(chadburn_parse_line(line, n, &m), CHADBURN_ERROR);
  CHECK_UINT(m.error, CHADBURN_ERR_UNKNOWN);
}

void test_protocol(void) {
  size_t i;
  for (i = 0; i < COUNT(parse_vectors); i++) {
    case_begin(vector_case("vectors", i, &parse_vectors[i]));
    check_parse(&parse_vectors[i]);
    case_end();
  }
  for (i = 0; i < COUNT(format_vectors); i++) {
    case_begin(vector_case("formatted", i, &format_vectors[i]));
    check_format(&format_vectors[i]);
    case_end();
  }
  RUN(format_refuses_what_cannot_be_sent);
  RUN(format_refuses_a_small_buffer);
  RUN(format_fits_the_longest_hello);
  RUN(reader_joins_lines_split_across_feeds);
  RUN(reader_keeps_cr_for_the_parser_to_trim);
  RUN(reader_drops_a_1000_byte_line_whole);
  RUN(reader_limit_is_64_bytes);
  RUN(reader_passes_nul_bytes_on);
}

/* The telegraph's line protocol (see firmware/PROTOCOL.md): parsing, formatting and a bounded
 * line reader. Plain C99, no allocation, so the sketch and the host's unit tests share it. */
#ifndef CHADBURN_PROTOCOL_H
#define CHADBURN_PROTOCOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHADBURN_MAX_LINE 64     /* bytes in a line, before trimming, without its "\n" */
#define CHADBURN_MAX_POSITION 999
#define CHADBURN_NAME_MAX 24     /* HELLO name: [A-Za-z0-9._-]{1,24} */
#define CHADBURN_VERSION_MAX 16  /* HELLO version: [A-Za-z0-9._+-]{1,16} */
/* Room for the longest formatted line with its "\n" and the terminating NUL. */
#define CHADBURN_FORMAT_SIZE (CHADBURN_MAX_LINE + 2)

enum chadburn_kind {
  CHADBURN_EMPTY, /* nothing but white space: ignored, not an error */
  CHADBURN_ORDER,
  CHADBURN_ANSWER,
  CHADBURN_HELLO,
  CHADBURN_PING,
  CHADBURN_PONG,
  CHADBURN_ERROR
};

enum chadburn_error {
  CHADBURN_ERR_NONE,
  CHADBURN_ERR_TOO_LONG,   /* "too-long" */
  CHADBURN_ERR_UNKNOWN,    /* "unknown" */
  CHADBURN_ERR_BAD_NUMBER, /* "bad-number" */
  CHADBURN_ERR_BAD_HELLO   /* "bad-hello" */
};

struct chadburn_msg {
  enum chadburn_kind kind;
  enum chadburn_error error;                /* set when kind is CHADBURN_ERROR */
  unsigned position;                        /* ORDER and ANSWER: 0-999 */
  char name[CHADBURN_NAME_MAX + 1];         /* HELLO, NUL-terminated */
  char version[CHADBURN_VERSION_MAX + 1];   /* HELLO, NUL-terminated */
};

/* Parses one line (without its "\n"; it may contain NUL bytes, hence the length). Fills *out
 * entirely and returns out->kind. */
enum chadburn_kind chadburn_parse_line(const char *line, size_t len, struct chadburn_msg *out);

/* Writes m as a line ending in "\n", NUL-terminated. Returns its length including the "\n",
 * or 0 when m cannot be sent (EMPTY, ERROR, a position over 999, a name or version the other
 * side would reject) or does not fit in size bytes: then nothing must be sent. */
size_t chadburn_format(const struct chadburn_msg *m, char *buf, size_t size);

/* Cuts a byte stream into lines. A line longer than CHADBURN_MAX_LINE is dropped whole: the
 * reader discards everything up to and including its "\n". */
struct chadburn_line_reader {
  char buf[CHADBURN_MAX_LINE];
  size_t len;
  int discarding; /* past CHADBURN_MAX_LINE bytes: dropping until the next "\n" */
};

enum chadburn_read {
  CHADBURN_READ_NONE,    /* no line ended with this byte */
  CHADBURN_READ_LINE,    /* *line and *len hold a complete line, without its "\n" */
  CHADBURN_READ_TOO_LONG /* an over-long line ended here and was dropped */
};

void chadburn_reader_init(struct chadburn_line_reader *r);

/* Feeds one byte. On CHADBURN_READ_LINE the line points into the reader and stays valid until
 * the next call. */
enum chadburn_read chadburn_reader_feed(struct chadburn_line_reader *r, unsigned char byte,
                                        const char **line, size_t *len);

#ifdef __cplusplus
}
#endif

#endif

#include "debounce.h"

void chadburn_debounce_init(struct chadburn_debounce *d, uint32_t settle_ms) {
  d->settle_ms = settle_ms;
  d->since = 0;
  d->reading = 0;
  d->reported = 0;
}

unsigned chadburn_debounce_update(struct chadburn_debounce *d, unsigned raw, uint32_t now_ms) {
  if (raw != d->reading) {
    d->reading = raw;
    d->since = now_ms;
    return 0;
  }
  /* Unsigned subtraction keeps the elapsed time right across the 49-day wrap of millis(). */
  if (raw == 0 || raw == d->reported || (uint32_t)(now_ms - d->since) < d->settle_ms) return 0;
  d->reported = raw;
  return raw;
}

/* Debounce for the handle's rotary switch: pure logic, fed readings and the time, so the host's
 * unit tests can drive it with any timeline. */
#ifndef CHADBURN_DEBOUNCE_H
#define CHADBURN_DEBOUNCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Long enough to outlast contact bounce and a handle swept past positions; short enough that an
 * order still feels immediate. */
#define CHADBURN_SETTLE_MS 150

struct chadburn_debounce {
  uint32_t settle_ms;
  uint32_t since;    /* when `reading` was first seen */
  unsigned reading;  /* the raw reading being timed */
  unsigned reported; /* the last position reported, 0 before the first */
};

void chadburn_debounce_init(struct chadburn_debounce *d, uint32_t settle_ms);

/* Feeds a raw reading (a position, or 0 between detents) taken at now_ms (e.g. millis(); it may
 * wrap around). Returns a position once it has read the same for settle_ms and differs from
 * the last one returned; otherwise 0. */
unsigned chadburn_debounce_update(struct chadburn_debounce *d, unsigned raw, uint32_t now_ms);

#ifdef __cplusplus
}
#endif

#endif

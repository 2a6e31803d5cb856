#include <stdint.h>

#include "check.h"
#include "debounce.h"

/* Holds a raw reading for `ms`, sampling every millisecond as loop() would. Returns the last
 * position reported during that time (0 if none) and counts every report in *reports. */
static unsigned hold(struct chadburn_debounce *d, uint32_t *now, unsigned raw, uint32_t ms, int *reports) {
  unsigned last = 0;
  uint32_t end = *now + ms;
  for (; *now != end; (*now)++) {
    unsigned got = chadburn_debounce_update(d, raw, *now);
    if (got) {
      last = got;
      (*reports)++;
    }
  }
  return last;
}

static void sweep_reports_only_where_the_handle_settles(void) {
  struct chadburn_debounce d;
  uint32_t now = 1000;
  unsigned p;
  int reports = 0;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  for (p = 1; p <= 10; p++) {
    hold(&d, &now, p, 60, &reports);
    hold(&d, &now, 0, 20, &reports); /* between detents */
  }
  CHECK_UINT(reports, 0);
  CHECK_UINT(hold(&d, &now, 11, 1000, &reports), 11);
  CHECK_UINT(reports, 1);
}

static void reports_exactly_when_settled(void) {
  struct chadburn_debounce d;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(chadburn_debounce_update(&d, 4, 500), 0);
  CHECK_UINT(chadburn_debounce_update(&d, 4, 500 + CHADBURN_SETTLE_MS - 1), 0);
  CHECK_UINT(chadburn_debounce_update(&d, 4, 500 + CHADBURN_SETTLE_MS), 4);
  CHECK_UINT(chadburn_debounce_update(&d, 4, 500 + CHADBURN_SETTLE_MS + 1), 0);
}

static void bounce_between_6_and_7_then_settle_on_7(void) {
  struct chadburn_debounce d;
  uint32_t now = 0, last_bounce;
  int reports = 0, i;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(hold(&d, &now, 6, 300, &reports), 6);
  for (i = 0; i < 20; i++) hold(&d, &now, i % 2 ? 6u : 7u, 1 + (uint32_t)i % 7, &reports);
  CHECK_UINT(reports, 1);
  last_bounce = now;
  CHECK_UINT(hold(&d, &now, 7, CHADBURN_SETTLE_MS, &reports), 0); /* not yet */
  CHECK_UINT(chadburn_debounce_update(&d, 7, last_bounce + CHADBURN_SETTLE_MS), 7);
  CHECK_UINT(reports, 1);
}

static void zero_between_detents_is_never_reported(void) {
  struct chadburn_debounce d;
  uint32_t now = 0;
  int reports = 0;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(hold(&d, &now, 0, 5000, &reports), 0);
  CHECK_UINT(hold(&d, &now, 5, 300, &reports), 5);
  CHECK_UINT(hold(&d, &now, 0, 5000, &reports), 0);
  CHECK_UINT(reports, 1);
}

static void same_position_is_not_reported_twice_in_a_row(void) {
  struct chadburn_debounce d;
  uint32_t now = 0;
  int reports = 0;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(hold(&d, &now, 7, 300, &reports), 7);
  hold(&d, &now, 0, 500, &reports);   /* lifted off the detent and back */
  hold(&d, &now, 7, 500, &reports);
  hold(&d, &now, 8, 100, &reports);   /* nudged towards 8, not long enough */
  hold(&d, &now, 7, 500, &reports);
  CHECK_UINT(reports, 1);
  CHECK_UINT(hold(&d, &now, 8, 300, &reports), 8);
  CHECK_UINT(hold(&d, &now, 7, 300, &reports), 7);
  CHECK_UINT(reports, 3);
}

static void settles_across_the_millis_wrap(void) {
  struct chadburn_debounce d;
  uint32_t now = UINT32_MAX - 50;
  int reports = 0;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(hold(&d, &now, 9, CHADBURN_SETTLE_MS, &reports), 0); /* 50 ms before the wrap, 100 after */
  CHECK_UINT(now, 99);
  CHECK_UINT(chadburn_debounce_update(&d, 9, now), 9);
}

static void init_forgets_the_last_report(void) {
  struct chadburn_debounce d;
  uint32_t now = 0;
  int reports = 0;
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(hold(&d, &now, 3, 300, &reports), 3);
  chadburn_debounce_init(&d, CHADBURN_SETTLE_MS);
  CHECK_UINT(hold(&d, &now, 3, 300, &reports), 3);
  CHECK_UINT(reports, 2);
}

void test_debounce(void) {
  RUN(sweep_reports_only_where_the_handle_settles);
  RUN(reports_exactly_when_settled);
  RUN(bounce_between_6_and_7_then_settle_on_7);
  RUN(zero_between_detents_is_never_reported);
  RUN(same_position_is_not_reported_twice_in_a_row);
  RUN(settles_across_the_millis_wrap);
  RUN(init_forgets_the_last_report);
}

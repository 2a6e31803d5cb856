/* Runs every case and ends with the "N passed, N failed" line that the project's CI reads. */
#include "check.h"

static const char *current;
static int passed, failed, case_failed;

void case_begin(const char *name) {
  current = name;
  case_failed = 0;
}

void case_end(void) {
  if (case_failed) failed++;
  else passed++;
}

void check_failed(const char *file, int line, const char *what) {
  fprintf(stderr, "FAIL %s (%s:%d): %s\n", current, file, line, what);
  case_failed = 1;
}

int main(void) {
  test_protocol();
  test_debounce();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

/* A minimal test harness: a case passes when none of its CHECKs failed. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

void case_begin(const char *name);
void case_end(void);
void check_failed(const char *file, int line, const char *what);

#define CHECK(cond) ((cond) ? (void)0 : check_failed(__FILE__, __LINE__, #cond))
#define CHECK_UINT(actual, expected)                                                     \
  do {                                                                                   \
    unsigned long a_ = (unsigned long)(actual), e_ = (unsigned long)(expected);          \
    if (a_ != e_) {                                                                      \
      char what_[160];                                                                   \
      snprintf(what_, sizeof what_, "%s is %lu, expected %lu", #actual, a_, e_);         \
      check_failed(__FILE__, __LINE__, what_);                                           \
    }                                                                                    \
  } while (0)
#define RUN(test) (case_begin(#test), test(), case_end())

void test_protocol(void);
void test_debounce(void);

#endif

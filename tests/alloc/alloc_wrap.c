/* The allocators of the allocation-failure test: every call from the
 * project's code (linked with -Wl,--wrap=malloc,...) asks the hook in
 * core/buf.c whether to fail. Libraries built elsewhere (SQLite, jansson,
 * zlib) keep their own allocator: their failures are theirs to test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* With ASH_ALLOC_TRACE set (and ASan), say where the failing call is. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));
static int fail(void) {
  if (!ash_alloc_fail_now()) return 0;
  if (getenv("ASH_ALLOC_TRACE")) {
    fputs("alloc_fail: failing this allocation:\n", stderr);
    if (__sanitizer_print_stack_trace) __sanitizer_print_stack_trace();
  }
  return 1;
}

void *__wrap_malloc(size_t n) { return fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fail() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fail() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = __wrap_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}
char *__wrap_strndup(const char *s, size_t n) {
  size_t l = strnlen(s, n);
  char *d = __wrap_malloc(l + 1);
  if (d) {
    memcpy(d, s, l);
    d[l] = 0;
  }
  return d;
}

#pragma once
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <malloc.h>   /* mallinfo2, malloc_trim: the resident-memory test tells heap in use from heap kept */

/* ThreadSanitizer (docs/reliability.md §5): happyhorsesrc releases each buffer it hands downstream and acquires it
 * when the pool gives it back (HH_TSAN_RELEASE/ACQUIRE in fill()); a test acquires a buffer it pulled from appsink
 * and releases it before dropping the sample, so TSan sees the hand-offs that GLib's futex-based GMutex hides from
 * it. Weak: where no TSan runtime is linked the symbols are NULL and these do nothing. */
void __tsan_acquire (void *addr) __attribute__ ((weak));
void __tsan_release (void *addr) __attribute__ ((weak));
static inline void hh_test_tsan_acquire (const void *addr)
{
  if (__tsan_acquire)
    __tsan_acquire ((void *) addr);
}
static inline void hh_test_tsan_release (const void *addr)
{
  if (__tsan_release)
    __tsan_release ((void *) addr);
}

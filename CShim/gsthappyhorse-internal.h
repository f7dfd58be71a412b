/* Internal to the shim: the TSan-visible locks every file uses, and the plugin file's directory. */
#ifndef GST_HAPPY_HORSE_INTERNAL_H
#define GST_HAPPY_HORSE_INTERNAL_H

#include <glib.h>
#include <gst/gst.h>
#include <string.h>

/* ---- Object lock, visible to ThreadSanitizer (docs/reliability.md §5) ------------------------------------
 * GST_OBJECT_LOCK is a GMutex, a bare futex that TSan cannot see, so two accesses both under the lock were
 * reported as races. Under TSan these macros also tell it the happens-before edge the lock gives (acquire after
 * locking, release before unlocking, on the lock's address); otherwise they are exactly GST_OBJECT_LOCK/UNLOCK.
 * Use them for every object-lock site in CShim/. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HH_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define HH_TSAN 1
#endif

#ifdef HH_TSAN
#include <sanitizer/tsan_interface.h>
#define HH_OBJECT_LOCK(obj) G_STMT_START { \
    GST_OBJECT_LOCK (obj); __tsan_acquire (&GST_OBJECT_CAST (obj)->lock); } G_STMT_END
#define HH_OBJECT_UNLOCK(obj) G_STMT_START { \
    __tsan_release (&GST_OBJECT_CAST (obj)->lock); GST_OBJECT_UNLOCK (obj); } G_STMT_END
/* A buffer handed between threads through GLib's own (invisible) locks, downstream or back through the buffer
 * pool: the writer releases on the buffer's address when it hands it over, the next owner acquires. */
#define HH_TSAN_RELEASE(addr) __tsan_release ((void *) (addr))
#define HH_TSAN_ACQUIRE(addr) __tsan_acquire ((void *) (addr))
/* A GMutex of our own, made visible to TSan the same way. */
#define HH_MUTEX_LOCK(m) G_STMT_START { g_mutex_lock (m); __tsan_acquire ((void *) (m)); } G_STMT_END
#define HH_MUTEX_UNLOCK(m) G_STMT_START { __tsan_release ((void *) (m)); g_mutex_unlock (m); } G_STMT_END
#else
#define HH_OBJECT_LOCK(obj) GST_OBJECT_LOCK (obj)
#define HH_OBJECT_UNLOCK(obj) GST_OBJECT_UNLOCK (obj)
#define HH_TSAN_RELEASE(addr) ((void) 0)
#define HH_TSAN_ACQUIRE(addr) ((void) 0)
#define HH_MUTEX_LOCK(m) g_mutex_lock (m)
#define HH_MUTEX_UNLOCK(m) g_mutex_unlock (m)
#endif

G_BEGIN_DECLS

/* Remembers the directory of the loaded plugin file (NULL for static registration); the element searches the
 * built-in model in <that dir>/happyhorse/builtin. */
G_GNUC_INTERNAL void gst_happy_horse_src_set_plugin_file (const gchar * filename);


G_END_DECLS

#endif

/* ff_event.h: kqueue types for the ff_kqueue()/ff_kevent() API, laid out as
 * FreeBSD's <sys/event.h> (as F-Stack's ff_event.h), so kqueue programs
 * written for F-Stack build unchanged on Linux. */
#ifndef FF_EVENT_H
#define FF_EVENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_AIO (-3)
#define EVFILT_VNODE (-4)
#define EVFILT_PROC (-5)
#define EVFILT_SIGNAL (-6)
#define EVFILT_TIMER (-7)
#define EVFILT_PROCDESC (-8)
#define EVFILT_FS (-9)
#define EVFILT_LIO (-10)
#define EVFILT_USER (-11)
#define EVFILT_SENDFILE (-12)
#define EVFILT_EMPTY (-13)
#define EVFILT_SYSCOUNT 13

#define EV_SET(kevp_, a, b, c, d, e, f)        \
	do {                                   \
		struct kevent *kevp = (kevp_); \
		(kevp)->ident = (a);           \
		(kevp)->filter = (b);          \
		(kevp)->flags = (c);           \
		(kevp)->fflags = (d);          \
		(kevp)->data = (e);            \
		(kevp)->udata = (f);           \
		(kevp)->ext[0] = 0;            \
		(kevp)->ext[1] = 0;            \
		(kevp)->ext[2] = 0;            \
		(kevp)->ext[3] = 0;            \
	} while (0)

struct kevent {
	uintptr_t ident; /* identifier for this event */
	short filter;    /* filter for event */
	unsigned short flags;
	unsigned int fflags;
	int64_t data;
	void *udata; /* opaque user data identifier */
	uint64_t ext[4];
};

/* actions */
#define EV_ADD 0x0001     /* add event to kq (implies enable) */
#define EV_DELETE 0x0002  /* delete event from kq */
#define EV_ENABLE 0x0004  /* enable event */
#define EV_DISABLE 0x0008 /* disable event (not reported) */
#define EV_FORCEONESHOT 0x0100
#define EV_KEEPUDATA 0x0200

/* flags */
#define EV_ONESHOT 0x0010  /* only report one occurrence */
#define EV_CLEAR 0x0020    /* clear event state after reporting */
#define EV_RECEIPT 0x0040  /* force EV_ERROR on success, data=0 */
#define EV_DISPATCH 0x0080 /* disable event after reporting */

#define EV_SYSFLAGS 0xF000
#define EV_DROP 0x1000
#define EV_FLAG1 0x2000
#define EV_FLAG2 0x4000

/* returned values */
#define EV_EOF 0x8000   /* EOF detected */
#define EV_ERROR 0x4000 /* error, data contains errno */

/* EVFILT_USER fflags.  In a change, the top two bits say how the low 24
 * combine with the stored ones; NOTE_TRIGGER fires the event.  Reported
 * fflags hold the stored 24 bits (control bits NOTE_FFNOP). */
#define NOTE_FFNOP 0x00000000      /* keep the stored bits */
#define NOTE_FFAND 0x40000000      /* stored &= these */
#define NOTE_FFOR 0x80000000       /* stored |= these */
#define NOTE_FFCOPY 0xc0000000     /* stored = these */
#define NOTE_FFCTRLMASK 0xc0000000 /* the operation */
#define NOTE_FFLAGSMASK 0x00ffffff /* the bits */
#define NOTE_TRIGGER 0x01000000    /* fire the user event */

/* EVFILT_READ / EVFILT_WRITE fflags */
#define NOTE_LOWAT 0x0001 /* low water mark */
#define NOTE_FILE_POLL 0x0002

/* EVFILT_VNODE fflags (no source in fastack: the filter is EINVAL) */
#define NOTE_DELETE 0x0001
#define NOTE_WRITE 0x0002
#define NOTE_EXTEND 0x0004
#define NOTE_ATTRIB 0x0008
#define NOTE_LINK 0x0010
#define NOTE_RENAME 0x0020
#define NOTE_REVOKE 0x0040
#define NOTE_OPEN 0x0080
#define NOTE_CLOSE 0x0100
#define NOTE_CLOSE_WRITE 0x0200
#define NOTE_READ 0x0400

/* EVFILT_PROC / EVFILT_PROCDESC fflags (no source in fastack: EINVAL) */
#define NOTE_EXIT 0x80000000
#define NOTE_FORK 0x40000000
#define NOTE_EXEC 0x20000000
#define NOTE_PCTRLMASK 0xf0000000
#define NOTE_PDATAMASK 0x000fffff
#define NOTE_TRACK 0x00000001
#define NOTE_TRACKERR 0x00000002
#define NOTE_CHILD 0x00000004

/* EVFILT_TIMER fflags: the unit of data (milliseconds when none), and
 * whether data is an absolute CLOCK_REALTIME time. */
#define NOTE_SECONDS 0x00000001
#define NOTE_MSECONDS 0x00000002
#define NOTE_USECONDS 0x00000004
#define NOTE_NSECONDS 0x00000008
#define NOTE_ABSTIME 0x00000010

#ifdef __cplusplus
}
#endif

#endif

/* ff_errno.h: errno values.
 *
 * Every ff_* call reports errors through errno with Linux's values (as
 * F-Stack's calls do: they translate its FreeBSD kernel's), so programs
 * compare errno with EAGAIN, EINPROGRESS, ... of <errno.h>, included here.
 *
 * The ff_E* names are FreeBSD's numbers, as F-Stack's header defines them,
 * for programs and tools that handle FreeBSD's numbering themselves (e.g.
 * results of a FreeBSD peer, or their own tables); fastack never sets errno
 * to one of them.  ff_EAGAIN is 35 here and EAGAIN 11.
 */
#ifndef FF_ERRNO_H
#define FF_ERRNO_H

#include <errno.h>

#define ff_EPERM 1
#define ff_ENOENT 2
#define ff_ESRCH 3
#define ff_EINTR 4
#define ff_EIO 5
#define ff_ENXIO 6
#define ff_E2BIG 7
#define ff_ENOEXEC 8
#define ff_EBADF 9
#define ff_ECHILD 10
#define ff_EDEADLK 11
#define ff_ENOMEM 12
#define ff_EACCES 13
#define ff_EFAULT 14
#define ff_ENOTBLK 15
#define ff_EBUSY 16
#define ff_EEXIST 17
#define ff_EXDEV 18
#define ff_ENODEV 19
#define ff_ENOTDIR 20
#define ff_EISDIR 21
#define ff_EINVAL 22
#define ff_ENFILE 23
#define ff_EMFILE 24
#define ff_ENOTTY 25
#define ff_ETXTBSY 26
#define ff_EFBIG 27
#define ff_ENOSPC 28
#define ff_ESPIPE 29
#define ff_EROFS 30
#define ff_EMLINK 31
#define ff_EPIPE 32
#define ff_EDOM 33
#define ff_ERANGE 34
#define ff_EAGAIN 35
#define ff_EWOULDBLOCK ff_EAGAIN
#define ff_EINPROGRESS 36
#define ff_EALREADY 37
#define ff_ENOTSOCK 38
#define ff_EDESTADDRREQ 39
#define ff_EMSGSIZE 40
#define ff_EPROTOTYPE 41
#define ff_ENOPROTOOPT 42
#define ff_EPROTONOSUPPORT 43
#define ff_ESOCKTNOSUPPORT 44
#define ff_EOPNOTSUPP 45
#define ff_ENOTSUP ff_EOPNOTSUPP
#define ff_EPFNOSUPPORT 46
#define ff_EAFNOSUPPORT 47
#define ff_EADDRINUSE 48
#define ff_EADDRNOTAVAIL 49
#define ff_ENETDOWN 50
#define ff_ENETUNREACH 51
#define ff_ENETRESET 52
#define ff_ECONNABORTED 53
#define ff_ECONNRESET 54
#define ff_ENOBUFS 55
#define ff_EISCONN 56
#define ff_ENOTCONN 57
#define ff_ESHUTDOWN 58
#define ff_ETOOMANYREFS 59
#define ff_ETIMEDOUT 60
#define ff_ECONNREFUSED 61
#define ff_ELOOP 62
#define ff_ENAMETOOLONG 63
#define ff_EHOSTDOWN 64
#define ff_EHOSTUNREACH 65
#define ff_ENOTEMPTY 66
#define ff_EPROCLIM 67
#define ff_EUSERS 68
#define ff_EDQUOT 69
#define ff_ESTALE 70
#define ff_EREMOTE 71
#define ff_EBADRPC 72
#define ff_ERPCMISMATCH 73
#define ff_EPROGUNAVAIL 74
#define ff_EPROGMISMATCH 75
#define ff_EPROCUNAVAIL 76
#define ff_ENOLCK 77
#define ff_ENOSYS 78
#define ff_EFTYPE 79
#define ff_EAUTH 80
#define ff_ENEEDAUTH 81
#define ff_EIDRM 82
#define ff_ENOMSG 83
#define ff_EOVERFLOW 84
#define ff_ECANCELED 85
#define ff_EILSEQ 86
#define ff_ENOATTR 87
#define ff_EDOOFUS 88
#define ff_EBADMSG 89
#define ff_EMULTIHOP 90
#define ff_ENOLINK 91
#define ff_EPROTO 92
#define ff_ENOTCAPABLE 93
#define ff_ECAPMODE 94
#define ff_ENOTRECOVERABLE 95
#define ff_EOWNERDEAD 96

#endif

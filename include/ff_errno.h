/* ff_errno.h: fastack reports errors through errno with Linux values, so
 * this header only brings in <errno.h> (F-Stack programs include it). */
#ifndef FF_ERRNO_H
#define FF_ERRNO_H

#include <errno.h>

#endif

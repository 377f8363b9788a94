/* Raw system calls (see sys.h): the syscall instruction, so that no symbol interposition
 * (the bridge's exported syscall(), close(), ...) can redirect them.  No locking. */
#include <errno.h>

#include "sys.h"

long sys_raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;

#if defined(__x86_64__)
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;
	register long x3 __asm__("x3") = a4;
	register long x4 __asm__("x4") = a5;
	register long x5 __asm__("x5") = a6;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	ret = x0;
#else
#error "sys_raw: add this architecture's system call instruction"
#endif
	if (ret < 0 && ret >= -4095) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#ifdef SYS_TSAN
char sys_mm_order; /* sys.h: the sync object of mmap after munmap */
#endif

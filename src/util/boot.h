/*
 * boot.h: the kernel's name for this boot (Linux
 * /proc/sys/kernel/random/boot_id), so that a file written without fsync
 * can say whether it survived a restart: after a power failure the page
 * cache it relied on is gone, and the boot ID is new.
 */
#ifndef CT_UTIL_BOOT_H
#define CT_UTIL_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/* The 16 bytes of the boot ID; false where the system has none. Read once
 * per process. */
bool boot_id(uint8_t out[16]);

#endif

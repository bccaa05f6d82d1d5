#include "util/boot.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static uint8_t boot_bytes[16];
static bool boot_ok;
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void
boot_read(void)
{
    char s[64];
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (f == NULL) return;
    bool got = fgets(s, sizeof s, f) != NULL;
    fclose(f);
    size_t k = 0;
    for (const char *c = s; got && *c && k < 32; c++) {
        int d = *c >= '0' && *c <= '9' ? *c - '0' : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10 : -1;
        if (d < 0) continue;
        boot_bytes[k / 2] = (uint8_t)(boot_bytes[k / 2] << 4 | d);
        k++;
    }
    boot_ok = k == 32;
}

bool
boot_id(uint8_t out[16])
{
    pthread_once(&boot_once, boot_read);
    if (boot_ok) memcpy(out, boot_bytes, 16);
    return boot_ok;
}

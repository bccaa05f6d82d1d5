/*
 * rmtree.c: rmtree.h.
 */
#include "rmtree.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int
rmtree_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path);
    return 0;
}

void
rmtree(const char *dir)
{
    (void)nftw(dir, rmtree_entry, 16, FTW_DEPTH | FTW_PHYS);
}

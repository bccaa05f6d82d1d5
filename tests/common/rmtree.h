/*
 * rmtree.h: remove a test's scratch directory and everything under it.
 */
#ifndef CT_TEST_RMTREE_H
#define CT_TEST_RMTREE_H

/* Depth first, without following symbolic links; what cannot be removed
 * is left (a test's teardown must not fail on it). */
void rmtree(const char *dir);

#endif

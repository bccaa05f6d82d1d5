/*
 * fuzz_credset.c: libFuzzer target over credential-set bodies: the JSON
 * reader, every type's field checks, PEM and X.509 parsing, base64
 * (src/credset). Built with clang -fsanitize=fuzzer when CREDTOKEN_FUZZ is
 * on; replay.c runs the corpus in corpus/credset under ctest with any
 * compiler, so every input that ever found a bug stays a test.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "credset/credset.h"
#include "mech/ossl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (ossl_init() != CKR_OK) abort();
        ready = 1;
    }
    /* The first byte picks the options, the rest is the body. */
    struct credset_opts o = {.now = 1800000000};
    if (size > 0) {
        o.allow_expired = data[0] & 1;
        o.exportable = (data[0] >> 1) & 1;
        o.aws_labels = (data[0] >> 2) & 1;
        data++;
        size--;
    }
    struct credset *c = NULL;
    char err[CREDSET_ERR_LEN];
    CK_RV rv = credset_parse("fuzz", data, size, &o, &c, err);
    /* Success and failure are both fine; what must hold is that failure
     * says why and returns nothing. */
    if (rv != CKR_OK && (c != NULL || err[0] == '\0')) abort();
    if (rv == CKR_OK && (c == NULL || c->nobj == 0)) abort();
    credset_free(c);
    return 0;
}

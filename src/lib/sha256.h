/* SHA-256 (FIPS 180-4), for program tags.  No state, no locking. */
#ifndef BPFRUN_SHA256_H
#define BPFRUN_SHA256_H

#include "common.h"

void sha256_digest(const void *data, size_t len, u8 out[32]);

#endif

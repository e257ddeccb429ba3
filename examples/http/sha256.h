/* sha256.h: SHA-256 (FIPS 180-4), incremental, for the example programs:
 * the HTTP server hashes uploaded bodies with it and the HTTP client hashes
 * what it downloads, so a test can compare them with sha256sum/hashlib.
 *
 *   struct sha256 h;  sha256_init(&h);  sha256_update(&h, p, n) ...;
 *   sha256_final(&h, digest);  sha256_hex(digest, text);
 */
#ifndef FASTACK_EXAMPLES_SHA256_H
#define FASTACK_EXAMPLES_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN (2 * SHA256_DIGEST_LEN + 1) /* with the NUL */

struct sha256 {
	uint32_t h[8];     /* intermediate hash value H(i) */
	uint64_t len;      /* message length so far, bytes */
	uint8_t block[64]; /* a partial message block */
	size_t fill;       /* bytes in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t digest[SHA256_DIGEST_LEN]);
/* Lower-case hex of a digest, NUL-terminated. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN]);

#endif

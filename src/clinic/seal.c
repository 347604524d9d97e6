/* seal.c: the clinic's box to itself, for what the clinic keeps in the
 * server's database and must read back unchanged: its copy of each
 * message, and the acknowledgements and notices of risks. */
#include <stdlib.h>
#include <string.h>

#include "clinic.h"
#include "proto.h"
#include "util.h"

/* The padded plaintext in a box from the clinic's box key to itself
 * (nonce || crypto_box_easy). Unlike an anonymous sealed box, only the
 * holder of box.sk can make one, so a server that swaps the text for
 * other text is caught when it is read. */
unsigned char *
clinic_self_seal(const char *plain, const struct clinic_keys *k, size_t *len)
{
	size_t		 padded;
	unsigned char	*buf, *out;

	if ((buf = proto_pad(plain, &padded)) == NULL)
		return NULL;
	out = xmalloc(crypto_box_NONCEBYTES + crypto_box_MACBYTES + padded);
	randombytes_buf(out, crypto_box_NONCEBYTES);
	if (crypto_box_easy(out + crypto_box_NONCEBYTES, buf, padded, out,
	    k->box_pk, k->box_sk) != 0) {
		free(out);
		out = NULL;
	}
	sodium_memzero(buf, padded);
	free(buf);
	*len = crypto_box_NONCEBYTES + crypto_box_MACBYTES + padded;
	return out;
}

char *
clinic_self_open(const unsigned char *c, size_t len,
    const struct clinic_keys *k)
{
	const size_t	 over = crypto_box_NONCEBYTES + crypto_box_MACBYTES;
	unsigned char	*buf;
	size_t		 n;

	if (c == NULL || len < over + PROTO_PAD_BLOCK ||
	    len > over + PROTO_MAX_PADDED)
		return NULL;
	n = len - over;
	buf = xmalloc(n);
	if (crypto_box_open_easy(buf, c + crypto_box_NONCEBYTES,
	    len - crypto_box_NONCEBYTES, c, k->box_pk, k->box_sk) != 0) {
		sodium_memzero(buf, n);
		free(buf);
		return NULL;
	}
	return proto_unpad(buf, n);
}

/*
 * common/num.c -- checked decimal parsing (see num.h).  Overflow is tested
 * before every multiply-add as `d > max || v > (max - d) / 10`.  Runs in
 * every role.
 */
#include <string.h>

#include "common/num.h"

size_t
num_scan_u64(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	const char *p;
	uint64_t v = 0, d;

	for (p = s; p < end && *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		/* d > max first: max - d would wrap for a max below 9 (the
		 * UID list's MODSEQ bound can be 0; fuzz find). */
		if (d > max || v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (p == s)
		return 0;
	*out = v;
	return (size_t)(p - s);
}

int
num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (len == 0 || num_scan_u64(s, s + len, max, &v) != len)
		return -1;
	*out = v;
	return 0;
}

int
num_parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;

	if (num_parse_u64(s, len, UINT32_MAX, &v) == -1)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
num_parse_str(const char *s, uint64_t max, uint64_t *out)
{
	return num_parse_u64(s, strlen(s), max, out);
}

/*
 * common/num.h -- the one checked number parser.  Used for protocol
 * arguments, UID list lines, Maildir file names and the config file.
 */
#ifndef LB_NUM_H
#define LB_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Parse exactly len bytes of decimal digits (no sign, no space, at least
 * one digit) into *out.  Returns 0, or -1 on any other byte or overflow
 * of max. */
int	num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
int	num_parse_u32(const char *s, size_t len, uint32_t *out);
/* Same, for a NUL-terminated string. */
int	num_parse_str(const char *s, uint64_t max, uint64_t *out);
/* Scan a run of digits at s (up to end), storing the value and returning
 * how many bytes were consumed; 0 if none or on overflow of max. */
size_t	num_scan_u64(const char *s, const char *end, uint64_t max, uint64_t *out);

#endif

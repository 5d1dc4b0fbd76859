/* Unit tests: common/buf.c, common/num.c, common/channel.c. */
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/channel.h"
#include "common/num.h"
#include "test.h"

TEST(buf_bound)
{
	struct buf b;

	buf_init(&b, 10);
	CHECK(buf_append(&b, "0123456789", 10) == 0);
	CHECK(buf_putc(&b, 'x') == -1 && errno == E2BIG);
	CHECK(b.len == 10);
	CHECK(buf_cstr(&b) != NULL && strcmp(b.p, "0123456789") == 0);
	buf_consume(&b, 4);
	CHECK(b.len == 6 && memcmp(b.p, "456789", 6) == 0);
	CHECK(buf_printf(&b, "%d", 1234) == 0);
	CHECK(buf_printf(&b, "%d", 1) == -1);
	CHECK(buf_find(&b, '2') == 7);
	buf_free(&b);
	CHECK(b.p == NULL);
}

TEST(buf_growth)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		CHECK(buf_putc(&b, 'a' + i % 26) == 0);
	CHECK(b.len == 100000 && b.p[99999] == 'a' + 99999 % 26);
	CHECK(buf_reserve(&b, (size_t)-1) == -1);
	buf_free(&b);
}

TEST(num)
{
	uint64_t v;
	uint32_t u;

	CHECK(num_parse_u64("18446744073709551615", 20, UINT64_MAX, &v) == 0);
	CHECK(v == UINT64_MAX);
	CHECK(num_parse_u64("18446744073709551616", 20, UINT64_MAX, &v) == -1);
	CHECK(num_parse_u32("4294967295", 10, &u) == 0 && u == 4294967295U);
	CHECK(num_parse_u32("4294967296", 10, &u) == -1);
	CHECK(num_parse_u32("", 0, &u) == -1);
	CHECK(num_parse_u32("1 ", 2, &u) == -1);
	CHECK(num_parse_u32("-1", 2, &u) == -1);
	CHECK(num_parse_u64("100", 3, 99, &v) == -1);
	/* A bound below 9 (fuzz find: max - d wrapped around). */
	CHECK(num_parse_u64("3", 1, 0, &v) == -1);
	CHECK(num_parse_u64("0", 1, 0, &v) == 0 && v == 0);
	CHECK(num_parse_u64("5", 1, 4, &v) == -1);
	CHECK(num_parse_u64("4", 1, 4, &v) == 0 && v == 4);
	CHECK(num_parse_u64("10", 2, 9, &v) == -1);
	CHECK(num_parse_u64("9", 1, 9, &v) == 0 && v == 9);
	CHECK(num_parse_u64("19", 2, 18, &v) == -1);
	{
		const char *s = "123abc";

		CHECK(num_scan_u64(s, s + 6, 1000, &v) == 3 && v == 123);
	}
}

TEST(channel_frames)
{
	struct msg m, r;
	int sp[2], type;
	uint32_t x;
	const char *s;
	size_t len;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	msg_init(&m);
	msg_init(&r);
	CHECK(msg_put_u32(&m, 42) == 0);
	CHECK(msg_put_str(&m, "hello\0x", 7) == 0);
	CHECK(chan_send(sp[0], CHAN_AUTH, &m) == 0);
	CHECK(chan_recv(sp[1], &type, &r) == 1);
	CHECK(type == CHAN_AUTH);
	CHECK(msg_get_u32(&r, &x) == 0 && x == 42);
	CHECK(msg_get_str(&r, &s, &len, 6) == -1);	/* over the cap */
	r.off = 4;
	CHECK(msg_get_str(&r, &s, &len, 100) == 0 && len == 7);
	CHECK(memcmp(s, "hello\0x", 7) == 0);
	CHECK(msg_end(&r) == 0);
	CHECK(msg_get_u32(&r, &x) == -1);		/* short */
	/* Trailing data is detected. */
	CHECK(chan_send(sp[0], CHAN_LOG, &m) == 0);
	CHECK(chan_recv(sp[1], &type, &r) == 1);
	CHECK(msg_get_u32(&r, &x) == 0 && msg_end(&r) == -1);
	/* A length field that lies. */
	buf_reset(&m.b);
	CHECK(msg_put_u32(&m, 1000) == 0 && buf_append(&m.b, "ab", 2) == 0);
	CHECK(chan_send(sp[0], CHAN_LOG, &m) == 0);
	CHECK(chan_recv(sp[1], &type, &r) == 1);
	CHECK(msg_get_str(&r, &s, &len, 5000) == -1);
	close(sp[0]);
	CHECK(chan_recv(sp[1], &type, &r) == 0);	/* EOF */
	close(sp[1]);
	msg_free(&m);
	msg_free(&r);
}

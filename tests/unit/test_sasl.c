/* Unit tests: common/sasl.c -- SASL PLAIN decoding (RFC 4616). */
#include "common/sasl.h"
#include "test.h"

static int
dec(const char *b64, struct sasl_plain *sp)
{
	return sasl_plain_decode(b64, strlen(b64), sp);
}

TEST(plain)
{
	struct sasl_plain sp;

	/* "\0tim\0tanstaaftanstaaf" (RFC 4616 sec. 4) */
	CHECK(dec("AHRpbQB0YW5zdGFhZnRhbnN0YWFm", &sp) == 0);
	CHECK_STR(sp.user, "tim");
	CHECK_STR(sp.pass, "tanstaaftanstaaf");
	/* "tim\0tim\0pw": authzid equal to authcid is fine */
	CHECK(dec("dGltAHRpbQBwdw==", &sp) == 0);
	CHECK_STR(sp.pass, "pw");
	/* "Ursel\0Kurt\0xipj3plmq": acting for another user is refused */
	CHECK(dec("VXJzZWwAS3VydAB4aXBqM3BsbXE=", &sp) == -1);
}

TEST(malformed)
{
	struct sasl_plain sp;

	CHECK(dec("", &sp) == -1);
	CHECK(dec("dGlt", &sp) == -1);			/* "tim": no NULs */
	CHECK(dec("AHRpbQ==", &sp) == -1);		/* "\0tim": no pass */
	CHECK(dec("AHRpbQA=", &sp) == -1);		/* empty password */
	CHECK(dec("AAB0YW5z", &sp) == -1);		/* empty authcid */
	CHECK(dec("AHRpbQB0YW5z\r\n", &sp) == -1);	/* white space */
	CHECK(dec("AHRpbQB0YW5", &sp) == -1);		/* bad length */
	CHECK(dec("AHRpbQB0YW5=z", &sp) == -1);
	CHECK(dec("AHRpbQB0YW5*", &sp) == -1);
	CHECK(dec("AHRpbQB0YQB4", &sp) == -1);		/* NUL in password */
	CHECK(dec("AHRpbQB0YR==", &sp) == -1);		/* non-zero pad bits */
}

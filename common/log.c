/*
 * common/log.c -- see log.h.  Runs in every role.  Inside the sandboxes it
 * uses only write(2) on the channel fd; it preserves errno for callers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/channel.h"
#include "common/limits.h"
#include "common/log.h"

static int	 log_debug_mode;
static int	 log_chan = -1;
static int	 log_fatal_status = 1;
static const char *log_rolename = "";

void
log_open(const char *ident, int debug)
{
	log_debug_mode = debug;
	if (!debug)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_role(const char *role)
{
	log_rolename = role;
}

void
log_to_channel(int fd)
{
	log_chan = fd;
}

void
log_set_fatal_status(int st)
{
	log_fatal_status = st;
}

static void
log_emit(int prio, const char *line)
{
	struct msg m;

	if (log_chan != -1) {
		msg_init(&m);
		if (msg_put_u32(&m, (uint32_t)prio) == 0 &&
		    msg_put_str(&m, line, strlen(line)) == 0)
			(void)chan_send(log_chan, CHAN_LOG, &m);
		msg_free(&m);
		return;
	}
	log_relay(prio, line);
}

void
log_relay(int prio, const char *line)
{
	if (log_debug_mode) {
		if (prio == LOG_DEBUG && log_debug_mode < 1)
			return;
		dprintf(2, "%s\n", line);
		return;
	}
	if (prio == LOG_DEBUG)
		return;
	syslog(prio, "%s", line);
}

static void
log_vmsg(int prio, const char *fmt, va_list ap, const char *suffix)
    __attribute__((format(printf, 2, 0)));

static void
log_vmsg(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char text[LB_LOG_LINE_MAX], line[LB_LOG_LINE_MAX + 64];
	int saved = errno;

	(void)vsnprintf(text, sizeof(text), fmt, ap);
	/* Over a channel the monitor names the role itself. */
	if (log_rolename[0] != '\0' && log_chan == -1)
		(void)snprintf(line, sizeof(line), "%s: %s%s%s", log_rolename,
		    text, suffix ? ": " : "", suffix ? suffix : "");
	else
		(void)snprintf(line, sizeof(line), "%s%s%s", text,
		    suffix ? ": " : "", suffix ? suffix : "");
	log_emit(prio, line);
	errno = saved;
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap, e);
	va_end(ap);
	_exit(log_fatal_status);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
	_exit(log_fatal_status);
}

char *
log_escape(char *dst, size_t dstlen, const void *src, size_t srclen)
{
	const unsigned char *s = src;
	size_t i, o = 0;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)s[i];
		} else {
			if (o + 4 >= dstlen)
				break;
			(void)snprintf(dst + o, 5, "\\x%02x", s[i]);
			o += 4;
		}
	}
	dst[o] = '\0';
	return dst;
}

/*
 * common/log.h -- logging for every role.  The monitor and maildir-deliver
 * write to syslog (LOG_MAIL); the confined children send their lines to the
 * monitor over their channel (they cannot reach /dev/log from a chroot, and
 * glibc's syslog() would call socket(2) under seccomp).  With -d everything
 * goes to stderr instead; nothing else ever writes to fd 2, because a
 * superserver may have put the client socket there.
 */
#ifndef LB_LOG_H
#define LB_LOG_H

#include <stddef.h>
#include <syslog.h>

/* Open syslog (LOG_NDELAY, so the socket exists before any chroot).
 * debug != 0: log to stderr instead. */
void	log_open(const char *ident, int debug);
/* Name of the current process role ("monitor", "net", "session"). */
void	log_role(const char *role);
/* From now on, send lines to the monitor over this channel fd. */
void	log_to_channel(int fd);
/* Log a line that arrived from a child (already prefixed). */
void	log_relay(int prio, const char *line);
void	log_msg(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Log with ": strerror(errno)" appended, then exit(1). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Log, then exit(1). */
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Copy untrusted bytes into dst as printable ASCII (\xNN escapes), cut to
 * fit; always NUL-terminates.  Returns dst. */
char	*log_escape(char *dst, size_t dstlen, const void *src, size_t srclen);
/* Exit status for fatal() (maildir-deliver uses EX_TEMPFAIL). */
void	log_set_fatal_status(int);

#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

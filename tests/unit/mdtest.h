/*
 * tests/unit/mdtest.h -- helpers for the maildir/ unit tests: a Maildir in
 * a fresh mkdtemp directory, removed again at the end; file helpers.
 */
#ifndef LB_MDTEST_H
#define LB_MDTEST_H

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir/maildir.h"

static int __attribute__((unused))
rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void __attribute__((unused))
rm_rf(const char *dir)
{
	(void)nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new Maildir in /tmp; its path in dir (size 64); returns its fd. */
static int __attribute__((unused))
md_tmp(char *dir)
{
	int fd;

	(void)snprintf(dir, 64, "/tmp/lbtest.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	if (md_maildir_create(AT_FDCWD, dir, 0700) != MD_OK) {
		perror("md_maildir_create");
		exit(2);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd == -1)
		exit(2);
	return fd;
}

/* Deliver text into folder; unique_r may be NULL. */
static int __attribute__((unused))
deliver(int rootfd, const char *folder, const char *text, char *unique_r)
{
	struct md_delivery *d;
	int err;

	if ((err = md_deliver_begin(&d, rootfd, folder, 1)) != MD_OK)
		return err;
	if ((err = md_deliver_write(d, text, strlen(text))) != MD_OK) {
		md_deliver_abort(&d);
		return err;
	}
	return md_deliver_commit(&d, NULL, 0, unique_r);
}

/* Number of entries (not dot files) in dir/sub. */
static int __attribute__((unused))
count_dir(int rootfd, const char *sub)
{
	DIR *d;
	struct dirent *de;
	int fd, n = 0;

	if ((fd = openat(rootfd, sub, O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	d = fdopendir(fd);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Write a whole file relative to dirfd. */
static int __attribute__((unused))
put_file(int dirfd, const char *path, const char *text)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t n = strlen(text);

	if (fd == -1)
		return -1;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Read a whole (small) file into buf (NUL-terminated); length or -1. */
static long __attribute__((unused))
get_file(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

#endif

# letterbox -- GNU make.  `make` builds the programs at the top of the tree,
# `make check` runs every test, `make demo` starts the demo,
# `make install` honours PREFIX and DESTDIR, `make SANITIZE=1` adds ASan+UBSan.

CC		?= cc
PKG_CONFIG	?= pkg-config
PYTHON		?= /usr/bin/python3
PREFIX		?= /usr/local
LIBEXECDIR	?= $(PREFIX)/libexec/letterbox
MANDIR		?= $(PREFIX)/share/man
EXAMPLEDIR	?= $(PREFIX)/share/doc/letterbox/examples
SYSCONFDIR	?= /etc
DESTDIR		?=

ifeq ($(SANITIZE),1)
MODE		:= san
HARDEN_CFLAGS	:= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined -DLB_SANITIZE=1
HARDEN_LDFLAGS	:= -fsanitize=address,undefined
else
MODE		:= rel
HARDEN_CFLAGS	:= -O2 -D_FORTIFY_SOURCE=3
HARDEN_LDFLAGS	:=
endif

WARN		:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
HARDEN		:= -fstack-protector-strong -fstack-clash-protection -fcf-protection \
		   -fPIE
# Recursive (=) so that pkg-config runs only when a recipe needs it, after
# `make deps` has installed the -dev packages.
DEP_CFLAGS	= $(shell $(PKG_CONFIG) --cflags openssl libseccomp 2>/dev/null)
DEP_LIBS	= $(shell $(PKG_CONFIG) --libs openssl libseccomp 2>/dev/null || echo -lssl -lcrypto -lseccomp) -lpam
# Probe once (lazily, after deps): Linux-PAM >= 1.4 has pam_start_confdir.
PROBE_PAM	= $(eval PROBE_PAM := $(shell printf '\043include <security/pam_appl.h>\nint main(void){return pam_start_confdir(0,0,0,0,0);}\n' | \
		  $(CC) -x c - -o /dev/null -lpam >/dev/null 2>&1 && echo -DHAVE_PAM_START_CONFDIR))$(PROBE_PAM)
ALL_CFLAGS	= $(PROBE_PAM) -std=c11 -D_GNU_SOURCE -g -I. $(WARN) $(HARDEN) $(HARDEN_CFLAGS) \
		  $(DEP_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS	= -pie -Wl,-z,relro,-z,now $(HARDEN_LDFLAGS) $(LDFLAGS)

O		:= build/$(MODE)
# imapd links once every command module is in the tree.
PROGS		:= pop3d maildir-deliver $(if $(wildcard imap/fetch.c imap/search.c imap/store.c imap/list.c),$(if $(word 4,$(wildcard imap/fetch.c imap/search.c imap/store.c imap/list.c)),imapd))
LIB_SRC		:= $(sort $(wildcard common/*.c maildir/*.c auth/*.c imap/*.c pop3/*.c))
LIB_OBJ		:= $(LIB_SRC:%.c=$(O)/%.o)
LIB		:= $(O)/libletterbox.a
UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN	:= $(UNIT_SRC:%.c=$(O)/%)
HELPER_SRC	:= $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN	:= $(HELPER_SRC:%.c=$(O)/%)
MANS		:= $(wildcard man/*.[0-9])
PROG_TARGETS	= $(if $(filter build/$(MODE),$(O)),$(PROGS),$(PROGS:%=$(O)/%))

# Relink the programs when the build mode changes.
$(shell mkdir -p build; [ "$$(cat build/mode 2>/dev/null)" = "$(MODE)" ] || echo $(MODE) > build/mode)

.PHONY: all check unit integration lint deps demo demo-stop install clean bench fuzz
all: $(PROG_TARGETS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The programs live at the top of the tree; a build in another O= (the
# clang check) links them inside that directory instead.
ifeq ($(O),build/$(MODE))
$(PROGS): %: $(O)/%.o $(LIB) build/mode
	$(CC) $(ALL_LDFLAGS) -o $@ $(O)/$@.o $(LIB) $(DEP_LIBS)
else
$(PROGS:%=$(O)/%): $(O)/%: $(O)/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(O)/$*.o $(LIB) $(DEP_LIBS)
endif

$(O)/tests/unit/%: tests/unit/%.c tests/unit/test.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

$(O)/tests/helpers/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

deps:
	@sh tools/deps.sh

# The README's test command.  Everything: build, unit, lint, integration.
check: deps
	$(MAKE) all unit-bins
	$(MAKE) CC=clang O=build/clang all unit-bins
	$(MAKE) unit lint
	$(MAKE) integration

unit-bins: $(UNIT_BIN) $(HELPER_BIN)

unit: $(UNIT_BIN)
	@sh tools/run-unit.sh $(UNIT_BIN)

lint:
	mandoc -Tlint -Wwarning $(MANS)
	@sh tools/layering.sh

integration: all $(HELPER_BIN)
	LB_BUILD=$(O) $(PYTHON) tests/integration/run.py $(TESTS)

demo: deps
	$(MAKE) all
	sh tools/demo.sh start

demo-stop:
	sh tools/demo.sh stop

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(EXAMPLEDIR)/xinetd.d \
	    $(DESTDIR)$(EXAMPLEDIR)/systemd
	install -m 0755 $(PROGS) $(DESTDIR)$(LIBEXECDIR)/
	for m in $(MANS); do \
	    s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	install -m 0644 inetd.conf.example letterbox.conf.example \
	    $(DESTDIR)$(EXAMPLEDIR)/
	install -m 0644 xinetd.d/* $(DESTDIR)$(EXAMPLEDIR)/xinetd.d/
	install -m 0644 systemd/* $(DESTDIR)$(EXAMPLEDIR)/systemd/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	    sh tools/install-account.sh; fi

clean:
	rm -rf build $(PROGS)

-include $(LIB_OBJ:.o=.d) $(PROGS:%=$(O)/%.d) $(UNIT_BIN:=.d) $(HELPER_BIN:=.d)

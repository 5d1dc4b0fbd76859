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
# -lcrypt: ASan intercepts crypt(3) but finds the real one only if libcrypt
# is loaded at start; PAM modules (pam_unix, pam_pwdfile) dlopen it later
# and would call a null pointer (google/sanitizers#1365).
HARDEN_LDFLAGS	:= -fsanitize=address,undefined \
		   -Wl,--no-as-needed -lcrypt -Wl,--as-needed
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

.PHONY: all check unit integration lint deps demo demo-stop install clean bench fuzz \
	fuzz-bins fuzz-replay analyze hardening-check sanitize-check
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
	$(MAKE) unit lint hardening-check
	$(MAKE) CC=clang O=build/clang hardening-check
	$(MAKE) integration

unit-bins: $(UNIT_BIN) $(HELPER_BIN)

unit: $(UNIT_BIN)
	@sh tools/run-unit.sh $(UNIT_BIN)

lint:
	mandoc -Tlint -Wwarning $(MANS)
	@sh tools/layering.sh

integration: all $(HELPER_BIN)
	LB_BUILD=$(O) LB_SANITIZE=$(SANITIZE) $(PYTHON) tests/integration/run.py $(TESTS)

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

# PIE, full RELRO, stack protector, fortify... read back from the release
# binaries (tools/hardening-check.sh, SECURITY.md).
hardening-check: all
	@if [ "$(MODE)" != rel ]; then \
	    echo "hardening-check: release builds only (not SANITIZE=1)"; \
	    exit 1; fi
	@sh tools/hardening-check.sh $(PROG_TARGETS)

# --- static analysis ------------------------------------------------------
# cppcheck (tools/cppcheck.supp) and clang-tidy (.clang-tidy) over the
# production sources; any finding fails.  Two clang-tidy jobs at a time.
ANALYZE_SRC	:= $(LIB_SRC) $(wildcard imapd.c pop3d.c maildir-deliver.c)
ANALYZE_DEFS	:= -D_GNU_SOURCE -DHAVE_PAM_START_CONFDIR -I.
ANALYZE_JOBS	?= 2

analyze:
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
	    --enable=style,warning,portability,performance \
	    --suppressions-list=tools/cppcheck.supp --std=c11 $(ANALYZE_DEFS) \
	    $(ANALYZE_SRC)
	printf '%s\n' $(ANALYZE_SRC) | xargs -P $(ANALYZE_JOBS) -n 4 sh -c \
	    'out=$$(clang-tidy --quiet "$$@" -- -std=c11 $(ANALYZE_DEFS) \
	    $(DEP_CFLAGS) 2>&1); rc=$$?; printf "%s\n" "$$out" | \
	    grep -v " generated\.$$"; exit $$rc' sh
	@echo "analyze: cppcheck and clang-tidy clean"

# --- fuzzing (tests/fuzz/README.md) ----------------------------------------
# Every tests/fuzz/fuzz_<name>.c is a libFuzzer target with seeds in
# tests/fuzz/corpus/<name>/.  The library is rebuilt with coverage
# instrumentation (fuzzer-no-link) and ASan+UBSan; each target links only
# the objects it needs from that archive.  `make fuzz` replays every seed
# (the regression tests), then fuzzes each target for FUZZ_SECONDS
# (FUZZ_JOBS targets at a time); new inputs go to build/fuzz/work/, crashes
# to build/fuzz/crash/.
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_JOBS	?= 1
FZ		:= build/fuzz
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS	= -std=c11 -D_GNU_SOURCE -g -O1 -I. -fno-omit-frame-pointer \
		  $(WARN) $(FUZZ_SAN) $(DEP_CFLAGS) -MMD -MP
FUZZ_SRC	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN	:= $(FUZZ_SRC:tests/fuzz/%.c=$(FZ)/%)
FUZZ_LIBOBJ	:= $(LIB_SRC:%.c=$(FZ)/obj/%.o)

$(FZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/libfuzz.a: $(FUZZ_LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FZ)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FZ)/libfuzz.a \
	    $(DEP_LIBS)

fuzz-bins: $(FUZZ_BIN)

# Only the seeds and regression inputs, each once: seconds.
fuzz-replay: $(FUZZ_BIN)
	@sh tools/run-fuzz.sh replay $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
	    sh tools/run-fuzz.sh fuzz $(FUZZ_BIN)

-include $(LIB_OBJ:.o=.d) $(PROGS:%=$(O)/%.d) $(UNIT_BIN:=.d) $(HELPER_BIN:=.d)
-include $(FUZZ_LIBOBJ:.o=.d) $(FUZZ_BIN:=.d)

# matkiosk — one Makefile for everything.
#   make          release build of matkioskd, matctl, matverify
#   make check    ASan+UBSan build with -Werror, every test
#   make bench    benchmarks (release build)
#   make fuzz     libFuzzer targets (clang)
#   make run      the product on a private sandbox state
#   make deb      the Debian package; make package-test checks it
#   make image    a bootable disk image; make boot-test boots it under qemu
# V=1 shows the commands.

MODE ?= release
BUILD := build/$(MODE)
CC ?= cc

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN := -Wall -Wextra -Wformat-security -Wimplicit-fallthrough -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g -pthread -I. $(WARN) $(HARDEN)
BASE_LDFLAGS := -pie -pthread -Wl,-z,relro,-z,now

GCRYPT_CFLAGS := $(shell pkg-config --cflags libgcrypt 2>/dev/null)
GCRYPT_LIBS := $(shell pkg-config --libs libgcrypt 2>/dev/null || echo -lgcrypt -lgpg-error)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
UDEV_CFLAGS := $(shell pkg-config --cflags libudev 2>/dev/null)
UDEV_LIBS := $(shell pkg-config --libs libudev 2>/dev/null || echo -ludev)
UMOCKDEV_CFLAGS := $(shell pkg-config --cflags umockdev-1.0 2>/dev/null)
UMOCKDEV_LIBS := $(shell pkg-config --libs umockdev-1.0 2>/dev/null)
# The daemon writes inspection exports with libarchive; matctl draws the
# log head as a QR code with libqrencode. matverify links neither.
ARCHIVE_LIBS := $(shell pkg-config --libs libarchive 2>/dev/null || echo -larchive)
QRENCODE_LIBS := $(shell pkg-config --libs libqrencode 2>/dev/null || echo -lqrencode)
# Printing: the daemon links libcups (kiosk/cupsq.c); only the PDF marking
# helper matkiosk-markpdf (kiosk/markpdf/) links poppler-glib and cairo.
PRINT_LIBS := -lcups
MARKPDF_CFLAGS := $(shell pkg-config --cflags poppler-glib cairo 2>/dev/null)
MARKPDF_LIBS := $(shell pkg-config --libs poppler-glib cairo 2>/dev/null)
# The malware scanner (kiosk/avscan.c), linked wherever the daemon
# library is.
CLAMAV_LIBS := $(shell pkg-config --libs libclamav 2>/dev/null || echo -lclamav)

ifeq ($(MODE),asan)
MODE_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Werror
MODE_LDFLAGS := -fsanitize=address,undefined
else
MODE_CFLAGS := -O2
MODE_LDFLAGS :=
endif

ALL_CFLAGS := $(BASE_CFLAGS) $(MODE_CFLAGS) $(GCRYPT_CFLAGS) $(UDEV_CFLAGS) \
	$(CFLAGS)
ALL_LDFLAGS := $(BASE_LDFLAGS) $(MODE_LDFLAGS) $(LDFLAGS)

COMMON_SRCS := $(wildcard common/*.c)
CRYPTO_SRCS := $(wildcard crypto/*.c)
USBGUARD_SRCS := $(wildcard usbguard/*.c)
KIOSK_MAINS := kiosk/matkioskd.c kiosk/matctl.c $(wildcard kiosk/matctl_*.c)
MATCTL_SRCS := kiosk/matctl.c $(wildcard kiosk/matctl_*.c)
KIOSK_SRCS := $(filter-out $(KIOSK_MAINS),$(wildcard kiosk/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
# Unit tests of kiosk/ modules are named test_kiosk_*.c and link the daemon
# library; the others need only crypto/ and common/.
KIOSK_UNIT_SRCS := $(wildcard tests/unit/test_kiosk_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBCOMMON := $(BUILD)/libmkcommon.a
LIBCRYPTO := $(BUILD)/libmkcrypto.a
LIBUSBGUARD := $(BUILD)/libmkusbguard.a
LIBKIOSK := $(BUILD)/libmkkiosk.a
PROGS := $(BUILD)/matkioskd $(BUILD)/matctl $(BUILD)/matverify
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

DEPS_STAMP = build/.deps-$(1)

# Keep objects that only feed one program.
.SECONDARY:

.PHONY: all check unit-tests bench fuzz run clean deps deb package-test image boot-test
.DEFAULT_GOAL := all

all: $(call DEPS_STAMP,build) $(PROGS)
ifeq ($(MODE),release)
	$(Q)for p in $(PROGS); do ln -sf release/$$(basename $$p) build/$$(basename $$p); done
endif

build/.deps-%: deploy/install-deps.sh
	$(Q)mkdir -p build
	$(Q)deploy/install-deps.sh $*
	$(Q)touch $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRCS))
$(LIBCRYPTO): $(call obj,$(CRYPTO_SRCS))
$(LIBUSBGUARD): $(call obj,$(USBGUARD_SRCS))
$(LIBKIOSK): $(call obj,$(KIOSK_SRCS))
$(BUILD)/%.a:
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# The daemon library holds the USB guard, hence libmkusbguard and libudev.
$(BUILD)/matkioskd: $(call obj,kiosk/matkioskd.c) $(LIBKIOSK) $(LIBUSBGUARD) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/matctl: $(call obj,$(MATCTL_SRCS)) $(LIBKIOSK) $(LIBUSBGUARD) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/matverify: $(call obj,tools/matverify.c) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/kiosk/markpdf/%.o: ALL_CFLAGS += $(MARKPDF_CFLAGS)
all: $(BUILD)/matkiosk-markpdf
$(BUILD)/matkiosk-markpdf: $(call obj,$(wildcard kiosk/markpdf/*.c)) $(LIBKIOSK) $(LIBCOMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MARKPDF_LIBS)
$(BUILD)/matkioskd: PROG_LIBS = $(ARCHIVE_LIBS) $(PRINT_LIBS)
$(BUILD)/matctl: PROG_LIBS = $(QRENCODE_LIBS)
$(PROGS):
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GCRYPT_LIBS) $(UDEV_LIBS) $(PROG_LIBS) $(CLAMAV_LIBS)

$(BUILD)/tests/test_kiosk_%: $(call obj,tests/unit/test_kiosk_%.c) $(LIBKIOSK) $(LIBUSBGUARD) $(LIBCRYPTO) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(GCRYPT_LIBS) $(UDEV_LIBS) $(ARCHIVE_LIBS) $(PRINT_LIBS) $(CLAMAV_LIBS)

$(BUILD)/tests/test_usb%: $(call obj,tests/unit/test_usb%.c) $(LIBUSBGUARD) $(LIBCRYPTO) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(GCRYPT_LIBS)

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(LIBCRYPTO) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(GCRYPT_LIBS)

TOOL_SRCS := $(wildcard tests/tools/*.c)
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRCS))

# The console (ui/): ncursesw and common/ only; it holds no key and never
# links crypto/ or the daemon library. Its pure parts (text width and
# wrapping, escaping of replies, log paging) are libmkui, unit-tested by
# tests/unit/test_ui*.c. The Vietnamese catalogue is compiled beside the
# programs, where the console looks for it (BUILD/locale).
NCURSES_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
NCURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# The replay of repair recordings renders them through libvterm, never raw
# (ui/uireplay.c; docs/architecture.md, "The console (issue 6)").
VTERM_CFLAGS := $(shell pkg-config --cflags vterm 2>/dev/null)
VTERM_LIBS := $(shell pkg-config --libs vterm 2>/dev/null || echo -lvterm)
UI_LIB_SRCS := ui/uitext.c ui/uirec.c ui/uipage.c
UI_SRCS := $(filter-out $(UI_LIB_SRCS),$(wildcard ui/*.c))
LIBUI := $(BUILD)/libmkui.a
CONSOLE := $(BUILD)/matkiosk
CONSOLE_MO := $(BUILD)/locale/vi/LC_MESSAGES/matkiosk.mo
$(LIBUI): $(call obj,$(UI_LIB_SRCS))
$(call obj,$(UI_SRCS)): ALL_CFLAGS += $(NCURSES_CFLAGS) $(VTERM_CFLAGS)
all: $(CONSOLE) $(CONSOLE_MO)
$(CONSOLE): $(call obj,$(UI_SRCS)) $(LIBUI) $(LIBCOMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NCURSES_LIBS) $(QRENCODE_LIBS) $(VTERM_LIBS)
ifeq ($(MODE),release)
	$(Q)ln -sf release/matkiosk build/matkiosk
endif
$(CONSOLE_MO): po/vi.po
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MSGFMT  $@")
	$(Q)msgfmt --check -o $@ $<
$(BUILD)/tests/test_ui%: $(call obj,tests/unit/test_ui%.c) $(LIBUI) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
# po/matkiosk.pot from the sources (run by hand, then msgmerge po/vi.po).
.PHONY: pot
pot:
	$(Q)xgettext --from-code=UTF-8 -k_ -kN_ -o po/matkiosk.pot \
	    --package-name=matkiosk $(sort $(wildcard ui/*.c ui/*.h))

$(BUILD)/tests/tools/%: $(call obj,tests/tools/%.c) $(LIBCRYPTO) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GCRYPT_LIBS)

# Opens key files offline, as an attacker with copies of them would.
$(BUILD)/tests/tools/keyprobe: $(call obj,tests/tools/keyprobe.c) $(LIBKIOSK) $(LIBCRYPTO) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GCRYPT_LIBS)

# The umockdev bed of the USB guard's integration test.
$(BUILD)/tests/tools/usbbed.o: ALL_CFLAGS += $(UMOCKDEV_CFLAGS)
$(BUILD)/tests/tools/usbbed: $(call obj,tests/tools/usbbed.c)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UMOCKDEV_LIBS)

unit-tests: $(UNIT_TESTS) $(TEST_TOOLS)

# The test build: sanitizers and -Werror, then every test through one runner
# that prints "N passed, N failed".
check: $(call DEPS_STAMP,check)
	$(Q)$(MAKE) --no-print-directory MODE=asan all unit-tests
	$(Q)$(MAKE) --no-print-directory fuzz
	$(Q)tests/run-all build/asan

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. $(GCRYPT_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror
# common/qrtext.c needs libqrencode, which no fuzz target uses.
FUZZ_LIB_SRCS := $(filter-out common/qrtext.c,$(COMMON_SRCS)) $(CRYPTO_SRCS) $(wildcard usbguard/*.c) \
	$(UI_LIB_SRCS)
FUZZERS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
# Pure kiosk/ modules a target needs besides the libraries.
$(FUZZ_BUILD)/fuzz_printmark: FUZZ_EXTRA = kiosk/printmark.c kiosk/copyreg.c
$(FUZZ_BUILD)/fuzz_printmark: kiosk/printmark.c kiosk/copyreg.c
$(FUZZ_BUILD)/fuzz_backupman: FUZZ_EXTRA = kiosk/backup.c
$(FUZZ_BUILD)/fuzz_backupman: kiosk/backup.c

fuzz: $(call DEPS_STAMP,fuzz) $(FUZZERS)

$(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard common/*.h crypto/*.h usbguard/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(FUZZ_EXTRA) $(GCRYPT_LIBS)

# The bench's daemon runs in an empty umockdev bed (tests/tools/usbbed),
# like the tests' daemons, so that it never touches this machine's USB.
bench: $(call DEPS_STAMP,bench)
	$(Q)$(MAKE) --no-print-directory MODE=release all $(BUILD)/bench_crypto \
	    $(BUILD)/bench_airgap $(BUILD)/bench_usb $(BUILD)/bench_logq \
	    $(BUILD)/tests/tools/usbbed $(BUILD)/tests/tools/loggen \
	    $(BUILD)/bench_export $(BUILD)/tests/tools/ptytime
	$(Q)tests/bench/run build/release

$(BUILD)/bench_crypto: $(call obj,tests/bench/bench_crypto.c) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/bench_airgap: $(call obj,tests/bench/bench_airgap.c) $(LIBCOMMON)
$(BUILD)/bench_logq: $(call obj,tests/bench/bench_logq.c) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/bench_export: $(call obj,tests/bench/bench_export.c) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/bench_crypto $(BUILD)/bench_airgap $(BUILD)/bench_logq $(BUILD)/bench_export:
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GCRYPT_LIBS)

# The USB decision bench: a udev monitor of its own for the raw figure.
$(BUILD)/bench_usb: $(call obj,tests/bench/bench_usb.c) $(LIBCOMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UDEV_LIBS)

run: $(call DEPS_STAMP,run)
	$(Q)$(MAKE) --no-print-directory MODE=release all
	$(Q)deploy/sandbox-run

# The Debian package (deploy/mkdeb), and its checks: systemd-analyze verify
# on the units, lintian, install and purge in an mmdebstrap chroot
# (deploy/package-test; downloads packages, so not part of make check).
deb: $(call DEPS_STAMP,deb)
	$(Q)$(MAKE) --no-print-directory MODE=release all
	$(Q)deploy/mkdeb build/release build/deb

package-test: deb
	$(Q)deploy/package-test build/deb

# A bootable disk image holding the package (deploy/mkimage), and the boot
# test that starts it under qemu and checks it from outside
# (deploy/boot-test). Both download packages: not part of make check.
image: deb $(call DEPS_STAMP,image)
	$(Q)deploy/mkimage "$$(ls -t build/deb/matkiosk_*.deb | head -1)" build/image/matkiosk.img

# The first boot must show the console's provisioning screen.
BOOT_EXPECT ?= Khởi tạo máy mới
boot-test: $(call DEPS_STAMP,image)
	$(Q)BOOT_EXPECT="$(BOOT_EXPECT)" deploy/boot-test build/image/matkiosk.img build/image

clean:
	rm -rf build

-include $(shell find build -name '*.d' -type f 2>/dev/null)

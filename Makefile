# matkiosk — one Makefile for everything.
#   make          release build of matkioskd, matctl, matverify
#   make check    ASan+UBSan build with -Werror, every test
#   make bench    benchmarks (release build)
#   make fuzz     libFuzzer targets (clang)
#   make run      the product on a private sandbox state
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

.PHONY: all check unit-tests bench fuzz run clean deps
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
$(PROGS):
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GCRYPT_LIBS) $(UDEV_LIBS) $(CLAMAV_LIBS)

$(BUILD)/tests/test_kiosk_%: $(call obj,tests/unit/test_kiosk_%.c) $(LIBKIOSK) $(LIBUSBGUARD) $(LIBCRYPTO) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(GCRYPT_LIBS) $(UDEV_LIBS) $(CLAMAV_LIBS)

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
FUZZ_LIB_SRCS := $(COMMON_SRCS) $(CRYPTO_SRCS) $(wildcard usbguard/*.c)
FUZZERS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))

fuzz: $(call DEPS_STAMP,fuzz) $(FUZZERS)

$(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard common/*.h crypto/*.h usbguard/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(GCRYPT_LIBS)

# The bench's daemon runs in an empty umockdev bed (tests/tools/usbbed),
# like the tests' daemons, so that it never touches this machine's USB.
bench: $(call DEPS_STAMP,bench)
	$(Q)$(MAKE) --no-print-directory MODE=release all $(BUILD)/bench_crypto \
	    $(BUILD)/bench_airgap $(BUILD)/bench_usb $(BUILD)/bench_logq \
	    $(BUILD)/tests/tools/usbbed $(BUILD)/tests/tools/loggen
	$(Q)tests/bench/run build/release

$(BUILD)/bench_crypto: $(call obj,tests/bench/bench_crypto.c) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/bench_airgap: $(call obj,tests/bench/bench_airgap.c) $(LIBCOMMON)
$(BUILD)/bench_logq: $(call obj,tests/bench/bench_logq.c) $(LIBCRYPTO) $(LIBCOMMON)
$(BUILD)/bench_crypto $(BUILD)/bench_airgap $(BUILD)/bench_logq:
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GCRYPT_LIBS)

# The USB decision bench: a udev monitor of its own for the raw figure.
$(BUILD)/bench_usb: $(call obj,tests/bench/bench_usb.c) $(LIBCOMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UDEV_LIBS)

run: $(call DEPS_STAMP,run)
	$(Q)$(MAKE) --no-print-directory MODE=release all
	$(Q)deploy/sandbox-run

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

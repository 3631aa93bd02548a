/*
 * Shared by the USB unit tests (included, not linked): the descriptor
 * fixtures of tests/data/usb/ with the strings of strings.tsv, and the
 * cmocka group setup and teardown.
 * The including file includes cmocka and usbguard/usbdev.h first.
 */
#ifndef MATKIOSK_TEST_USBFIX_H
#define MATKIOSK_TEST_USBFIX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cry.h"

#define FIXTURES	"tests/data/usb/"

/* cmocka group setup and teardown: libgcrypt for the device hash, and its
 * entropy collector released at the end for the leak checker. */
static inline int
group_setup(void **state)
{
	(void)state;
	return cry_init(1 << 16, 0);
}

static inline int
group_teardown(void **state)
{
	(void)state;
	cry_done();
	return 0;
}

static inline uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *p;
	long n;

	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) >= 0);
	rewind(f);
	assert_non_null(p = malloc((size_t)n + 1));
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static inline void
set_field(struct usbdev *d, int col, const char *v)
{
	size_t n = strcmp(v, "-") == 0 ? 0 : strlen(v);

	switch (col) {
	case 1:
		assert_int_equal(usbdev_set_manufacturer(d, v, n), 0);
		break;
	case 2:
		assert_int_equal(usbdev_set_name(d, v, n), 0);
		break;
	case 3:
		assert_int_equal(usbdev_set_serial(d, v, n), 0);
		break;
	case 4:
		assert_int_equal(usbdev_set_connect_type(d, v, n), 0);
		break;
	}
}

/* Sets the text attributes strings.tsv gives the fixture. */
static inline void
set_strings(struct usbdev *d, const char *name)
{
	char *text, *line, *save = NULL, *col, *save2;
	size_t len;
	int c;

	text = (char *)read_file(FIXTURES "strings.tsv", &len);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || strncmp(line, name, strlen(name)) != 0 ||
		    line[strlen(name)] != '\t')
			continue;
		save2 = NULL;
		col = strtok_r(line, "\t", &save2);
		for (c = 1; (col = strtok_r(NULL, "\t", &save2)) != NULL; c++)
			set_field(d, c, col);
		free(text);
		return;
	}
	fail_msg("no strings for %s", name);
}

/* A fixture: its descriptors parsed, its strings set; a test fails at
 * once, with the reason, if either cannot be. */
static inline struct usbdev *
fixture(const char *name)
{
	struct usbdev *d;
	uint8_t *p;
	size_t n;
	char why[128], path[256];

	assert_true(snprintf(path, sizeof(path), FIXTURES "%s", name) <
	    (int)sizeof(path));
	p = read_file(path, &n);
	assert_non_null(d = usbdev_new());
	if (usbdev_parse_descriptors(d, p, n, why, sizeof(why)) != 0)
		fail_msg("%s: %s", name, why);
	free(p);
	set_strings(d, name);
	return d;
}

#endif /* MATKIOSK_TEST_USBFIX_H */

/*
 * Shared by the USB unit tests (included, not linked): the descriptor
 * fixtures of tests/data/usb/ with the strings of strings.tsv.
 * The including file includes cmocka and usbguard/usbdev.h first.
 */
#ifndef MATKIOSK_TEST_USBFIX_H
#define MATKIOSK_TEST_USBFIX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURES	"tests/data/usb/"

static uint8_t *
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

static void
set_field(struct usbdev *d, int col, const char *v)
{
	size_t n = strcmp(v, "-") == 0 ? 0 : strlen(v);

	if (col == 1)
		assert_int_equal(usbdev_set_manufacturer(d, v, n), 0);
	else if (col == 2)
		assert_int_equal(usbdev_set_name(d, v, n), 0);
	else if (col == 3)
		assert_int_equal(usbdev_set_serial(d, v, n), 0);
	else if (col == 4)
		assert_int_equal(usbdev_set_connect_type(d, v, n), 0);
}

/* The fixture with the strings of strings.tsv. */
static struct usbdev *
fixture(const char *name)
{
	char path[256], *text, *line, *save = NULL, *col, *save2;
	struct usbdev *d;
	uint8_t *p;
	size_t n;
	int c;

	assert_true(snprintf(path, sizeof(path), FIXTURES "%s", name) <
	    (int)sizeof(path));
	p = read_file(path, &n);
	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_parse_descriptors(d, p, n, NULL, 0), 0);
	free(p);
	text = (char *)read_file(FIXTURES "strings.tsv", &n);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, name, strlen(name)) != 0 ||
		    line[strlen(name)] != '\t')
			continue;
		save2 = NULL;
		col = strtok_r(line, "\t", &save2);
		for (c = 1; (col = strtok_r(NULL, "\t", &save2)) != NULL; c++)
			set_field(d, c, col);
	}
	free(text);
	return d;
}

#endif /* MATKIOSK_TEST_USBFIX_H */

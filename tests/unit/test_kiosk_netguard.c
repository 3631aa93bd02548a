/*
 * The air-gap guard's view of radios, on a fake sysfs tree: rfkill radios
 * blocked and unblocked, a Bluetooth controller with and without an rfkill
 * switch, and the evaluation of links and addresses. (Links and events
 * through real network namespaces: tests/integration/t_airgap.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>

#include <cmocka.h>

#include "kiosk/netguard.h"

static char root[64];

static void
put(const char *rel, const char *text)
{
	char path[256], dir[256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = dir + strlen(root) + 1; (slash = strchr(slash, '/'));
	    slash++) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	if (text == NULL) {
		mkdir(path, 0700);
		return;
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/mk-ng.XXXXXX");
	return mkdtemp(root) == NULL;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static const struct radio *
find(const struct netstate *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nradios; i++)
		if (strcmp(st->radios[i].name, name) == 0)
			return &st->radios[i];
	return NULL;
}

/* Evaluates only the radios: the test host's own links are not ours. */
static void
radios_only(struct netstate *st)
{
	st->nifs = st->naddrs = 0;
	netstate_evaluate(st);
}

static void
test_radios(void **state)
{
	struct netguard *ng;
	struct netstate st;
	const struct radio *r;

	(void)state;
	put("class/rfkill/rfkill0/type", "wlan\n");
	put("class/rfkill/rfkill0/soft", "1\n");
	put("class/rfkill/rfkill0/hard", "0\n");
	put("class/bluetooth/hci0/rfkill1", NULL);	/* has a switch */
	assert_int_equal(netguard_open(root, &ng), 0);
	assert_int_equal(netguard_scan(ng, &st), 0);
	assert_non_null(r = find(&st, "rfkill0"));
	assert_string_equal(r->type, "wlan");
	assert_int_equal(r->soft, 1);
	assert_null(find(&st, "hci0"));
	radios_only(&st);
	assert_int_equal(st.violation, 0);

	/* The attack: the radio unblocked. */
	put("class/rfkill/rfkill0/soft", "0\n");
	assert_int_equal(netguard_scan(ng, &st), 0);
	radios_only(&st);
	assert_int_equal(st.violation, 1);
	assert_non_null(strstr(st.reason, "radio rfkill0 (wlan) is not "
	    "blocked"));

	/* A controller that no switch can block. */
	put("class/rfkill/rfkill0/soft", "1\n");
	put("class/bluetooth/hci1", NULL);
	assert_int_equal(netguard_scan(ng, &st), 0);
	assert_non_null(r = find(&st, "hci1"));
	assert_string_equal(r->type, "bluetooth-hci");
	radios_only(&st);
	assert_int_equal(st.violation, 1);
	assert_non_null(strstr(st.reason, "hci1"));
	netguard_free(ng);
}

/* Unreadable radio state counts as unblocked: fail closed. */
static void
test_unreadable_radio(void **state)
{
	struct netguard *ng;
	struct netstate st;

	(void)state;
	put("class/rfkill/rfkill7/type", "bluetooth\n");
	assert_int_equal(netguard_open(root, &ng), 0);
	assert_int_equal(netguard_scan(ng, &st), 0);
	radios_only(&st);
	assert_int_equal(st.violation, 1);
	netguard_free(ng);
}

static void
test_evaluate(void **state)
{
	struct netstate st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.nifs = 2;
	snprintf(st.ifs[0].name, sizeof(st.ifs[0].name), "lo");
	st.ifs[0].loopback = 1;
	st.ifs[0].flags = IFF_UP;
	snprintf(st.ifs[1].name, sizeof(st.ifs[1].name), "eth0");
	netstate_evaluate(&st);
	assert_int_equal(st.violation, 0);	/* lo up, eth0 down */
	st.ifs[1].flags = IFF_UP;
	netstate_evaluate(&st);
	assert_int_equal(st.violation, 1);
	assert_string_equal(st.reason, "network link eth0 is up");
	st.ifs[1].flags = 0;
	st.naddrs = 1;
	snprintf(st.addrs[0].text, sizeof(st.addrs[0].text),
	    "127.0.0.1/8 on lo");
	st.addrs[0].loopback = 1;
	netstate_evaluate(&st);
	assert_int_equal(st.violation, 0);
	st.addrs[0].loopback = 0;
	netstate_evaluate(&st);
	assert_int_equal(st.violation, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_radios, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_radio, setup,
		    teardown),
		cmocka_unit_test(test_evaluate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * A umockdev test bed for the USB guard's integration test: loads device
 * descriptions, runs a command (the real daemon) inside it with
 * libumockdev-preload, and plugs devices in while it runs.
 *
 *   usbbed ROOTFILE FILE.umockdev... -- command [args]
 *
 * The bed's root directory is written to ROOTFILE (the test reads the
 * authorized attributes there). Commands on stdin, one a line:
 *   add FILE.umockdev SYSPATH   adds the devices of FILE; umockdev sends
 *                               each one's "add" uevent itself, once its
 *                               attributes are written. SYSPATH
 *                               ("/sys/devices/...") names the device the
 *                               file adds, for the reader of the test.
 *   change SYSPATH              a "change" uevent
 *   remove SYSPATH              a "remove" uevent, then the device (and
 *                               what is below it) leaves the bed, so that
 *                               "add" can bring it back
 * usbbed forwards SIGTERM, SIGINT and SIGHUP to the command and exits with its
 * status once it has ended. The bed's directory is left behind, so that
 * the test can read what the daemon wrote after it stopped: the test
 * removes it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <umockdev.h>

static volatile sig_atomic_t child_pid;
/* Reachable to the end, for the leak checker: see main. */
static UMockdevTestbed *bed;

static void
forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static void
on_child(int sig)
{
	(void)sig;
}

static int
load(UMockdevTestbed *tb, const char *file)
{
	GError *err = NULL;

	if (!umockdev_testbed_add_from_file(tb, file, &err)) {
		fprintf(stderr, "usbbed: %s: %s\n", file,
		    err != NULL ? err->message : "cannot load");
		g_clear_error(&err);
		return -1;
	}
	return 0;
}

static int
write_root(UMockdevTestbed *tb, const char *path)
{
	gchar *root = umockdev_testbed_get_root_dir(tb);
	FILE *f = fopen(path, "w");
	int r = -1;

	if (f != NULL) {
		r = fprintf(f, "%s\n", root) < 0 ? -1 : 0;
		if (fclose(f) != 0)
			r = -1;
	}
	g_free(root);
	return r;
}

static void
command(UMockdevTestbed *tb, char *line)
{
	char *verb = strtok(line, " \n"), *a = strtok(NULL, " \n");
	char *b = strtok(NULL, " \n");

	/* One "add" uevent, as the kernel sends: a second one from here
	 * would have the daemon decide every plugged device twice. */
	if (verb != NULL && strcmp(verb, "add") == 0 && b != NULL)
		load(tb, a);
	else if (verb != NULL && strcmp(verb, "change") == 0 && a != NULL)
		umockdev_testbed_uevent(tb, a, "change");
	else if (verb != NULL && strcmp(verb, "remove") == 0 && a != NULL) {
		/* The event first: umockdev builds it from the device's
		 * sysfs directory. umockdev 0.17 removes without one. */
		umockdev_testbed_uevent(tb, a, "remove");
		umockdev_testbed_remove_device(tb, a);
	} else
		fprintf(stderr, "usbbed: bad command\n");
}

static pid_t
spawn(char **argv)
{
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	/* A kill -9 of the bed is one of the command too, as the tests
	 * that crash the daemon expect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
		_exit(127);
	/* The preload library redirects /sys and the uevent socket to the
	 * bed; UMOCKDEV_DIR was set by umockdev_testbed_new. */
	setenv("LD_PRELOAD", "libumockdev-preload.so.0", 1);
	execvp(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

/* Serves stdin until the command ends; returns its wait status. */
static int
serve(UMockdevTestbed *tb, pid_t pid)
{
	char line[1024];
	int status;

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		if (fgets(line, sizeof(line), stdin) != NULL)
			command(tb, line);
		else if (feof(stdin))
			break;
		clearerr(stdin);
	}
	/* No more commands: wait for the end, through forwarded signals. */
	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			return 1 << 8;
	return status;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	int i, status;

	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (argc < 2 || i + 1 >= argc) {
		fprintf(stderr, "usage: usbbed ROOTFILE FILE... -- cmd...\n");
		return 2;
	}
	bed = umockdev_testbed_new();
	for (int j = 2; j < i; j++)
		if (load(bed, argv[j]) != 0)
			return 1;
	if (write_root(bed, argv[1]) != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* No SA_RESTART: the end of the command interrupts fgets. */
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	child_pid = spawn(argv + i + 1);
	if (child_pid < 0)
		return 1;
	status = serve(bed, (pid_t)child_pid);
	/* No g_object_unref: it would remove the directory. */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

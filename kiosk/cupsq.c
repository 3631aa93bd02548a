#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cups/cups.h>

#include "common/err.h"
#include "cupsq.h"

static http_t *
connect_cupsd(const char *server, char *why, size_t whylen)
{
	http_t *http;

	/* A path as host: libcups connects to the Unix socket. */
	http = httpConnect2(server, 0, NULL, AF_LOCAL, HTTP_ENCRYPTION_NEVER,
	    1, 5000, NULL);
	if (http == NULL)
		snprintf(why, whylen, "CUPS is not reachable at %s: %s",
		    server, cupsLastErrorString());
	return http;
}

static void
printer_uri(const char *queue, char *uri, size_t urilen)
{
	httpAssembleURIf(HTTP_URI_CODING_ALL, uri, (int)urilen, "ipp", NULL,
	    "localhost", 0, "/printers/%s", queue);
}

int
cupsq_device_uri(const char *server, const char *queue, char *uri,
    size_t urilen, char *why, size_t whylen)
{
	static const char *want[] = { "device-uri" };
	char puri[HTTP_MAX_URI];
	ipp_attribute_t *a;
	http_t *http;
	ipp_t *rq, *resp;
	int r = 0;

	if ((http = connect_cupsd(server, why, whylen)) == NULL)
		return MK_ERR_PRINTER;
	printer_uri(queue, puri, sizeof(puri));
	rq = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
	ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL,
	    puri);
	ippAddStrings(rq, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
	    "requested-attributes", 1, NULL, want);
	resp = cupsDoRequest(http, rq, "/");
	if (resp == NULL || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
		r = cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND ?
		    MK_ERR_NOT_FOUND : MK_ERR_PRINTER;
		snprintf(why, whylen, "queue %s: %s", queue,
		    cupsLastErrorString());
	} else if ((a = ippFindAttribute(resp, "device-uri",
	    IPP_TAG_URI)) == NULL || ippGetString(a, 0, NULL) == NULL) {
		r = MK_ERR_PRINTER;
		snprintf(why, whylen, "queue %s: CUPS gave no device URI",
		    queue);
	} else if (snprintf(uri, urilen, "%s", ippGetString(a, 0, NULL)) >=
	    (int)urilen) {
		r = MK_ERR_PRINTER;
		snprintf(why, whylen, "queue %s: device URI too long", queue);
	}
	ippDelete(resp);
	httpClose(http);
	return r;
}

static int
send_document(http_t *http, const char *queue, int job, const char *mime,
    const uint8_t *p, size_t n, char *why, size_t whylen)
{
	size_t off = 0, k;

	if (cupsStartDocument(http, queue, job, "document", mime, 1) !=
	    HTTP_STATUS_CONTINUE)
		goto fail;
	while (off < n) {
		k = n - off > 65536 ? 65536 : n - off;
		if (cupsWriteRequestData(http, (const char *)p + off, k) !=
		    HTTP_STATUS_CONTINUE)
			goto fail;
		off += k;
	}
	if (cupsFinishDocument(http, queue) > IPP_STATUS_OK_CONFLICTING)
		goto fail;
	return 0;
fail:
	snprintf(why, whylen, "job %d: sending the document failed: %s", job,
	    cupsLastErrorString());
	return MK_ERR_PRINTER;
}

/* The job's state now: 1 when it has ended. */
static int
job_poll(http_t *http, int job, struct cupsq_result *res)
{
	static const char *want[] = { "job-state",
	    "job-impressions-completed" };
	char juri[HTTP_MAX_URI];
	ipp_attribute_t *a;
	ipp_t *rq, *resp;
	int st = 0;

	httpAssembleURIf(HTTP_URI_CODING_ALL, juri, sizeof(juri), "ipp",
	    NULL, "localhost", 0, "/jobs/%d", job);
	rq = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
	ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL,
	    juri);
	ippAddStrings(rq, IPP_TAG_OPERATION, IPP_TAG_KEYWORD,
	    "requested-attributes", 2, NULL, want);
	if ((resp = cupsDoRequest(http, rq, "/")) == NULL)
		return -1;
	if ((a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)) != NULL)
		st = ippGetInteger(a, 0);
	if ((a = ippFindAttribute(resp, "job-impressions-completed",
	    IPP_TAG_INTEGER)) != NULL && ippGetInteger(a, 0) > 0)
		res->pages = (uint64_t)ippGetInteger(a, 0);
	ippDelete(resp);
	snprintf(res->state, sizeof(res->state), "%s", st == 0 ? "unknown" :
	    ippEnumString("job-state", st));
	return st >= IPP_JSTATE_STOPPED && st != 0;
}

static int
job_wait(http_t *http, int job, struct cupsq_result *res, char *why,
    size_t whylen)
{
	int waited = 0, done;

	while ((done = job_poll(http, job, res)) == 0 &&
	    waited < CUPSQ_WAIT_MS) {
		usleep(100 * 1000);
		waited += 100;
	}
	if (done < 0) {
		snprintf(why, whylen, "job %d: CUPS stopped answering: %s",
		    job, cupsLastErrorString());
		return MK_ERR_PRINTER;
	}
	if (strcmp(res->state, "completed") != 0) {
		snprintf(why, whylen, "job %d ended %s", job, done ?
		    res->state : "nowhere in time (still pending)");
		return MK_ERR_PRINTER;
	}
	return 0;
}

int
cupsq_print(const char *server, const char *queue, const char *title,
    const char *user, const char *mime, const uint8_t *p, size_t n, struct cupsq_result *res,
    char *why, size_t whylen)
{
	http_t *http;
	int r;

	memset(res, 0, sizeof(*res));
	snprintf(res->state, sizeof(res->state), "not-submitted");
	if ((http = connect_cupsd(server, why, whylen)) == NULL)
		return MK_ERR_PRINTER;
	/* libcups keeps the user per thread: this session's only. */
	cupsSetUser(user);
	if ((res->job = cupsCreateJob(http, queue, title, 0, NULL)) == 0) {
		snprintf(why, whylen, "CUPS refused the job: %s",
		    cupsLastErrorString());
		httpClose(http);
		return MK_ERR_PRINTER;
	}
	r = send_document(http, queue, res->job, mime, p, n, why, whylen);
	if (r == 0)
		r = job_wait(http, res->job, res, why, whylen);
	else
		cupsCancelJob2(http, queue, res->job, 0);
	httpClose(http);
	return r;
}

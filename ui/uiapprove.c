/*
 * A supervisor's approval typed at this console (APPROVE), for the
 * actions the daemon refuses with ERR APPROVAL: deleting a document,
 * registering a USB device as an IT officer, printing and copying out a
 * Tối mật or Tuyệt mật document. One form for all of them, so that the
 * password field is wiped on every path in one place.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"

int
ui_approve(struct ui *u, const char *action, const char *object,
    uint64_t count, uint64_t until, const char *intro)
{
	char who[33] = "", pw[129] = "", text[512];
	struct uifield f[] = {
		{ _("Approving supervisor"), who, sizeof(who), 0, NULL, NULL,
		    0, 0 },
		{ _("Supervisor's password"), pw, sizeof(pw), 1, NULL, NULL,
		    0, 0 },
	};
	int r;

	if (intro == NULL) {
		snprintf(text, sizeof(text), _("A supervisor approves %s on "
		    "%s with their password."), action, object);
		intro = text;
	}
	r = ui_form(u, _("Supervisor's approval"), intro, f, 2);
	if (r == FORM_OK) {
		ud_start(u, MSG_APPROVE);
		ud_add(u, F_APPROVER, who);
		ud_add(u, F_PASSWORD, pw);
		ud_add(u, F_ACTION, action);
		ud_add(u, F_OBJECT, object);
		if (count > 0)
			ud_add_u64(u, F_COUNT, count);
		if (until > 0)
			ud_add_u64(u, F_UNTIL, until);
		if (ud_call(u, NULL) != 0) {
			ui_note_err(u, _("Not approved"));
			r = FORM_CANCEL;
		}
	}
	mk_wipe(pw, sizeof(pw));
	return r;
}

/*
 * The replay of a repair recording (asciicast v2, common/cast.h) in the
 * console. The recording is the shell's output, which the technician
 * controlled, so it never reaches the terminal: libvterm renders it into
 * a virtual screen and only that screen's printable characters are drawn
 * with ncurses (docs/architecture.md, "The console (issue 6)").
 */
#ifndef MATKIOSK_UIREPLAY_H
#define MATKIOSK_UIREPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "ui.h"

/*
 * Replays cast (len bytes, the whole file as the daemon sent it after
 * checking it against the log) with its timing: Space pauses, + and -
 * change the speed (1x to 8x), e skips to the end, Esc leaves. Returns
 * SCR_SAME when left, or the screen of an event (lockdown, idle lock).
 */
enum scr uireplay_run(struct ui *u, const char *title, const uint8_t *cast,
    size_t len);

#endif /* MATKIOSK_UIREPLAY_H */

/*
 * The machine file: who this workstation is. Written last by provisioning,
 * so its presence means provisioning completed. Text, one "key=value" per
 * line: device-id (32 hex), provisioned (seconds since the epoch),
 * key-epoch (the master key's generation), recovery-key (the public key
 * of the recovery code's credential, 64 hex: new grants are sealed to it).
 */
#ifndef MATKIOSK_MACHINE_H
#define MATKIOSK_MACHINE_H

#include <stdint.h>

struct machine {
	char		device_id[33];
	int64_t		provisioned;
	uint32_t	key_epoch;
	uint8_t		recovery_pk[32];
};

int machine_load(const char *path, struct machine *m);
int machine_save(const char *path, const struct machine *m);

#endif /* MATKIOSK_MACHINE_H */

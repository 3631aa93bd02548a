#!/bin/sh
# Installs the Debian packages a make target needs, when they are missing.
# Usage: deploy/install-deps.sh build|check|fuzz|bench|run|deb|image ...
# Needs root (or sudo) only when something is actually missing.
set -eu

pkgs_build="gcc make pkg-config libgcrypt20-dev libudev-dev libarchive-dev libqrencode-dev libncurses-dev gettext libcups2-dev libpoppler-glib-dev libcairo2-dev fonts-dejavu-core libclamav-dev libvterm-dev"
pkgs_check="$pkgs_build libcmocka-dev clang libclang-rt-14-dev iproute2 util-linux procps e2fsprogs umockdev libumockdev-dev jq xxd tmux cups-daemon cups-client poppler-utils"
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_bench="$pkgs_build gnupg age time umockdev libumockdev-dev"
pkgs_run="$pkgs_build iproute2 util-linux umockdev"
pkgs_deb="$pkgs_build dpkg-dev binutils lintian systemd mmdebstrap"
pkgs_image="$pkgs_deb fdisk e2fsprogs util-linux qemu-system-x86 qemu-utils socat"

want=""
for group in "$@"; do
	case "$group" in
	build) want="$want $pkgs_build" ;;
	check) want="$want $pkgs_check" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	bench) want="$want $pkgs_bench" ;;
	run) want="$want $pkgs_run" ;;
	deb) want="$want $pkgs_deb" ;;
	image) want="$want $pkgs_image" ;;
	*) echo "install-deps: unknown group '$group'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: missing packages:$missing (run as root)" >&2
		exit 1
	fi
else
	SUDO=""
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2

# SPDX-License-Identifier: Apache-2.0
# Shell helpers shared by scripts/demo and scripts/test. Source, don't run.

# Debian packages needed to build rackd and run the virtual rack.
RACKD_BUILD_PACKAGES="meson ninja-build pkg-config gcc libc6-dev libmicrohttpd-dev
libjansson-dev libsqlite3-dev libinih-dev libsodium-dev libcurl4-gnutls-dev
libcmocka-dev libseccomp-dev libgnutls28-dev libfreeipmi-dev"
RACKD_RACK_PACKAGES="qemu-system-x86 ipxe ovmf busybox-static cpio gzip iproute2
python3 kmod openipmi ipmitool dnsutils"
# Extra packages for scripts/test: real clients and peers, and the sanitizer and
# fuzzer runtimes of clang.
RACKD_TEST_PACKAGES="clang libclang-rt-14-dev python3-pytest python3-dnspython
python3-scapy python3-yaml python3-jsonschema udhcpc isc-dhcp-client tftp-hpa
atftp curl tcpdump freeipmi-tools openssl sqlite3 kea-admin dnsutils knot-dnsutils
knot
lldpd
debian-installer-12-netboot-amd64"

# Installs the named Debian packages that are missing; runs apt-get update
# first, once, and only when something is missing.
ensure_packages() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "error: missing packages and not root; run: sudo apt-get install ${missing[*]}" >&2
		return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >/dev/null
}

# Configures (once) and builds a meson build directory: build_dir [meson options...]
build_rackd() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		local log
		log=$(meson setup "$dir" "$@" 2>&1) || { printf '%s\n' "$log" >&2; return 1; }
	fi
	ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

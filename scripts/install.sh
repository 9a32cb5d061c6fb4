#!/usr/bin/env bash
# Installs a released leadctl binary: picks the asset for this OS and CPU, downloads it and the
# release's SHA256SUMS, refuses it unless its SHA-256 is the one listed, unpacks it and puts
# leadctl in a directory (added to $GITHUB_PATH under GitHub Actions). The GitHub Action
# (action.yml) runs it; it works the same from a shell:
#
#   scripts/install.sh                                  # the latest release into ~/.local/bin
#   LEADCTL_VERSION=v0.2.0 LEADCTL_INSTALL_DIR=/usr/local/bin scripts/install.sh
#
# Settings (environment):
#   LEADCTL_VERSION       a tag (v0.2.0; 0.2.0 is read as v0.2.0) or `latest` (default)
#   LEADCTL_INSTALL_DIR   where the binary goes (default: ~/.local/bin)
#   LEADCTL_RELEASES      where releases are: a URL (default
#                         https://github.com/leadctl/leadctl/releases) or a local directory laid
#                         out the same way (download/TAG/ASSET, latest/download/ASSET)
#   LEADCTL_OS, LEADCTL_ARCH   override `uname -s` / `uname -m` (tests, cross installs)
#
# Exit codes: 0 installed; 1 a download, a checksum or an unpacking failed; 2 bad settings or an
# OS/CPU without a release asset.
set -euo pipefail

say() { printf 'leadctl-install: %s\n' "$*" >&2; }
die() { say "error: $2"; exit "$1"; }

version=${LEADCTL_VERSION:-latest}
install_dir=${LEADCTL_INSTALL_DIR:-${HOME:-.}/.local/bin}
releases=${LEADCTL_RELEASES:-https://github.com/leadctl/leadctl/releases}
releases=${releases%/}
os=${LEADCTL_OS:-$(uname -s)}
arch=${LEADCTL_ARCH:-$(uname -m)}

case "$version" in
  latest) ;;
  v[0-9]*) ;;
  [0-9]*) version="v$version" ;;
  *) die 2 "LEADCTL_VERSION \"$version\" is neither a tag like v0.2.0 nor latest" ;;
esac

# The release's target triple for this OS and CPU (the names release.yml builds).
case "$os" in
  Linux | linux) os_part=unknown-linux-musl ;;
  Darwin | darwin | macOS) os_part=apple-darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows* | windows) os_part=pc-windows-msvc ;;
  *) die 2 "no leadctl release for the OS \"$os\"; build it with cargo install --locked leadctl" ;;
esac
case "$arch" in
  x86_64 | amd64 | X64 | x64) arch_part=x86_64 ;;
  aarch64 | arm64 | ARM64) arch_part=aarch64 ;;
  *) die 2 "no leadctl release for the CPU \"$arch\"; build it with cargo install --locked leadctl" ;;
esac
if [ "$os_part" = pc-windows-msvc ] && [ "$arch_part" != x86_64 ]; then
  die 2 "no leadctl release for Windows on $arch; build it with cargo install --locked leadctl"
fi
target="$arch_part-$os_part"
if [ "$os_part" = pc-windows-msvc ]; then ext=zip; bin=leadctl.exe; else ext=tar.gz; bin=leadctl; fi
asset="leadctl-$target.$ext"

if [ "$version" = latest ]; then base="$releases/latest/download"; else base="$releases/download/$version"; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/leadctl-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

fetch() { # fetch NAME: from the release into $work
  case "$base" in
    http://* | https://*)
      curl --proto '=https,http' --fail --silent --show-error --location --retry 3 \
        --output "$work/$1" "$base/$1" || die 1 "cannot download $base/$1"
      ;;
    *)
      [ -f "$base/$1" ] || die 1 "no $1 in $base"
      cp "$base/$1" "$work/$1"
      ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else die 1 "neither sha256sum nor shasum is installed: the download cannot be checked"
  fi
}

say "installing leadctl $version for $target from $base"
fetch SHA256SUMS
fetch "$asset"
expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$work/SHA256SUMS")
[ -n "$expected" ] || die 1 "SHA256SUMS of $version does not list $asset"
actual=$(sha256_of "$work/$asset")
if [ "$actual" != "$expected" ]; then
  die 1 "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was installed"
fi

mkdir -p "$work/unpacked"
if [ "$ext" = zip ]; then
  unzip -q "$work/$asset" -d "$work/unpacked" || die 1 "cannot unpack $asset"
else
  tar -xzf "$work/$asset" -C "$work/unpacked" || die 1 "cannot unpack $asset"
fi
found="$work/unpacked/leadctl-$target/$bin"
[ -f "$found" ] || die 1 "$asset holds no leadctl-$target/$bin"

mkdir -p "$install_dir"
# Replaced whole: a running leadctl keeps its old file.
cp "$found" "$install_dir/.$bin.new"
chmod 755 "$install_dir/.$bin.new"
mv -f "$install_dir/.$bin.new" "$install_dir/$bin"
say "installed $install_dir/$bin"
if [ -n "${GITHUB_PATH:-}" ]; then
  printf '%s\n' "$install_dir" >> "$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf 'path=%s\n' "$install_dir/$bin" >> "$GITHUB_OUTPUT"
fi

#!/bin/sh
# Installs the k8zner CLI: downloads the release binary for this OS and CPU, verifies its SHA-256
# against the release's checksums.txt, and installs it into ~/.local/bin (or --prefix DIR).
#
#   curl -fsSL https://github.com/k8zner/k8zner/releases/latest/download/install.sh | sh
#   curl -fsSL https://github.com/k8zner/k8zner/releases/latest/download/install.sh | sh -s -- --version 1.2.3
#
# Options:  --version X.Y.Z   install that release instead of the latest
#           --prefix DIR      install into DIR (default: $HOME/.local/bin)
# Environment:
#   K8ZNER_BASE_URL   releases URL laid out like GitHub's (default https://github.com/k8zner/k8zner/releases):
#                     <base>/latest/download/<asset> and <base>/download/v<version>/<asset>;
#                     https only (plain http is accepted for 127.0.0.0/8, localhost and [::1]: the tests)
#   K8ZNER_VERSION    same as --version
#   K8ZNER_UNAME_S, K8ZNER_UNAME_M   override `uname -s` / `uname -m` (for tests)
#
# Running it again is safe: an identical binary is left in place, a different one is replaced
# atomically (rename in the same directory). Nothing is installed unless the checksum matches.
#
# The whole script is one function called on the last line, so a truncated download cannot run
# half of it.
set -eu

K8ZNER_RELEASES="https://github.com/k8zner/k8zner/releases"

say() {
  printf '%s\n' "$*"
}

die() {
  printf 'k8zner install: error: %s\n' "$1" >&2
  exit "${2:-1}"
}

usage() {
  say "usage: install.sh [--version X.Y.Z] [--prefix DIR]"
  say "  piped: curl -fsSL $K8ZNER_RELEASES/latest/download/install.sh | sh -s -- --version X.Y.Z"
}

# download URL FILE: fetches with curl or wget, failing on HTTP errors. curl may follow redirects
# only to https (GitHub sends release assets to another host) and speaks TLS 1.2 or later.
download() {
  if command -v curl >/dev/null 2>&1; then
    curl --proto "$curl_proto" --tlsv1.2 -fsSL --retry 3 -o "$2" "$1" || die "cannot download $1"
  else
    wget -q --secure-protocol=TLSv1_2 -O "$2" "$1" || die "cannot download $1"
  fi
}

# is_loopback_host HOST[:PORT]: true for localhost, [::1] and 127.x.y.z.
is_loopback_host() {
  case $1 in
    "[::1]" | "[::1]:"*) return 0 ;;
  esac
  host=${1%%:*}
  case $host in
    localhost) return 0 ;;
    *[!0-9.]* | *.*.*.*.* | *..* | .* | *.) return 1 ;;
    127.*.*.*) return 0 ;;
  esac
  return 1
}

# check_base_url URL: sets curl_proto; refuses anything but https, except plain http to this machine.
check_base_url() {
  case $1 in
    https://?*) curl_proto="=https" ;;
    http://?*)
      rest=${1#http://}
      is_loopback_host "${rest%%/*}" ||
        die "K8ZNER_BASE_URL \"$1\" is plain http; use https (plain http only to 127.0.0.1, localhost or [::1])" 2
      curl_proto="=http,https"
      ;;
    *) die "K8ZNER_BASE_URL \"$1\" is not an https URL" 2 ;;
  esac
}

# require_tools: fails before any download when the installer could not finish.
require_tools() {
  command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
    die "neither curl nor wget is installed; install one of them and run this again"
  command -v sha256sum >/dev/null 2>&1 || command -v shasum >/dev/null 2>&1 ||
    die "neither sha256sum nor shasum is installed; cannot verify the download, so nothing was installed"
}

# sha256_of FILE: prints the lowercase hex SHA-256 of FILE.
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  else
    shasum -a 256 "$1" | awk '{ print $1 }'
  fi
}

cleanup() {
  if [ -n "${tmp_dir:-}" ] && [ -d "$tmp_dir" ]; then rm -rf "$tmp_dir"; fi
  if [ -n "${staged:-}" ] && [ -f "$staged" ]; then rm -f "$staged"; fi
}

main() {
  version="${K8ZNER_VERSION:-}"
  prefix=""
  while [ "$#" -gt 0 ]; do
    case $1 in
      --version)
        [ "$#" -ge 2 ] || die "--version needs a value, e.g. --version 1.2.3" 2
        version=$2
        shift 2
        ;;
      --version=*)
        version=${1#--version=}
        shift
        ;;
      --prefix)
        [ "$#" -ge 2 ] || die "--prefix needs a directory, e.g. --prefix /usr/local/bin" 2
        prefix=$2
        shift 2
        ;;
      --prefix=*)
        prefix=${1#--prefix=}
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) die "unknown option \"$1\" (allowed: --version X.Y.Z, --prefix DIR, --help)" 2 ;;
    esac
  done

  version=${version#v}
  case $version in
    "") ;;
    [0-9]*.[0-9]*.[0-9]*)
      case $version in
        *[!0-9A-Za-z.-]*) die "invalid version \"$version\": expected X.Y.Z or X.Y.Z-prerelease" 2 ;;
      esac
      ;;
    *) die "invalid version \"$version\": expected X.Y.Z or X.Y.Z-prerelease" 2 ;;
  esac

  if [ -z "$prefix" ]; then
    [ -n "${HOME:-}" ] || die "HOME is not set; pass --prefix DIR" 2
    prefix="$HOME/.local/bin"
  fi

  uname_s=${K8ZNER_UNAME_S:-$(uname -s)}
  uname_m=${K8ZNER_UNAME_M:-$(uname -m)}
  case $uname_s in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows*)
      die "this installer does not support Windows; download k8zner-windows-x86_64.exe and checksums.txt from $K8ZNER_RELEASES"
      ;;
    *) die "unsupported operating system \"$uname_s\": k8zner publishes binaries for Linux and macOS (Darwin)" ;;
  esac
  case $uname_m in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "unsupported CPU architecture \"$uname_m\" on $uname_s: k8zner publishes binaries for x86_64 and aarch64 (arm64)" ;;
  esac
  asset="k8zner-$os-$arch"
  require_tools

  base_url=${K8ZNER_BASE_URL:-$K8ZNER_RELEASES}
  base_url=${base_url%/}
  check_base_url "$base_url"
  if [ -z "$version" ]; then
    release_url="$base_url/latest/download"
    release_name="the latest release"
  else
    release_url="$base_url/download/v$version"
    release_name="v$version"
  fi

  target="$prefix/k8zner"
  [ ! -d "$target" ] || die "$target is a directory; remove it or choose another --prefix"

  tmp_dir=$(mktemp -d 2>/dev/null || mktemp -d -t k8zner)
  staged=""
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  say "downloading $asset ($release_name) from $release_url"
  download "$release_url/$asset" "$tmp_dir/$asset"
  download "$release_url/checksums.txt" "$tmp_dir/checksums.txt"

  expected=$(awk -v name="$asset" '$2 == name || $2 == ("*" name) { print tolower($1); exit }' "$tmp_dir/checksums.txt")
  [ -n "$expected" ] || die "checksums.txt of $release_name has no entry for $asset; nothing was installed"
  actual=$(sha256_of "$tmp_dir/$asset")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $asset: checksums.txt says $expected, the download is $actual; nothing was installed"
  fi
  say "verified SHA-256 $actual"

  if [ -f "$target" ] && [ "$(sha256_of "$target")" = "$expected" ]; then
    say "$target is already this binary; left in place"
  else
    mkdir -p "$prefix" || die "cannot create $prefix"
    staged="$prefix/.k8zner.install.$$"
    cp "$tmp_dir/$asset" "$staged" || die "cannot write into $prefix"
    chmod 0755 "$staged"
    mv -f "$staged" "$target" || die "cannot replace $target"
    staged=""
    say "installed $target"
  fi

  "$target" version || die "$target was installed but does not run on this machine"

  case ":${PATH:-}:" in
    *":$prefix:"*) ;;
    *) say "note: $prefix is not on your PATH; add it with: export PATH=\"$prefix:\$PATH\"" ;;
  esac
}

main "$@"

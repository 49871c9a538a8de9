#!/usr/bin/env bash
# A Debian 13 (trixie) machine made the way a newcomer's is made, from the Debian registry apt uses here:
# `debootstrap --variant=minbase trixie`, the host's extra CA certificates (or TLS to Maven Central and npm
# fails), /proc, /dev and /sys mounted in a private mount namespace (nothing leaks when a run ends).
#
#   scripts/debian13.sh root base     path of the cached root: minbase, OpenJDK 21, Maven, npm, git
#   scripts/debian13.sh root lab      the same after scripts/setup-jupyter.sh: JupyterLab 4, Notebook, Chromium
#   scripts/debian13.sh root jdk25    the lab root with OpenJDK 25 (for a machine without Temurin's JDK 25)
#   scripts/debian13.sh run ROOT [--bind DIR]... -- CMD...
#                                     CMD chrooted in ROOT, each DIR mounted at the same path inside
#   scripts/debian13.sh fresh-check   the README's two commands, as written, in a fresh copy of the base root
#                                     with this repository cloned in and an empty Maven repository
#                                     (LESSR_FRESH_TESTS=A,B: the second command's tests limited to classes A, B)
#
# Roots are built once into ${LESSR_CACHE:-~/.cache/lessr-kit} (debootstrap ~30 s, packages ~2.5 min),
# keyed by what is installed in them (the package list, setup-jupyter.sh), and reused; a half-built root is
# never used.
# Needs root (or sudo): debootstrap, mount and chroot do.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)
cache=${LESSR_CACHE:-$HOME/.cache/lessr-kit}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
BASE_PACKAGES="ca-certificates ca-certificates-java openjdk-21-jdk-headless maven nodejs npm git"

# A root is rebuilt when what is installed in it changes: base/ by the package list, lab/ by setup-jupyter.sh too.
base_key() {
    echo "$BASE_PACKAGES" | sha256sum | cut -c1-12
}
lab_key() {
    cat "$here/setup-jupyter.sh" | sha256sum | cut -c1-12
}

# The Debian mirror apt uses here (its deb822 or one-line sources).
mirror() {
    local url
    url=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        | grep -v security | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}' | head -n 1)
    echo "${url:-http://deb.debian.org/debian}"
}

# run ROOT [--bind DIR]... -- CMD...: a private mount namespace, so the mounts end with CMD.
run() {
    local root=$1; shift
    local binds=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        [ "$1" = "--bind" ] || { echo "debian13.sh run: expected --bind DIR or --, got '$1'" >&2; exit 2; }
        binds+=("$2"); shift 2
    done
    [ "${1:-}" = "--" ] && shift
    [ "$#" -gt 0 ] || { echo "debian13.sh run: no command" >&2; exit 2; }
    local script='set -e; r=$1; shift; n=$1; shift
        mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"; mount --rbind /sys "$r/sys"
        mount -t tmpfs tmpfs "$r/tmp"; mount -t tmpfs tmpfs "$r/dev/shm"
        i=0; while [ "$i" -lt "$n" ]; do d=$1; shift; mkdir -p "$r$d"; mount --rbind "$d" "$r$d"; i=$((i + 1)); done
        # The machine keeps its name and its resolver (Spark looks its own host name up).
        cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
        cp -L /etc/hosts "$r/etc/hosts" 2>/dev/null || true
        cp -L /etc/hostname "$r/etc/hostname" 2>/dev/null || true
        exec chroot "$r" "$@"'
    exec $SUDO unshare --mount --propagation private sh -c "$script" sh "$root" "${#binds[@]}" ${binds[@]+"${binds[@]}"} "$@"
}

# run, in a subshell (run ends in exec).
in_root() {
    local root=$1; shift
    ( run "$root" "$@" )
}

build_base() {
    local target=$1 tmp="$1.tmp-$$"
    rm -rf "$tmp"
    mkdir -p "$(dirname "$target")"
    command -v debootstrap >/dev/null || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null; }
    local t0=$SECONDS
    $SUDO debootstrap --variant=minbase trixie "$tmp" "$(mirror)" >"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; exit 1; }
    echo "debootstrap trixie: $((SECONDS - t0)) s" >&2
    $SUDO mkdir -p "$tmp/usr/local/share/ca-certificates"
    if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
        $SUDO cp /usr/local/share/ca-certificates/*.crt "$tmp/usr/local/share/ca-certificates/"
    fi
    t0=$SECONDS
    in_root "$tmp" -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends $BASE_PACKAGES >/dev/null && update-ca-certificates >/dev/null && apt-get clean" \
        >>"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; exit 1; }
    echo "OpenJDK 21, Maven, npm, git: $((SECONDS - t0)) s" >&2
    rm -f "$tmp.log"
    $SUDO mv "$tmp" "$target"
}

# derive FROM TO WHAT CMD: a copy of the root FROM with CMD run in it.
derive() {
    local from=$1 target=$2 what=$3 cmd=$4 tmp="$2.tmp-$$"
    rm -rf "$tmp"
    $SUDO cp -a "$from" "$tmp"
    $SUDO mkdir -p "$tmp/opt/lessr-setup"
    $SUDO cp "$here/setup-jupyter.sh" "$tmp/opt/lessr-setup/"
    local t0=$SECONDS
    in_root "$tmp" -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive sh -c \
        "$cmd && apt-get clean" >"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; exit 1; }
    echo "$what in Debian 13: $((SECONDS - t0)) s" >&2
    rm -f "$tmp.log"
    $SUDO rm -rf "$tmp/opt/lessr-setup"
    $SUDO mv "$tmp" "$target"
}

root() {
    local dir base lab jdk25
    dir="$cache/debian13"
    base="$dir/base-$(base_key)"
    lab="$base-lab-$(lab_key)"
    jdk25="$lab-jdk25"
    mkdir -p "$dir"
    # One builder at a time (tests and scripts may ask at once).
    exec 9>"$dir/lock"
    flock 9
    [ -d "$base" ] || build_base "$base"
    if [ "$1" != base ] && [ ! -d "$lab" ]; then
        derive "$base" "$lab" "setup-jupyter.sh" /opt/lessr-setup/setup-jupyter.sh
    fi
    if [ "$1" = jdk25 ] && [ ! -d "$jdk25" ]; then
        derive "$lab" "$jdk25" "OpenJDK 25" "apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-25-jdk-headless >/dev/null"
    fi
    # Roots of other package lists are a newer script's leftovers.
    for old in "$dir"/base-*; do
        case "$old" in "$base"|"$lab"|"$jdk25"|*.tmp-*) ;; *) $SUDO rm -rf "$old" ;; esac
    done
    case "$1" in base) echo "$base" ;; lab) echo "$lab" ;; jdk25) echo "$jdk25" ;; esac
}

fresh_check() {
    local base t0
    base=$(root base)
    scratch=$(mktemp -d "$cache/debian13/fresh.XXXXXX")
    trap '$SUDO rm -rf "$scratch"' EXIT # global: the trap runs after the function
    t0=$SECONDS
    $SUDO cp -a "$base/." "$scratch/"
    # The newcomer clones what is committed, and has no ../shared beside it.
    git clone -q "$repo" "$scratch/home/newcomer/lessr-kit"
    # Downloaded packages are kept between checks (a cache, not an install).
    mkdir -p "$cache/debian13/apt-archives"
    echo "fresh Debian 13 root ready in $((SECONDS - t0)) s; running the README's two commands" >&2
    local readme_cmds
    readme_cmds=$(sed -n '/^```$/,/^```$/p' "$repo/README.md" | sed -n '2,3p' | sed 's/[[:space:]]*#.*$//')
    [ "$(printf '%s\n' "$readme_cmds" | wc -l)" -eq 2 ] || { echo "README's two commands not found" >&2; exit 1; }
    # LESSR_FRESH_TESTS (CI): the second command's test run limited to those test classes, the ones that
    # differ by JDK, Jupyter and OS; the whole suite runs on the CI machine itself.
    if [ -n "${LESSR_FRESH_TESTS:-}" ]; then
        readme_cmds=$(printf '%s\n' "$readme_cmds" | sed "2s/mvn -B test\$/mvn -B test -Dtest=$LESSR_FRESH_TESTS/")
        printf '%s\n' "$readme_cmds" | sed -n 2p | grep -q -- "-Dtest=" || { echo "the second command does not end in mvn -B test" >&2; exit 1; }
    fi
    printf '%s\n' "$readme_cmds" >&2
    in_root "$scratch" --bind "$cache/debian13/apt-archives" -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 CI="${CI:-}" sh -c "
            set -e
            rm -rf /var/cache/apt/archives && ln -s $cache/debian13/apt-archives /var/cache/apt/archives
            mkdir -p /var/cache/apt/archives/partial
            java -version 2>&1 | head -1; mvn -v | head -1
            cd /home/newcomer/lessr-kit
            echo '== first command'
            t=\$(date +%s)
            $(printf '%s\n' "$readme_cmds" | sed -n 1p)
            echo \"== first command passed in \$((\$(date +%s) - t)) s\"
            t=\$(date +%s)
            echo '== second command'
            $(printf '%s\n' "$readme_cmds" | sed -n 2p)
            echo \"== second command passed in \$((\$(date +%s) - t)) s\"
        "
}

case "${1:-}" in
    root) case "${2:-}" in base|lab|jdk25) root "$2" ;; *) echo "usage: debian13.sh root base|lab|jdk25" >&2; exit 2 ;; esac ;;
    run) shift; run "$@" ;;
    fresh-check) fresh_check ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The test command: installs the interop peers (as root), then runs formatting, lints, every
# test (unit, integration, interop with openssl/NSS/gpgsm, fuzz corpus replay) and a short
# fuzzing run per fuzz target.
#
# Environment:
#   CI=true           a missing peer is a hard failure (never a silent skip), and tests get
#                     SMIME_TEST_REQUIRE_PEERS=1 so they fail instead of skipping
#   FUZZ_SECONDS=N    fuzzing time per target (default 15; 0 skips fuzzing)
#
# The store tests also run on PostgreSQL: a throwaway cluster (scripts/postgres_cluster.sh)
# is started before the tests and stopped on exit; its admin URL is SMIME_TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/postgres_cluster.sh
source scripts/postgres_cluster.sh
trap postgres_cluster_stop EXIT

FUZZ_SECONDS="${FUZZ_SECONDS:-15}"
script_start=$SECONDS
stage_start=$SECONDS

stage() {
    stage_start=$SECONDS
    echo
    echo "==> $*"
}

stage_done() {
    echo "[time] $1: $((SECONDS - stage_start))s"
}

# ---- interop peers ----
stage "interop peers (openssl, NSS cmsutil/certutil/pk12util, gpgsm, SoftHSM2 for PKCS#11, PostgreSQL for the store; python3 and gzip as independent zlib decoders)"
# gpgsm signs through gpg-agent (and gpgconf stops it): Debian's gpgsm only recommends the
# agent, so it is installed by name.
peer_bins=(openssl cmsutil certutil pk12util gpgsm gpg-agent gpgconf python3 gzip softhsm2-util)
missing_peers() {
    local b missing=()
    for b in "${peer_bins[@]}"; do
        command -v "$b" >/dev/null 2>&1 || missing+=("$b")
    done
    # Debian keeps initdb/pg_ctl under /usr/lib/postgresql/<version>/bin, not on PATH.
    postgres_cluster_bin_dir >/dev/null || missing+=("initdb")
    # pkilint and aiosmtpd are installed into virtual environments (below): python3 needs venv and pip.
    if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        missing+=("python3-venv")
    fi
    echo "${missing[*]:-}"
}
missing="$(missing_peers)"
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "missing: $missing; installing with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends openssl libnss3-tools gpgsm gpg-agent python3 python3-venv gzip softhsm2 postgresql
        missing="$(missing_peers)"
    else
        echo "missing: $missing (run this script as root on Debian to install them)"
    fi
fi
if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "ERROR: interop peer binaries still missing: $missing" >&2
        echo "       (packages: openssl libnss3-tools gpgsm gpg-agent python3 python3-venv gzip softhsm2 postgresql); CI does not skip interop tests." >&2
        exit 1
    fi
    echo "WARNING: peers missing ($missing): the interop tests that need them will print 'skipped'."
else
    echo "all peers present: $(openssl version | cut -d' ' -f1-2), gpgsm $(gpgsm --version | head -1 | awk '{print $NF}')"
fi
if [ "${CI:-}" = "true" ]; then
    export SMIME_TEST_REQUIRE_PEERS=1
fi
stage_done "peers"

# ---- Python peers from PyPI, each in its own virtual environment (cached under ~/.cache) ----
# pip_peer NAME VERSION IMPORT: installs NAME==VERSION into a venv unless it is there already;
# prints the venv's directory on success. pip_peer_missing: what to do when it fails (CI=true
# ends the run: the tests that use the peer are never skipped there).
pip_peer() {
    local name="$1" version="$2" module="$3" venv
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/smime-test/$name-$version"
    if ! "$venv/bin/python" -c "import $module" >/dev/null 2>&1; then
        rm -rf "$venv"
        if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "$name==$version"; } >&2; then
            rm -rf "$venv"
            echo "cannot install $name $version from PyPI (needs python3-venv)" >&2
            return 1
        fi
        echo "installed $name $version in $venv" >&2
    fi
    echo "$venv"
}
pip_peer_missing() {
    if [ "${CI:-}" = "true" ]; then
        echo "ERROR: $1 missing; CI does not skip the tests that use it." >&2
        exit 1
    fi
    echo "WARNING: $1 not installed: the tests that use it will print 'skipped'."
}

stage "aiosmtpd 1.4.6 (the SMTP peer of the lifecycle notices) and pkilint 0.13.3 (the CA/Browser Forum S/MIME linter of the CA's profiles), from PyPI"
if venv="$(pip_peer aiosmtpd 1.4.6 aiosmtpd)"; then
    export SMIME_TEST_AIOSMTPD_PYTHON="$venv/bin/python"
    echo "SMIME_TEST_AIOSMTPD_PYTHON=$SMIME_TEST_AIOSMTPD_PYTHON"
else
    pip_peer_missing aiosmtpd
fi
if venv="$(pip_peer pkilint 0.13.3 pkilint)"; then
    export SMIME_TEST_PKILINT="$venv/bin/lint_cabf_smime_cert"
    echo "SMIME_TEST_PKILINT=$SMIME_TEST_PKILINT"
else
    pip_peer_missing pkilint
fi
stage_done "python peers"

stage "PostgreSQL test cluster (the store suite runs on SQLite and on PostgreSQL)"
if ! postgres_cluster_start; then
    if [ "${CI:-}" = "true" ]; then
        echo "ERROR: the PostgreSQL test cluster did not start; CI does not skip the PostgreSQL store tests." >&2
        exit 1
    fi
    echo "WARNING: no PostgreSQL cluster: the store tests print 'skipped postgres'."
fi
stage_done "postgres"

# ---- format, lints, tests ----
stage "cargo fmt --all -- --check"
cargo fmt --all -- --check
stage_done "fmt"

stage "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
stage_done "clippy"

stage "cargo test --workspace --no-fail-fast (includes the interop tests and the fuzz corpus replay, fuzz_corpus_*.rs)"
cargo test --workspace --no-fail-fast
stage_done "test"

# ---- short fuzzing run ----
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, -Cpasses=sancov-module);
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. Checked on Rust 1.95 stable with
# cargo-fuzz 0.13 (a scratch `cargo fuzz init` project, then the fuzz/ crate): it builds and runs
# with AddressSanitizer. If the build is refused on some other toolchain, say why and go on.
stage "fuzzing (${FUZZ_SECONDS}s per target)"
if [ "$FUZZ_SECONDS" = 0 ]; then
    echo "skipped: FUZZ_SECONDS=0"
elif [ ! -f fuzz/Cargo.toml ]; then
    echo "skipped: no fuzz/ crate"
else
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "cargo-fuzz missing: cargo install cargo-fuzz (kept in ~/.cargo/bin for the next run)"
        cargo install --locked cargo-fuzz || cargo install cargo-fuzz ||
            echo "cannot install cargo-fuzz: fuzzing skipped (the corpus replay tests above still ran)"
    fi
    if cargo fuzz --version >/dev/null 2>&1; then
        export RUSTC_BOOTSTRAP=1
        targets="$(cargo fuzz list)"
        if [ -z "$targets" ]; then
            echo "no fuzz targets listed"
        elif echo "cargo fuzz build (AddressSanitizer, release; a few minutes the first time)" &&
            ! build_log="$(cargo fuzz build 2>&1)"; then
            echo "$build_log" | tail -20
            if echo "$build_log" | grep -qiE 'nightly|unstable|-Z|sanitizer'; then
                echo "skipped: this toolchain ($(rustc --version)) refuses the fuzzing build; see above"
            else
                echo "ERROR: the fuzz crate does not build (see above)" >&2
                exit 1
            fi
        else
            for t in $targets; do
                t_start=$SECONDS
                echo "--- fuzz target $t"
                # libFuzzer's progress lines and its dictionary advice are noise here;
                # crashes and the summary stay.
                if ! cargo fuzz run "$t" -- -max_total_time="$FUZZ_SECONDS" 2>&1 |
                    grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED)|^"|dictionary'; then
                    echo "ERROR: fuzz target $t found a crash (input in fuzz/artifacts/$t)" >&2
                    exit 1
                fi
                echo "[time] fuzz $t: $((SECONDS - t_start))s"
            done
        fi
    fi
fi
stage_done "fuzz"

echo
echo "[time] total: $((SECONDS - script_start))s"

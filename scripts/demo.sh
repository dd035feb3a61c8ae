#!/usr/bin/env bash
# The main job on the embedded default: builds the release binary, then works on a SQLite
# store ($SMIME_STORE, default ~/.local/share/smime/demo-store.sqlite) whose organisation CA
# is created on first use (`smime ca init`): issues alice and bob their certificates (one
# to sign, one to encrypt each, keys sealed in the store), signs a message from alice and
# verifies it, encrypts it to bob and opens it with bob's stored key, and prints the
# inventory. Run it again: the store, the CA and the keys are reused.
# Needs Rust (cargo); openssl only for the extra check at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

# SMIME_BIN: an smime binary to use instead of building the release one.
smime="${SMIME_BIN:-}"
if [ -z "$smime" ]; then
    echo "==> building the release binary (cargo build --release -p smime-cli)"
    cargo build --release -p smime-cli
    smime="$PWD/target/release/smime"
fi

data="${XDG_DATA_HOME:-$HOME/.local/share}/smime"
mkdir -p "$data"
export SMIME_STORE="${SMIME_STORE:-$data/demo-store.sqlite}"
export SMIME_ACTOR="${SMIME_ACTOR:-${USER:-$(id -un)}}"
# The passphrase that seals the store's private keys: made once, kept beside the store
# (a demo; a real deployment keeps it elsewhere, or uses --key-file or a PKCS#11 token).
export SMIME_PASSPHRASE_FILE="${SMIME_PASSPHRASE_FILE:-$data/demo-passphrase}"
if [ ! -s "$SMIME_PASSPHRASE_FILE" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 > "$SMIME_PASSPHRASE_FILE")
fi
echo "store: $SMIME_STORE (principal $SMIME_ACTOR)"

if ! "$smime" store list --json >/dev/null 2>&1; then
    echo "==> smime store init (first use)"
    "$smime" store init --domain example.org
fi
if ! "$smime" ca chain >/dev/null 2>&1; then
    echo "==> smime ca init (first use): a root that signs only CAs, an issuing intermediate"
    "$smime" ca init --name "Example Org" --domain example.org --name-constraints
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$smime" ca chain --out chain.pem
# The root is the last certificate of the chain: the trust anchor of the verifier.
awk '/BEGIN CERTIFICATE/{n++} {print > ("ca-" n ".pem")}' chain.pem
root="$(ls ca-*.pem | sort -V | tail -1)"

for who in "alice:Alice Example" "bob:Bob Example"; do
    address="${who%%:*}@example.org"
    if [ "$("$smime" store list --email "$address" --json)" = "[]" ]; then
        echo "==> smime ca issue --email $address (a certificate to sign and one to encrypt)"
        "$smime" ca issue --email "$address" --name "${who#*:}" --profile mailbox-strict
    fi
done

printf 'From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Hello from smime\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi Bob,\r\nthis message is signed and encrypted.\r\n' > mail.eml

echo "==> smime sign --from alice@example.org"
"$smime" sign --from alice@example.org --in mail.eml --out signed.eml
echo "==> smime verify --trust <root>"
status=0
"$smime" verify --trust "$root" --in signed.eml || status=$?
echo "(exit code $status: 0 valid, 1 not valid, 2 usage or input error)"

echo "==> smime encrypt --to bob@example.org, then smime decrypt (bob's keys from the store)"
"$smime" encrypt --to bob@example.org --in signed.eml --out encrypted.eml
"$smime" decrypt --for bob@example.org --in encrypted.eml --out opened.eml
"$smime" verify --trust "$root" --in opened.eml >/dev/null && echo "decrypted; alice's signature inside still verifies"

if command -v openssl >/dev/null; then
    echo "==> openssl cms -verify reads what smime signed"
    openssl cms -verify -CAfile "$root" -in signed.eml -out /dev/null
fi

echo "==> smime lifecycle report"
"$smime" lifecycle report
exit "$status"

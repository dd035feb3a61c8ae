#!/usr/bin/env bash
# Peak memory (max RSS) of smime sign and verify on a 1 GiB message, detached and opaque,
# beside `openssl cms` on the same input. Needs about 4 GiB of free disk in $TMPDIR.
#
#   bench/memory_1gib.sh            SIZE_MIB=1024 by default
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p smime-cli
SMIME=$PWD/target/release/smime
SIZE_MIB=${SIZE_MIB:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout me.key -out me.pem -days 2 \
  -subj "/CN=Mem/emailAddress=mem@example.com" -addext subjectAltName=email:mem@example.com \
  -addext extendedKeyUsage=emailProtection 2>/dev/null
{ printf 'From: mem@example.com\r\nTo: you@example.com\r\nSubject: 1 GiB\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  head -c $((SIZE_MIB * 1024 * 1024 * 3 / 4)) /dev/zero | base64 -w 76 | sed 's/$/\r/'; } > big.eml
ls -l big.eml | awk '{printf "input: %.0f MiB\n", $5/1048576}'
run() { # label command...
  /usr/bin/time -f "%e s %M KiB" -o t.txt "${@:2}" >/dev/null 2>err.txt || { echo "$1 FAILED: $(cat err.txt)"; return; }
  awk -v l="$1" '{printf "%-28s %8.2f s %8.1f MiB peak RSS\n", l, $1, $3/1024}' t.txt
}
run "smime sign (detached)" "$SMIME" sign --cert me.pem --key me.key --in big.eml --out d.eml
run "smime verify (detached)" "$SMIME" verify --trust me.pem --in d.eml
run "smime sign --opaque" "$SMIME" sign --opaque --cert me.pem --key me.key --in big.eml --out o.eml
run "smime verify (opaque)" "$SMIME" verify --trust me.pem --in o.eml
run "openssl cms -sign -stream" openssl cms -sign -stream -in big.eml -signer me.pem -inkey me.key -out os.eml
run "openssl cms -verify" openssl cms -verify -in os.eml -CAfile me.pem -out /dev/null

#!/usr/bin/env bash
# Peak memory (max RSS) and time of smime encrypt and decrypt on a 1 GiB message
# (AES-256-GCM and AES-256-CBC, RSA-2048 recipient), beside `openssl cms` on the same input
# (encrypt with -stream; openssl cannot stream decryption). Needs about 6 GiB of free
# disk in $TMPDIR.
#
#   bench/memory_encrypt_1gib.sh        SIZE_MIB=1024 by default
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p smime-cli
SMIME=$PWD/target/release/smime
SIZE_MIB=${SIZE_MIB:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout me.key -out me.pem -days 2 \
  -subj "/CN=Mem/emailAddress=mem@example.com" -addext keyUsage=critical,keyEncipherment \
  -addext extendedKeyUsage=emailProtection 2>/dev/null
{ printf 'From: mem@example.com\r\nTo: you@example.com\r\nSubject: 1 GiB\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  head -c $((SIZE_MIB * 1024 * 1024 * 3 / 4)) /dev/zero | base64 -w 76 | sed 's/$/\r/'; } > big.eml
ls -l big.eml | awk '{printf "input: %.0f MiB\n", $5/1048576}'
run() { # label command...
  /usr/bin/time -f "%e s %M KiB" -o t.txt "${@:2}" >/dev/null 2>err.txt || { echo "$1 FAILED: $(cat err.txt)"; return; }
  awk -v l="$1" '{printf "%-36s %8.2f s %8.1f MiB peak RSS\n", l, $1, $3/1024}' t.txt
}
for cipher in aes-256-gcm aes-256-cbc; do
  run "smime encrypt --cipher $cipher" "$SMIME" encrypt --to me.pem --cipher "$cipher" --in big.eml --out enc.eml
  run "smime decrypt ($cipher)" "$SMIME" decrypt --cert me.pem --key me.key --in enc.eml --out dec.eml
  cmp -s <(tail -c 1000 dec.eml) <(tail -c 1000 big.eml) || echo "  (decrypted output differs from the input at the end!)"
  run "smime decrypt ($cipher) to stdout" "$SMIME" decrypt --cert me.pem --key me.key --in enc.eml
  rm -f enc.eml dec.eml
  run "openssl cms -encrypt -stream -$cipher" openssl cms -encrypt -stream -"$cipher" -in big.eml -out oenc.eml me.pem
  run "openssl cms -decrypt ($cipher)" openssl cms -decrypt -in oenc.eml -inkey me.key -recip me.pem -out odec.eml
  rm -f oenc.eml odec.eml
done

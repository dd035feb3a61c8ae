#!/usr/bin/env bash
# Peak memory (max RSS) and time of smime encrypt and decrypt on a 1 GiB message
# (AES-256-GCM and AES-256-CBC, RSA-2048 recipient), beside `openssl cms` on the same input
# (encrypt with -stream; openssl cannot stream decryption), and decrypt with the key held in
# a SQLite store (smime store, Argon2id passphrase). Needs about 6 GiB of free disk in
# $TMPDIR.
#
#   bench/memory_encrypt_1gib.sh        SIZE_MIB=1024 by default
set -euo pipefail
source "$(dirname "$0")/common.sh"
self_signed_cert -addext keyUsage=critical,keyEncipherment -addext extendedKeyUsage=emailProtection
big_message /dev/zero $'From: mem@example.com\r\nTo: you@example.com\r\nSubject: 1 GiB\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64'
printf 'bench store passphrase\n' > pass.txt
printf 'x\n' > p12pass.txt
openssl pkcs12 -export -in me.pem -inkey me.key -out me.p12 -passout file:p12pass.txt
export SMIME_STORE=$PWD/store.sqlite SMIME_PASSPHRASE_FILE=$PWD/pass.txt SMIME_ACTOR=bench
"$SMIME" store init >/dev/null
"$SMIME" store import me.p12 --password-file p12pass.txt >/dev/null
for cipher in aes-256-gcm aes-256-cbc; do
  run "smime encrypt --cipher $cipher" "$SMIME" encrypt --to me.pem --cipher "$cipher" --in big.eml --out enc.eml
  run "smime decrypt ($cipher)" "$SMIME" decrypt --cert me.pem --key me.key --in enc.eml --out dec.eml
  cmp -s <(tail -c 1000 dec.eml) <(tail -c 1000 big.eml) || echo "  (decrypted output differs from the input at the end!)"
  run "smime decrypt ($cipher) to stdout" "$SMIME" decrypt --cert me.pem --key me.key --in enc.eml
  run "smime decrypt ($cipher) from the store" "$SMIME" decrypt --for mem@example.com --in enc.eml --out dec.eml
  cmp -s <(tail -c 1000 dec.eml) <(tail -c 1000 big.eml) || echo "  (store-decrypted output differs from the input at the end!)"
  rm -f enc.eml dec.eml
  run "openssl cms -encrypt -stream -$cipher" openssl cms -encrypt -stream -"$cipher" -in big.eml -out oenc.eml me.pem
  run "openssl cms -decrypt ($cipher)" openssl cms -decrypt -in oenc.eml -inkey me.key -recip me.pem -out odec.eml
  rm -f oenc.eml odec.eml
done

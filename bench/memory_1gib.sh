#!/usr/bin/env bash
# Peak memory (max RSS) of smime sign and verify on a 1 GiB message, detached and opaque,
# beside `openssl cms` on the same input. Needs about 4 GiB of free disk in $TMPDIR.
#
#   bench/memory_1gib.sh            SIZE_MIB=1024 by default
set -euo pipefail
source "$(dirname "$0")/common.sh"
self_signed_cert -addext subjectAltName=email:mem@example.com -addext extendedKeyUsage=emailProtection
big_message /dev/zero $'From: mem@example.com\r\nTo: you@example.com\r\nSubject: 1 GiB\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64'
run "smime sign (detached)" "$SMIME" sign --cert me.pem --key me.key --in big.eml --out d.eml
run "smime verify (detached)" "$SMIME" verify --trust me.pem --in d.eml
run "smime sign --opaque" "$SMIME" sign --opaque --cert me.pem --key me.key --in big.eml --out o.eml
run "smime verify (opaque)" "$SMIME" verify --trust me.pem --in o.eml
run "openssl cms -sign -stream" openssl cms -sign -stream -in big.eml -signer me.pem -inkey me.key -out os.eml
run "openssl cms -verify" openssl cms -verify -in os.eml -CAfile me.pem -out /dev/null

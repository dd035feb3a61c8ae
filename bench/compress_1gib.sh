#!/usr/bin/env bash
# Peak memory (max RSS) and time of `smime compress` and `smime decompress` on a 1 GiB message
# (base64 text of random bytes: it compresses to about 77 %, so both directions move ~1 GiB),
# and of `smime decompress` stopping a zlib bomb at the default 1 GiB limit.
# OpenSSL is not compared: Debian's build has no zlib. Needs about 3 GiB free in $TMPDIR.
#
#   bench/compress_1gib.sh            SIZE_MIB=1024 by default
set -euo pipefail
source "$(dirname "$0")/common.sh"
big_message /dev/urandom $'From: mem@example.com\r\nTo: you@example.com\r\nSubject: 1 GiB\r\nMIME-Version: 1.0\r\nContent-Type: text/plain'
run "smime compress" "$SMIME" compress --in big.eml --out c.eml
ls -l c.eml | awk '{printf "compressed message: %.0f MiB\n", $5/1048576}'
# The entity is a little over 1 GiB (CRLF line ends): raise the limit above the default.
run "smime decompress" "$SMIME" decompress --max-size 2G --in c.eml --out d.eml
cmp -s big.eml d.eml && echo "round trip: identical" || echo "round trip: DIFFERENT"
rm -f big.eml c.eml d.eml
# A bomb: 2 GiB of zeros compressed by smime (about 3 MiB) against the default 1 GiB limit.
head -c $((2 << 30)) /dev/zero | { printf 'Content-Type: text/plain\r\n\r\n'; cat; } > zeros.eml
"$SMIME" compress --in zeros.eml --out bomb.eml
rm -f zeros.eml
ls -l bomb.eml | awk '{printf "bomb message: %.1f MiB\n", $5/1048576}'
/usr/bin/time -f "%e %U %S %M" -o t.txt "$SMIME" decompress --in bomb.eml --out never.eml 2>err.txt &&
  echo "bomb NOT stopped" || report "smime decompress (bomb, refused)"
grep -o 'larger than the limit[^:]*' err.txt || true
[ -e never.eml ] && echo "output written despite the failure" || echo "no output written"

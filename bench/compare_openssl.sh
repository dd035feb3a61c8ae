#!/usr/bin/env bash
# Sign and verify 1 KiB, 1 MiB and 100 MiB messages with smime and with `openssl cms`
# in the same run, on the same RSA-2048 key, and print wall time, peak memory and ratios.
# Also times `openssl dgst -sha256` over the same bytes (the floor for any signer).
#
#   bench/compare_openssl.sh            (builds the release binary first)
#   SIZES="1024 1048576" bench/compare_openssl.sh
#
# OpenSSL commands compared:
#   sign:   openssl cms -sign -in M -signer C -inkey K -out S              (detached, S/MIME)
#   verify: openssl cms -verify -in S -CAfile CA -out /dev/null
#   floor:  openssl dgst -sha256 M
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p smime-cli
SMIME=$PWD/target/release/smime
SIZES=${SIZES:-"1024 1048576 104857600"}
RUNS=${RUNS:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=Bench CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout me.key -out me.csr -subj "/CN=Bench/emailAddress=bench@example.com" 2>/dev/null
printf 'subjectAltName=email:bench@example.com\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n' > ext.cnf
openssl x509 -req -in me.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out me.pem -days 30 -extfile ext.cnf 2>/dev/null

# best-of-N wall seconds (nanosecond clock) and the peak RSS (MiB) of one run of a command
measure() {
  local best="" i t0 t1 t m
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>/dev/null || { echo "FAILED: $*" >&2; return 1; }
    t1=$(date +%s%N)
    t=$(( (t1 - t0) / 1000 ))
    if [[ -z $best ]] || (( t < best )); then best=$t; fi
  done
  /usr/bin/time -f "%M" -o t.txt "$@" >/dev/null 2>/dev/null
  read -r m < t.txt
  awk -v us="$best" -v kb="$m" 'BEGIN{printf "%.4f %d\n", us/1e6, kb/1024}'
}

printf '%-10s %-8s %10s %10s %10s %8s %8s %8s\n' size op smime_s openssl_s dgst_s ratio smimeMiB osslMiB
for size in $SIZES; do
  { printf 'From: bench@example.com\r\nTo: you@example.com\r\nSubject: bench\r\nContent-Type: text/plain\r\n\r\n'
    head -c $((size * 3 / 4 + 3)) /dev/urandom | base64 -w 76 | head -c "$size" || true; } > msg.eml
  sed '1,4d' msg.eml > body.txt
  read -r dg _ < <(measure openssl dgst -sha256 msg.eml)
  read -r ss sm < <(measure "$SMIME" sign --cert me.pem --key me.key --in msg.eml --out s.eml)
  read -r os om < <(measure openssl cms -sign -in msg.eml -signer me.pem -inkey me.key -out o.eml)
  printf '%-10s %-8s %10s %10s %10s %8.2f %8s %8s\n' "$size" sign "$ss" "$os" "$dg" "$(awk "BEGIN{print ($os>0)?$ss/$os:0}")" "$sm" "$om"
  read -r sv vm < <(measure "$SMIME" verify --trust ca.pem --in s.eml)
  read -r ov om < <(measure openssl cms -verify -in o.eml -CAfile ca.pem -out /dev/null)
  printf '%-10s %-8s %10s %10s %10s %8.2f %8s %8s\n' "$size" verify "$sv" "$ov" "$dg" "$(awk "BEGIN{print ($ov>0)?$sv/$ov:0}")" "$vm" "$om"
done
echo "ratio = smime time / openssl time (best of $RUNS runs; lower is better for smime). Times are wall seconds of the whole process, best of the runs."
